"""The speech job and its result: typed, frozen, and passed through Ray Serve handles as they are."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voxray_runtime.engines.base import SynthesisRequest
from voxray_runtime.text import prepare
from voxray_runtime.voices.catalog import VoiceBinding

if TYPE_CHECKING:
    from voxray_runtime.audio.loudness import Loudness
    from voxray_runtime.captions import TimedWord
    from voxray_runtime.speech.publish import Publish

#: longest chunk handed to an engine, in characters (Kokoro's 510-token window fits ~300 chars)
MAX_CHUNK_CHARS = 300


class EmptyTextError(ValueError):
    """Nothing speakable is left after normalisation (only emoji, URLs, punctuation...)."""


def text_chunks(text: str, binding: VoiceBinding, max_chars: int = MAX_CHUNK_CHARS) -> tuple[str, ...]:
    """The text normalised for the voice's language and cut into sentences (long ones into chunks)."""
    chunks = prepare(text, binding.avatar.language, binding.avatar.dialect, max_chars=max_chars)
    if not chunks:
        raise EmptyTextError("the text has nothing speakable after normalisation")
    return tuple(chunks)


@dataclass(frozen=True)
class ChunkPlan:
    """How one chunk of a marked-up job is spoken: the engine language (``ipa``: phonemes as written), the
    speed, and the seconds of silence after it (a ``break``, or the sentence pause)."""

    language: str
    speed: float
    pause_after_s: float


def new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class SpeechJob:
    """A text for one voice, cut into the chunks an engine speaks, with how to encode the audio.

    Built once (by the API after validation, by the batch driver, evaluation or benchmarks) and given
    as it is to a model replica or an in-process :class:`~voxray_runtime.speech.worker.ModelWorker`.
    """

    binding: VoiceBinding
    chunks: tuple[str, ...]
    speed: float = 1.0
    format: str = "mp3"
    bitrate_kbps: int = 64
    #: characters of the text as the caller sent it (request timeouts and metrics scale with it)
    chars: int = 0
    request_id: str = field(default_factory=new_request_id)
    #: per chunk, for SSML and pronunciations (:meth:`for_segments`); empty: every chunk in the voice's
    #: language at ``speed`` with the sentence pause between
    plan: tuple[ChunkPlan, ...] = ()
    #: publish-ready output (word timing, loudness target, captions); None: the plain audio
    publish: Publish | None = None

    @classmethod
    def for_text(
        cls,
        binding: VoiceBinding,
        text: str,
        *,
        speed: float = 1.0,
        format: str = "mp3",
        bitrate_kbps: int = 64,
        request_id: str | None = None,
        publish: Publish | None = None,
    ) -> SpeechJob:
        """The job for ``text`` (normalised and chunked for the voice; :class:`EmptyTextError` or
        :class:`~voxray_runtime.text.TextError` when nothing can be spoken)."""
        return cls(
            binding,
            text_chunks(text, binding),
            speed,
            format,
            bitrate_kbps,
            len(text),
            request_id or new_request_id(),
            publish=publish,
        )

    @property
    def model(self) -> str:
        return self.binding.model

    @property
    def speaker(self) -> str:
        return self.binding.speaker

    @property
    def engine_language(self) -> str:
        return self.binding.engine_language

    def requests(self) -> list[SynthesisRequest]:
        """One engine request per chunk, in order."""
        if self.plan:
            return [
                SynthesisRequest(c, self.speaker, p.language, p.speed)
                for c, p in zip(self.chunks, self.plan, strict=True)
            ]
        return [SynthesisRequest(c, self.speaker, self.engine_language, self.speed) for c in self.chunks]

    def pauses(self) -> list[float] | None:
        """Seconds of silence after each chunk but the last (None: the sentence pause everywhere)."""
        return [p.pause_after_s for p in self.plan[:-1]] if self.plan else None


@dataclass(frozen=True)
class SpeechResult:
    """A job's encoded audio and what it took."""

    audio: bytes
    sample_rate: int
    duration_s: float
    synth_s: float
    encode_s: float
    chunks: int
    #: publish jobs: the written words timed, captions by format, loudness delivered and the engine's own
    words: tuple[TimedWord, ...] = ()
    captions: dict[str, str] = field(default_factory=dict)
    loudness: Loudness | None = None
    source_loudness: Loudness | None = None
    timing: str | None = None
    #: the ingress answered this request with the synthesis of an identical one in flight at once
    coalesced: bool = False
    #: CPU seconds of the finishing steps (publish jobs): loudness, timing, captions
    steps_cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rtf(self) -> float:
        """Engine seconds per second of audio (0 for no audio)."""
        return self.synth_s / self.duration_s if self.duration_s else 0.0
