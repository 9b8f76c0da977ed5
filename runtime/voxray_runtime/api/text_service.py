"""What the text routes need, independent of Ray: request -> validated job -> backend -> events.

Everything checkable before an engine runs is checked here (model, lengths, max_tokens against the
model's limits and context window, sampling ranges), so bad input never reaches a model replica. The
prompt's token count is only known to the replica (it holds the tokenizer): a prompt that fills the
context comes back as a 400 from there.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import voxray_runtime
from voxray_runtime.api import openai_compat
from voxray_runtime.api.errors import Problem
from voxray_runtime.api.text_schemas import (
    COMPLETION_MAX_TOKENS,
    ChatCompletionRequest,
    ChatMessage,
    CompletionRequest,
    TextModelInfo,
)
from voxray_runtime.engines.text.params import GenerationParams
from voxray_runtime.spec.textmodel import TextModelSpec

TextRoute = Literal["chat", "completions"]
#: the text routes by path (metrics label ``route``, audit ``detail.route``)
TEXT_PATHS: dict[str, TextRoute] = {"/v1/chat/completions": "chat", "/v1/completions": "completions"}


@dataclass(frozen=True)
class TextModelEntry:
    """A served TextModel as the ingress sees it (from its spec; no engine needed)."""

    #: the resource name (deployment ``LLM-<name>``; what API keys' ``models`` list)
    name: str
    #: the id clients send as ``model``
    id: str
    engine: str
    context_length: int
    #: the largest max_tokens a request may ask for (and the default)
    max_tokens: int
    max_prompt_chars: int
    #: the spec as served (JSON): with voxray's version, the ``system_fingerprint`` of its answers
    config: str = ""

    @classmethod
    def from_spec(cls, name: str, spec: TextModelSpec) -> TextModelEntry:
        return cls(
            name=name,
            id=spec.model_id(name),
            engine=spec.engine,
            context_length=spec.context_length,
            max_tokens=min(spec.serving.max_tokens, spec.context_length),
            max_prompt_chars=spec.serving.max_prompt_chars,
            config=json.dumps(spec.to_wire(), sort_keys=True),
        )

    @property
    def system_fingerprint(self) -> str:
        return openai_compat.fingerprint(self.id, self.engine, self.config, voxray_runtime.__version__)


@dataclass(frozen=True)
class TextJob:
    """A validated generation request, ready for a model replica."""

    model: TextModelEntry
    params: GenerationParams
    #: the raw prompt (completions) or the chat messages (chat)
    prompt: str | None = None
    messages: list[dict[str, str]] | None = None
    stream: bool = False
    include_usage: bool = False
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def route(self) -> TextRoute:
        """``chat`` (the job carries messages) or ``completions`` (a prompt)."""
        return "chat" if self.messages is not None else "completions"

    @property
    def prompt_text(self) -> str:
        """The text the caller sent (audit: its length and keyed hash, never the text)."""
        if self.prompt is not None:
            return self.prompt
        return "\n".join(m["content"] for m in self.messages or [])

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"params": self.params.to_wire(), "request_id": self.request_id}
        if self.messages is not None:
            out["messages"] = self.messages
        else:
            out["prompt"] = self.prompt
        return out


class TextBackend(Protocol):
    """Runs text jobs on model replicas (Serve handles)."""

    def generate(self, job: TextJob) -> AsyncGenerator[dict[str, Any]]: ...

    async def complete(self, job: TextJob) -> dict[str, Any]: ...

    async def models(self) -> list[TextModelInfo]: ...

    async def health(self) -> dict[str, bool]: ...


def _params(
    req: ChatCompletionRequest | CompletionRequest, model: TextModelEntry, max_tokens: int | None
) -> GenerationParams:
    wanted = max_tokens if max_tokens is not None else model.max_tokens
    if wanted > model.max_tokens:
        limit = "its context window" if model.max_tokens == model.context_length else "its serving.maxTokens"
        raise Problem(
            400,
            "max-tokens-too-large",
            "max_tokens too large",
            f"max_tokens {wanted} exceeds what model {model.id} allows: {model.max_tokens} ({limit}; "
            f"context window {model.context_length} tokens)",
            field="max_completion_tokens"
            if max_tokens is not None and req.max_tokens is None
            else "max_tokens",
        )
    # null means the document's default (1); top_p 0 keeps only the likeliest token: greedy decoding
    temperature = 1.0 if req.temperature is None else req.temperature
    top_p = 1.0 if req.top_p is None else req.top_p
    if top_p == 0:
        temperature, top_p = 0.0, 1.0
    return GenerationParams(
        max_tokens=wanted,
        temperature=temperature,
        top_p=top_p,
        stop=req.stops,
        seed=openai_compat.engine_seed(req.seed),
    )


def _check_length(text: str, model: TextModelEntry, field_name: str) -> None:
    if not text.strip():
        raise Problem(400, "empty-prompt", "Empty prompt", "the prompt is empty", field=field_name)
    if len(text) > model.max_prompt_chars:
        raise Problem(
            413,
            "prompt-too-long",
            "Prompt too long",
            f"the prompt has {len(text)} characters; model {model.id} accepts {model.max_prompt_chars}",
            field=field_name,
        )
    if "\x00" in text:
        raise Problem(
            400, "invalid-request", "Invalid request", "the prompt contains NUL characters", field=field_name
        )


def _job(
    req: ChatCompletionRequest | CompletionRequest,
    model: TextModelEntry,
    max_tokens: int | None,
    *,
    prompt: str | None = None,
    messages: list[dict[str, str]] | None = None,
) -> TextJob:
    """A checked request's job: its route, sampling parameters and streaming as the request asks."""
    return TextJob(
        model=model,
        params=_params(req, model, max_tokens),
        prompt=prompt,
        messages=messages,
        stream=bool(req.stream),
        include_usage=req.include_usage,
    )


