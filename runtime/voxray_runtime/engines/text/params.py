"""What a generation asks for and how it ends (pure): sampling parameters, stop sequences, results.

Shared by the llama.cpp adapter, the Serve deployment and the API, so that one request means the same
thing in process, behind Ray handles and over HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

FinishReason = Literal["stop", "length", "cancelled"]

#: most stop sequences a request may give (OpenAI allows 4)
MAX_STOP_SEQUENCES = 4


class TextEngineError(RuntimeError):
    """Base of the text engines' errors; the message is fit to show a user."""


class PromptTooLongError(TextEngineError):
    """The prompt fills the context window: nothing is left to generate into."""

    def __init__(self, prompt_tokens: int, context_length: int) -> None:
        super().__init__(
            f"the prompt is {prompt_tokens} tokens; the context window is {context_length} tokens "
            "(prompt and completion together): shorten it"
        )
        self.prompt_tokens = prompt_tokens
        self.context_length = context_length


class QueueFullError(TextEngineError):
    """Every slot is busy and the waiting queue is full: the caller should retry shortly."""

    def __init__(self, waiting: int, retry_after_s: int = 1) -> None:
        super().__init__(f"all sequences are busy and {waiting} requests are waiting (the queue is full)")
        self.retry_after_s = retry_after_s


class EngineClosedError(TextEngineError):
    """The engine was closed (its replica is shutting down)."""


@dataclass(frozen=True)
class GenerationParams:
    """Sampling and length of one generation. ``temperature`` 0 is greedy decoding."""

    max_tokens: int = 256
    temperature: float = 0.8
    top_p: float = 0.95
    stop: tuple[str, ...] = ()
    #: the same seed, prompt and parameters give the same text (on the same engine build and settings)
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError("temperature must lie within 0..2")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError("top_p must lie within (0, 1]")
        if len(self.stop) > MAX_STOP_SEQUENCES or any(not s for s in self.stop):
            raise ValueError(f"stop takes at most {MAX_STOP_SEQUENCES} non-empty strings")

    def to_wire(self) -> dict[str, Any]:
        return {
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "stop": list(self.stop),
            "seed": self.seed,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> GenerationParams:
        seed = data.get("seed")
        return cls(
            max_tokens=int(data.get("max_tokens", 256)),
            temperature=float(data.get("temperature", 0.8)),
            top_p=float(data.get("top_p", 0.95)),
            stop=tuple(str(s) for s in data.get("stop") or ()),
            seed=None if seed is None else int(seed),
        )


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class GenerationResult:
    """How a generation ended, with its timings (``decode_s``: first token to last)."""

    finish_reason: FinishReason
    usage: Usage
    time_to_first_token_s: float | None
    decode_s: float
    queued_s: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        """Decode rate after the first token (what a reader of the stream sees)."""
        n = self.usage.completion_tokens - 1
        return n / self.decode_s if n > 0 and self.decode_s > 0 else 0.0

    def to_wire(self) -> dict[str, Any]:
        return {
            "finish_reason": self.finish_reason,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "time_to_first_token_s": self.time_to_first_token_s,
            "decode_s": self.decode_s,
            "queued_s": self.queued_s,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> GenerationResult:
        ttft = data.get("time_to_first_token_s")
        return cls(
            finish_reason=data["finish_reason"],
            usage=Usage(int(data["prompt_tokens"]), int(data["completion_tokens"])),
            time_to_first_token_s=None if ttft is None else float(ttft),
            decode_s=float(data["decode_s"]),
            queued_s=float(data.get("queued_s", 0.0)),
        )


@dataclass
class StopMatcher:
    """Cuts generated text at the first stop sequence, holding back only what could still begin one.

    ``feed`` returns the text safe to emit now and whether a stop sequence was reached (the stop
    sequence itself is never emitted, as OpenAI does); ``flush`` returns what was held back at the end.
    """

    stops: Sequence[str]
    _held: str = field(default="", init=False)

    def feed(self, text: str) -> tuple[str, bool]:
        buf = self._held + text
        if not self.stops:
            self._held = ""
            return buf, False
        cut = min((i for i in (buf.find(s) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            self._held = ""
            return buf[:cut], True
        keep = 0
        for s in self.stops:
            for n in range(min(len(s) - 1, len(buf)), keep, -1):
                if buf.endswith(s[:n]):
                    keep = n
                    break
        self._held = buf[len(buf) - keep :] if keep else ""
        return buf[: len(buf) - keep], False

    def flush(self) -> str:
        out, self._held = self._held, ""
        return out
