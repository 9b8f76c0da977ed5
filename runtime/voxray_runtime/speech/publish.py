"""Publish-ready speech: the job's chunks with word timing, on one time line, loudness to a delivery
target, captions from the written text.

The same assembly as :mod:`.assembly` (each chunk trimmed, the sentence pause between chunks, joined),
with each chunk's words timed by its engine (:mod:`voxray_runtime.engines.timing`) and placed at the
sample where the chunk starts, so timing never drifts across sentences. Then the file as published: one
static gain to the loudness target plus the true-peak limiter (:mod:`voxray_runtime.audio.loudness`),
the written words aligned to the spoken ones, cues, and the SRT / WebVTT asked for.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from voxray_runtime.audio.loudness import (
    Loudness,
    LoudnessTarget,
    db_to_gain,
    gain_db_for,
    integrated_loudness,
    limit,
    measure,
    normalize,
)
from voxray_runtime.audio.pcm import PCM, silence
from voxray_runtime.captions import Cue, TimedWord, align_written, build_cues, render
from voxray_runtime.engines.base import Engine, SynthesisRequest
from voxray_runtime.engines.timing import Aligner, place, synthesize_timed, trim_timed
from voxray_runtime.speech.assembly import encode_audio, sentence_gap, speak
from voxray_runtime.speech.job import SpeechJob, SpeechResult

CAPTION_FORMATS = ("srt", "vtt")


@dataclass(frozen=True)
class Publish:
    """What a job publishes beside its audio: the written text (captions show it), the loudness target
    (None: the engine's own level) and the caption formats."""

    text: str
    language: str
    dialect: str | None = None
    loudness: LoudnessTarget | None = field(default_factory=LoudnessTarget)
    captions: tuple[str, ...] = ()
    #: the words are wanted (the captioned route) even without a caption file
    words: bool = False

    @property
    def timed(self) -> bool:
        """Whether the chunks need word timing (captions or words asked for); loudness alone does not."""
        return self.words or bool(self.captions)


@dataclass(frozen=True)
class TimedPart:
    """One chunk's trimmed audio and its spoken words (seconds from the chunk's first sample)."""

    pcm: PCM
    words: tuple[TimedWord, ...]
    timing: str
    #: CPU seconds (this thread's) of timing the words beyond synthesis: trimming them with the audio
    timing_cpu_s: float = 0.0


@dataclass(frozen=True)
class Published:
    pcm: PCM
    sample_rate: int
    words: list[TimedWord]
    cues: list[Cue]
    #: format -> caption text, for the formats asked for
    captions: dict[str, str]
    #: the delivered audio's loudness, and the engine's own before normalisation
    loudness: Loudness
    source_loudness: Loudness
    gain_db: float
    #: how the words were timed: model, aligned, letters (or mixed)
    timing: str
    loudness_s: float
    captions_s: float
    #: CPU seconds of each finishing step (loudness, timing, captions), the calling thread's: the steps are
    #: numpy on that thread, and the process's CPU would count the engine's thread pool still spinning
    steps_cpu: dict[str, float] = field(default_factory=dict)


def speak_timed(
    engine: Engine, req: SynthesisRequest, aligner: Aligner | None = None, *, timed: bool = True
) -> TimedPart:
    """One chunk through the engine with its words timed (``timed``), trimmed like
    :func:`.assembly.speak`."""
    if not timed:
        return TimedPart(speak(engine, req), (), "none")
    pcm, words, source = synthesize_timed(
        engine, req.text, speaker=req.speaker, language=req.language, speed=req.speed, aligner=aligner
    )
    c0 = time.thread_time()
    trimmed, moved = trim_timed(pcm, words, engine.info.sample_rate)
    return TimedPart(trimmed, tuple(moved), source, time.thread_time() - c0)


def publish(
    parts: Sequence[TimedPart],
    sample_rate: int,
    speed: float,
    spec: Publish,
    pauses: Sequence[float] | None = None,
) -> Published:
    """The published file from a job's timed parts (in order), joined as :func:`.assembly.join` does:
    the sentence pause between parts, or the job's own pauses (SSML breaks)."""
    gap = sentence_gap(sample_rate, speed)
    pieces: list[PCM] = []
    placed: list[tuple[Sequence[TimedWord], int]] = []
    for i, part in enumerate(parts):
        after = gap if pauses is None or i >= len(pauses) else silence(pauses[i], sample_rate)
        pcm = part.pcm if i == len(parts) - 1 else np.concatenate([part.pcm, after])
        pieces.append(pcm)
        placed.append((part.words, pcm.size))
    joined = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
    t0, c0 = time.perf_counter(), time.thread_time()
    if spec.loudness is not None:
        done = normalize(joined, sample_rate, spec.loudness)
        out, source, delivered, gain = done.pcm, done.before, done.after, done.gain_db
    else:
        out, gain = joined, 0.0
        source = delivered = measure(joined, sample_rate)
    t1, c1 = time.perf_counter(), time.thread_time()
    words: list[TimedWord] = []
    cues: list[Cue] = []
    captions: dict[str, str] = {}
    c2 = c1
    if spec.timed:
        words = align_written(spec.text, place(placed, sample_rate), spec.language, spec.dialect)
        c2 = time.thread_time()
        cues = build_cues(words, spec.language)
        captions = {fmt: render(cues, spec.language, fmt) for fmt in spec.captions}
    t2, c3 = time.perf_counter(), time.thread_time()
    timings = {p.timing for p in parts}
    timing = next(iter(timings)) if len(timings) == 1 else "mixed"
    cpu = {
        "loudness": c1 - c0,
        "timing": c2 - c1 + sum(p.timing_cpu_s for p in parts),
        "captions": c3 - c2,
    }
    return Published(
        out, sample_rate, words, cues, captions, delivered, source, gain, timing, t1 - t0, t2 - t1, cpu
    )


def result(done: Published, job: SpeechJob, synth_s: float, chunks: int) -> SpeechResult:
    """The job's result: the published audio encoded as the job asks, with words, captions, loudness."""
    t0 = time.perf_counter()
    audio, rate = encode_audio(done.pcm, done.sample_rate, job.format, job.bitrate_kbps)
    return SpeechResult(
        audio=audio,
        sample_rate=rate,
        duration_s=done.pcm.size / done.sample_rate,
        synth_s=synth_s,
        encode_s=time.perf_counter() - t0,
        chunks=chunks,
        words=tuple(done.words),
        captions=done.captions,
        loudness=done.loudness,
        source_loudness=done.source_loudness,
        timing=done.timing,
        steps_cpu=done.steps_cpu,
    )


def run(engine: Engine, job: SpeechJob, aligner: Aligner | None = None) -> SpeechResult:
    """A publish job, chunk after chunk through one engine."""
    assert job.publish is not None
    t0 = time.perf_counter()
    parts = [speak_timed(engine, r, aligner, timed=job.publish.timed) for r in job.requests()]
    synth_s = time.perf_counter() - t0
    done = publish(parts, engine.info.sample_rate, job.speed, job.publish, job.pauses())
    return result(done, job, synth_s, len(parts))


class StreamLoudness:
    """Loudness for a stream, which cannot be measured whole before it is sent: one gain for the whole
    stream, decided per voice (from the voice's measured level on earlier files, else from the first
    sentence) and held, so nothing pumps; each chunk then goes through the true-peak limiter (chunks end
    in a pause, so the limiter never acts across a boundary)."""

    def __init__(self, target: LoudnessTarget, rate: int, voice_lufs: float | None) -> None:
        self.target = target
        self.rate = rate
        self.gain_db: float | None = None if voice_lufs is None else gain_db_for(voice_lufs, target)

    def apply(self, pcm: PCM) -> PCM:
        if self.gain_db is None:
            self.gain_db = gain_db_for(integrated_loudness(pcm, self.rate), self.target)
        out, _ = limit(pcm * db_to_gain(self.gain_db), self.rate, self.target.true_peak_dbtp)
        return out


class VoiceLevels:
    """Each voice's own level (LUFS, a running mean over the files it spoke), for stream gains."""

    def __init__(self) -> None:
        self._lufs: dict[str, float] = {}

    def get(self, speaker: str) -> float | None:
        return self._lufs.get(speaker)

    def note(self, speaker: str, measured: Loudness) -> None:
        if not np.isfinite(measured.integrated_lufs):
            return
        known = self._lufs.get(speaker)
        value = measured.integrated_lufs
        self._lufs[speaker] = value if known is None else 0.8 * known + 0.2 * value
