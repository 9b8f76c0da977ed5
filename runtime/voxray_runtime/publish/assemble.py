"""Sentence by sentence with timing, then the finished file: loudness, written words, captions.

:func:`synthesize_timed_chunks` is :func:`voxray_runtime.pipeline.synthesize_chunks` with word timing:
the same engine call per chunk, the same trimming and the same pause after every chunk but the last, and
each chunk's words placed at the sample where its audio starts (so no drift across sentences).
:func:`finish` turns the chunks into what is published: the audio normalised to the loudness target
(one static gain for the file plus the true-peak limiter, :mod:`voxray_runtime.audio.loudness`), the
written words aligned to the spoken ones, caption cues, and the SRT / WebVTT texts asked for.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from voxray_runtime.audio.loudness import Loudness, LoudnessTarget, measure, normalize
from voxray_runtime.audio.pcm import PCM
from voxray_runtime.captions import Cue, TimedWord, align_written, build_cues, render
from voxray_runtime.engines.base import Engine
from voxray_runtime.engines.timing import Aligner, place, synthesize_timed, trim_timed
from voxray_runtime.pipeline import sentence_gap
from voxray_runtime.voices.catalog import VoiceBinding


@dataclass(frozen=True)
class TimedChunk:
    index: int
    count: int
    text: str
    #: the chunk's audio, pause included when more chunks follow
    pcm: PCM
    #: the chunk's spoken words, seconds from the chunk's first sample
    words: list[TimedWord]
    #: how the words were timed: model, aligned or letters
    timing: str
    synth_seconds: float


@dataclass(frozen=True)
class PublishOptions:
    #: None: loudness left as the engine made it ("loudness": "off")
    loudness: LoudnessTarget | None = field(default_factory=LoudnessTarget)
    captions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Published:
    pcm: PCM
    sample_rate: int
    #: the written words, timed
    words: list[TimedWord]
    cues: list[Cue]
    #: format -> caption text, for the formats asked for
    captions: dict[str, str]
    #: the delivered audio's loudness (after normalisation when it is on)
    loudness: Loudness
    #: the engine's own loudness, before normalisation
    source_loudness: Loudness
    gain_db: float
    timing: str
    #: seconds spent on loudness and on captions (timing arithmetic, alignment, cues, writers)
    loudness_seconds: float
    captions_seconds: float


def synthesize_timed_chunks(
    engine: Engine,
    binding: VoiceBinding,
    chunks: Sequence[str],
    speed: float = 1.0,
    aligner: Aligner | None = None,
) -> Iterator[TimedChunk]:
    rate = engine.info.sample_rate
    gap = sentence_gap(rate, speed)
    for i, chunk in enumerate(chunks):
        t0 = time.perf_counter()
        pcm, words, source = synthesize_timed(
            engine,
            chunk,
            speaker=binding.speaker,
            language=binding.engine_language,
            speed=speed,
            aligner=aligner,
        )
        pcm, words = trim_timed(pcm, words, rate)
        if i < len(chunks) - 1:
            pcm = np.concatenate([pcm, gap])
        yield TimedChunk(i, len(chunks), chunk, pcm, words, source, time.perf_counter() - t0)


def finish(
    text: str,
    chunks: Sequence[TimedChunk],
    *,
    sample_rate: int,
    language: str,
    dialect: str | None = None,
    options: PublishOptions | None = None,
) -> Published:
    """The published file of ``text`` from its timed chunks."""
    options = options or PublishOptions()
    pcm = np.concatenate([c.pcm for c in chunks]) if chunks else np.zeros(0, np.float32)
    t0 = time.perf_counter()
    if options.loudness is not None:
        done = normalize(pcm, sample_rate, options.loudness)
        out, source, delivered, gain = done.pcm, done.before, done.after, done.gain_db
    else:
        out, gain = pcm, 0.0
        source = delivered = measure(pcm, sample_rate)
    t1 = time.perf_counter()
    spoken = place([(c.words, c.pcm.size) for c in chunks], sample_rate)
    words = align_written(text, spoken, language, dialect)
    cues = build_cues(words, language)
    captions = {fmt: render(cues, language, fmt) for fmt in options.captions}
    t2 = time.perf_counter()
    timings = {c.timing for c in chunks}
    timing = next(iter(timings)) if len(timings) == 1 else "mixed"
    return Published(
        out, sample_rate, words, cues, captions, delivered, source, gain, timing, t1 - t0, t2 - t1
    )
