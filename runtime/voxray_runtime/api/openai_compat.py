"""Where voxray's OpenAI-compatible routes meet OpenAI's published API description (pure).

OpenAI's request schemas define members voxray cannot honour (several choices, log probabilities, tools,
JSON modes, audio output...). Such a member is accepted at its neutral value (absent, null, the
document's default or a value that asks for nothing) and refused otherwise, with a 400 that names it
and says why: never silently ignored. Members that do not change the result (metadata, user ids, cache
keys) are accepted and not used. The tables below are the one statement of both; docs/openai.md
repeats them for users.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from voxray_runtime.api.errors import Problem


@dataclass(frozen=True)
class Neutral:
    """What a member may be for voxray to honour it, and why nothing else can be."""

    accepts: Callable[[Any], bool]
    reason: str


def _one_of(*values: Any) -> Callable[[Any], bool]:
    return lambda v: v is None or any(v == x and type(v) is type(x) for x in values)


def _empty(v: Any) -> bool:
    return v is None or v == [] or v == {}


_NO_TOOLS = "voxray's text models do not call tools or functions"
#: members of both text routes
SHARED: dict[str, Neutral] = {
    "n": Neutral(_one_of(1), "voxray generates one choice per request (send several requests)"),
    "presence_penalty": Neutral(_one_of(0, 0.0), "voxray's engines apply no presence penalty (0 only)"),
    "frequency_penalty": Neutral(_one_of(0, 0.0), "voxray's engines apply no frequency penalty (0 only)"),
    "logit_bias": Neutral(_empty, "voxray's engines take no logit bias ({} only)"),
}
CHAT: dict[str, Neutral] = SHARED | {
    "logprobs": Neutral(_one_of(False), "voxray returns no log probabilities"),
    "top_logprobs": Neutral(_one_of(0), "voxray returns no log probabilities"),
    "response_format": Neutral(
        _one_of({"type": "text"}), "voxray generates plain text only (no JSON mode or JSON schema)"
    ),
    "store": Neutral(_one_of(False), "voxray does not store completions"),
    "service_tier": Neutral(_one_of("auto", "default"), "voxray has one service tier"),
    "modalities": Neutral(_one_of(["text"]), "voxray's text models answer in text only"),
    "verbosity": Neutral(_one_of("medium"), "voxray's text models have no verbosity setting"),
    "reasoning_effort": Neutral(_one_of("none"), "voxray's text models do not reason before answering"),
    "moderation": Neutral(_empty, "voxray runs no moderation"),
    "web_search_options": Neutral(lambda v: v is None, "voxray does not search the web"),
    "audio": Neutral(lambda v: v is None, "audio output is /v1/audio/speech's work"),
    "prediction": Neutral(lambda v: v is None, "voxray takes no predicted outputs"),
    "tools": Neutral(_empty, _NO_TOOLS),
    "tool_choice": Neutral(_one_of("none", "auto"), _NO_TOOLS),
    "functions": Neutral(_empty, _NO_TOOLS),
    "function_call": Neutral(_one_of("none", "auto"), _NO_TOOLS),
}
COMPLETIONS: dict[str, Neutral] = SHARED | {
    "echo": Neutral(_one_of(False), "voxray does not echo the prompt"),
    "best_of": Neutral(_one_of(1), "voxray generates one candidate per request"),
    "logprobs": Neutral(lambda v: v is None, "voxray returns no log probabilities"),
    "suffix": Neutral(_one_of(""), "voxray's models do not fill in between a prompt and a suffix"),
}


def refuse_unsupported(req: BaseModel, table: Mapping[str, Neutral]) -> None:
    """Raise a 400 naming the first member of ``req`` that voxray cannot honour at its value."""
    for name, rule in table.items():
        value = getattr(req, name)
        if not rule.accepts(value):
            raise unsupported(name, value, rule.reason)
    opts = getattr(req, "stream_options", None)
    if opts is not None and opts.include_obfuscation:
        raise unsupported(
            "stream_options.include_obfuscation",
            True,
            "voxray pads no stream chunks (send false or leave it out)",
        )


def unsupported(field: str, value: Any, reason: str) -> Problem:
    shown = json.dumps(value, ensure_ascii=False, default=str)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return Problem(
        400,
        "unsupported-parameter",
        "Unsupported parameter",
        f"{field}={shown} is not supported: {reason}",
        field=field,
    )


def engine_seed(seed: int | None) -> int | None:
    """OpenAI's 64-bit seed as the 32-bit seed voxray's engines take (the same seed, the same text)."""
    return None if seed is None else seed & 0xFFFFFFFF


def fingerprint(*parts: object) -> str:
    """``system_fingerprint``: a short digest of what decides the text besides the request (the model's
    spec, engine and voxray's version): with the same seed, a change of fingerprint explains a change."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return f"fp_{digest[:12]}"


FinishReason = Literal["stop", "length"]


def finish_reason(reason: str) -> FinishReason:
    """An engine's finish reason in OpenAI's terms (a cancelled generation has no reader left)."""
    return "length" if reason == "length" else "stop"


#: speech engines that follow free-text style instructions (none of voxray's engines yet)
INSTRUCTED_ENGINES: frozenset[str] = frozenset()


def instructions_support(engine: str) -> tuple[bool, str | None]:
    """Whether a speech engine acts on ``instructions``, and if not, why (``/v1/models`` says it)."""
    if engine in INSTRUCTED_ENGINES:
        return True, None
    return False, (
        f"the {engine} engine speaks each voice as it was trained: it follows no free-text instructions "
        "(choose the voice, and the pace with speed)"
    )
