"""The one interface every TTS engine adapter implements.

An engine turns one normalised sentence (or a short chunk) into mono float32 PCM in [-1, 1] at its
declared sample rate. Text normalisation, sentence splitting, pauses and encoding happen above it,
once, for all engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

PCM = npt.NDArray[np.float32]


class EngineError(RuntimeError):
    """Base of every engine error; the message is fit to show a user."""


class WeightsNotFoundError(EngineError):
    """The weights (or a voice file) are missing or unreadable where the spec says they are."""


class UnsupportedLanguageError(EngineError):
    """The engine cannot speak the requested language."""


class UnknownSpeakerError(EngineError):
    """The engine has no such speaker/voice."""


@dataclass(frozen=True)
class EngineInfo:
    """What an engine declares about itself (shown in /v1/models and the voice table)."""

    name: str
    sample_rate: int
    #: engine language codes it can speak (phonemizer codes such as en-us, en, es, hi, ur, ar)
    languages: frozenset[str]
    speakers: tuple[str, ...]
    quantization: str
    #: where the weights came from (package name, repo@revision or path)
    weights: str
    license: str
    device: str = "cpu"
    #: True when synthesize_batch runs several inputs in one forward pass (dynamic batching pays off)
    batched: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SynthesisRequest:
    text: str
    speaker: str
    language: str
    speed: float = 1.0


@runtime_checkable
class Engine(Protocol):
    """A loaded TTS engine. Implementations are thread-compatible, not thread-safe: one caller at a time."""

    @property
    def info(self) -> EngineInfo: ...

    def synthesize(self, text: str, *, speaker: str, language: str, speed: float = 1.0) -> PCM:
        """One chunk of normalised text -> mono float32 PCM at ``info.sample_rate``."""
        ...

    def synthesize_batch(self, requests: Sequence[SynthesisRequest]) -> list[PCM]:
        """Several chunks; engines that gain from batching run them together."""
        ...


def check_request(info: EngineInfo, speaker: str, language: str, speed: float) -> None:
    """Shared argument checks with clear messages (speaker lists are checked only when declared)."""
    if language not in info.languages:
        raise UnsupportedLanguageError(
            f"engine {info.name} cannot speak language {language!r}; "
            f"it speaks: {', '.join(sorted(info.languages))}"
        )
    if info.speakers and speaker not in info.speakers:
        shown = ", ".join(info.speakers[:20]) + (" ..." if len(info.speakers) > 20 else "")
        raise UnknownSpeakerError(f"engine {info.name} has no speaker {speaker!r}; speakers: {shown}")
    if not 0.25 <= speed <= 4.0:
        raise EngineError(f"speed {speed} outside 0.25..4.0")


def to_pcm(audio: npt.ArrayLike, *, engine: str) -> PCM:
    """Engine output -> 1-D float32 in [-1, 1]; non-finite samples are an engine fault, never passed on."""
    pcm = np.asarray(audio, dtype=np.float32).reshape(-1)
    if not np.all(np.isfinite(pcm)):
        raise EngineError(
            f"engine {engine} produced non-finite samples (NaN or Inf); the weights may be corrupt"
        )
    return np.clip(pcm, -1.0, 1.0)


def empty_pcm() -> PCM:
    """Zero samples: what an engine returns for text with nothing to speak (only punctuation, say)."""
    return np.zeros(0, dtype=np.float32)


def synthesize_each(engine: Engine, requests: Sequence[SynthesisRequest]) -> list[PCM]:
    """``synthesize_batch`` for engines that gain nothing from batching: one call per request, in order."""
    return [
        engine.synthesize(r.text, speaker=r.speaker, language=r.language, speed=r.speed) for r in requests
    ]