def chat_job(req: ChatCompletionRequest, model: TextModelEntry) -> TextJob:
    """A chat request as a job (pure): raises a Problem naming the field for what cannot be served."""
    if not req.messages:
        raise Problem(
            400, "empty-messages", "No messages", "messages must hold at least one message", field="messages"
        )
    openai_compat.refuse_unsupported(req, openai_compat.CHAT)
    for i, m in enumerate(req.messages):
        _check_message(i, m)
    messages = [
        {"role": "system" if m.role == "developer" else m.role, "content": m.text} for m in req.messages
    ]
    if messages[-1]["role"] == "assistant":
        raise Problem(
            400,
            "invalid-request",
            "Invalid request",
            "the last message must not be the assistant's",
            field="messages",
        )
    _check_length("\n".join(m["content"] for m in messages), model, "messages")
    max_tokens = req.max_completion_tokens if req.max_completion_tokens is not None else req.max_tokens
    return _job(req, model, max_tokens, messages=messages)


def _check_message(i: int, m: ChatMessage) -> None:
    """Refuse, by name, what a message asks that voxray's text models cannot read."""
    at = f"messages[{i}]"
    if m.role in ("tool", "function"):
        raise openai_compat.unsupported(f"{at}.role", m.role, openai_compat.CHAT["tools"].reason)
    for name in ("tool_calls", "function_call", "audio"):
        value = getattr(m, name)
        if value:
            reason = "audio is not read back" if name == "audio" else openai_compat.CHAT["tools"].reason
            raise openai_compat.unsupported(f"{at}.{name}", value, reason)
    if m.content is None and (m.role != "assistant" or m.refusal is None):
        raise Problem(
            400, "invalid-request", "Invalid request", f"{at} has no content", field=f"{at}.content"
        )
    for j, part in enumerate(m.content if isinstance(m.content, list) else []):
        readable = {"text": part.text, "refusal": part.refusal if m.role == "assistant" else None}
        if readable.get(part.type) is None:
            raise openai_compat.unsupported(
                f"{at}.content[{j}].type",
                part.type,
                "voxray's text models read text parts only (no images, audio or files)",
            )


def completion_job(req: CompletionRequest, model: TextModelEntry) -> TextJob:
    """A completion request as a job (pure). ``max_tokens`` absent or null is OpenAI's default, 16."""
    openai_compat.refuse_unsupported(req, openai_compat.COMPLETIONS)
    prompt = req.prompt
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if not isinstance(prompt, str):
        if prompt is None:
            detail = "the prompt is null: send the text to continue"
        elif all(isinstance(p, str) for p in prompt):
            detail = "send exactly one prompt (one request per prompt)"
        else:
            detail = "voxray takes the prompt as text, not token ids"
        raise Problem(400, "invalid-request", "Invalid request", detail, field="prompt")
    _check_length(prompt, model, "prompt")
    max_tokens = COMPLETION_MAX_TOKENS if req.max_tokens is None else req.max_tokens
    return _job(req, model, max_tokens, prompt=prompt)


@dataclass
class TextFrontend:
    models: Sequence[TextModelEntry]
    backend: TextBackend

    def __post_init__(self) -> None:
        self._by_id: Mapping[str, TextModelEntry] = {m.id: m for m in self.models} | {
            m.name: m for m in self.models if m.name not in {x.id for x in self.models}
        }

    def resolve(self, model: str) -> TextModelEntry:
        found = self._by_id.get(model)
        if found is None:
            served = ", ".join(sorted(m.id for m in self.models)) or "none"
            raise Problem(
                400,
                "unknown-model",
                "Unknown model",
                f"unknown text model {model!r}; served: {served}",
                field="model",
            )
        return found


def usage_of(done: Mapping[str, Any]) -> dict[str, int]:
    p, c = int(done["prompt_tokens"]), int(done["completion_tokens"])
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
