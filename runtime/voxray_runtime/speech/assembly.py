"""The one place a job's audio is assembled: each chunk trimmed, a pause between sentences that shortens
as speech speeds up, the chunks joined, the encode hand-off, and the pieces of a stream.

Pure numpy plus the encoders; the engine is passed in. The replica, the in-process worker, the batch
driver, the evaluation and the benchmarks all assemble here, so a file, a response and a stream of the
same job carry the same samples.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voxray_runtime.audio.encode import Mp3StreamEncoder, encode, float_to_int16
from voxray_runtime.audio.pcm import (
    PCM,
    SENTENCE_PAUSE_S,
    concat_with_pauses,
    duration_seconds,
    resample_linear,
    silence,
    trim_silence,
)
from voxray_runtime.engines.base import Engine, SynthesisRequest
from voxray_runtime.speech.job import SpeechJob, SpeechResult

#: OpenAI's ``pcm`` format: 24 kHz signed 16-bit little-endian mono
PCM_RATE = 24000
#: the fastest speed the pause shortens for (faster speech keeps this pause)
PAUSE_SPEED_FLOOR = 0.25


def sentence_pause_s(speed: float = 1.0) -> float:
    """Seconds of pause between sentences, shortened as speech speeds up."""
    return SENTENCE_PAUSE_S / max(speed, PAUSE_SPEED_FLOOR)


def sentence_gap(sample_rate: int, speed: float = 1.0) -> PCM:
    """The pause between sentences, as samples."""
    return silence(sentence_pause_s(speed), sample_rate)


def trim(pcm: object, sample_rate: int) -> PCM:
    """An engine's output as float32 with its own leading/trailing silence trimmed (engines pad
    differently)."""
    return trim_silence(np.asarray(pcm, dtype=np.float32), sample_rate)


def speak(engine: Engine, req: SynthesisRequest) -> PCM:
    """One chunk through the engine, trimmed."""
    pcm = engine.synthesize(req.text, speaker=req.speaker, language=req.language, speed=req.speed)
    return trim(pcm, engine.info.sample_rate)


def speak_batch(engine: Engine, reqs: Sequence[SynthesisRequest]) -> list[PCM]:
    """Several chunks in one engine call (batched engines), each trimmed."""
    rate = engine.info.sample_rate
    return [trim(p, rate) for p in engine.synthesize_batch(reqs)]


def join(
    parts: Sequence[PCM], sample_rate: int, speed: float = 1.0, pauses: Sequence[float] | None = None
) -> PCM:
    """The chunks of a job, a sentence pause between each two (or the job's own pauses, in seconds)."""
    if pauses is None:
        return concat_with_pauses(parts, sample_rate, sentence_pause_s(speed))
    pieces: list[PCM] = []
    for i, part in enumerate(parts):
        pieces.append(part)
        if i < len(parts) - 1:
            pieces.append(silence(pauses[i], sample_rate))
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class Speech:
    """A job's audio before encoding."""

    pcm: PCM
    sample_rate: int
    #: seconds the engine took over every chunk
    synth_s: float
    chunks: int

    @property
    def duration_s(self) -> float:
        return duration_seconds(self.pcm, self.sample_rate)


def assemble(
    parts: Sequence[PCM],
    sample_rate: int,
    speed: float,
    synth_s: float,
    pauses: Sequence[float] | None = None,
) -> Speech:
    """Trimmed chunks -> the job's speech."""
    return Speech(join(parts, sample_rate, speed, pauses), sample_rate, synth_s, len(parts))


def render(engine: Engine, job: SpeechJob) -> Speech:
    """The job's speech, chunk after chunk through one engine."""
    t0 = time.perf_counter()
    parts = [speak(engine, r) for r in job.requests()]
    return assemble(parts, engine.info.sample_rate, job.speed, time.perf_counter() - t0, job.pauses())


def encode_audio(pcm: PCM, sample_rate: int, fmt: str, bitrate_kbps: int) -> tuple[bytes, int]:
    """The encode hand-off: bytes in ``fmt`` and their sample rate (raw ``pcm`` is 16-bit at 24 kHz)."""
    if fmt == "pcm":
        return float_to_int16(resample_linear(pcm, sample_rate, PCM_RATE)).tobytes(), PCM_RATE
    return encode(pcm, sample_rate, fmt, bitrate_kbps), sample_rate


def encode_speech(speech: Speech, job: SpeechJob) -> SpeechResult:
    """The job's result: its speech encoded as the job asks."""
    t0 = time.perf_counter()
    audio, rate = encode_audio(speech.pcm, speech.sample_rate, job.format, job.bitrate_kbps)
    return SpeechResult(
        audio=audio,
        sample_rate=rate,
        duration_s=speech.duration_s,
        synth_s=speech.synth_s,
        encode_s=time.perf_counter() - t0,
        chunks=speech.chunks,
    )


class StreamAssembler:
    """The bytes of a stream, chunk by chunk: each chunk with the pause after it (none after the last),
    MP3 through one running encoder (flushed by the last chunk) or raw 24 kHz 16-bit PCM."""

    def __init__(self, sample_rate: int, job: SpeechJob) -> None:
        self.sample_rate = sample_rate
        self.speed = job.speed
        self._pauses = job.pauses()
        self._index = 0
        self._encoder = Mp3StreamEncoder(sample_rate, job.bitrate_kbps) if job.format == "mp3" else None

    def piece(self, pcm: PCM, *, last: bool) -> bytes:
        """The bytes of one trimmed chunk (the pause after it included); the last one flushes."""
        if not last:
            gap = (
                sentence_gap(self.sample_rate, self.speed)
                if self._pauses is None
                else silence(self._pauses[self._index], self.sample_rate)
            )
            pcm = np.concatenate([pcm, gap])
        self._index += 1
        if self._encoder is None:
            return float_to_int16(resample_linear(pcm, self.sample_rate, PCM_RATE)).tobytes()
        data = self._encoder.feed(pcm)
        return data + self._encoder.flush() if last else data
