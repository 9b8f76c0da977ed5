"""Word timing for every engine, sentence by sentence.

- Kokoro: its duration predictor's frames (:mod:`.kokoro`), exact, same audio;
- Piper: its phoneme alignment (:mod:`.piper`), exact, same audio;
- espeak-ng and any graph without those tensors: forced alignment of the known text (:mod:`.forced`).

Engines time *phoneme* words; :func:`~.mapping.timed_words` puts the chunk's text words on them. Each
sentence is timed on its own and placed at the sample where its audio starts in the assembled speech
(:func:`place`), so timing never drifts across sentences.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from voxray_runtime.audio.pcm import PCM
from voxray_runtime.captions.words import TimedWord
from voxray_runtime.engines.base import Engine
from voxray_runtime.engines.timing.forced import Aligner, by_letters
from voxray_runtime.engines.timing.mapping import Unit, timed_words

__all__ = ["Aligner", "place", "synthesize_timed", "trim_timed"]


def synthesize_timed(
    engine: Engine,
    text: str,
    *,
    speaker: str,
    language: str,
    speed: float = 1.0,
    aligner: Aligner | None = None,
) -> tuple[PCM, list[TimedWord], str]:
    """One chunk's audio, its words timed (seconds from the chunk's first sample), and how they were
    timed: ``model`` (the engine's own durations), ``aligned`` (forced alignment) or ``letters``."""
    timed = getattr(engine, "synthesize_timed", None)
    units: list[Unit] | None
    if timed is not None:
        pcm, units = timed(text, speaker=speaker, language=language, speed=speed)
    else:
        pcm, units = engine.synthesize(text, speaker=speaker, language=language, speed=speed), None
    pcm = np.asarray(pcm, dtype=np.float32)
    source = "model"
    if units is None or (not units and pcm.size):
        rate = engine.info.sample_rate
        if aligner is not None:
            units, source = aligner(pcm, rate, text, language), "aligned"
        else:
            units, source = by_letters(pcm, rate, text, language), "letters"
    return pcm, timed_words(text.split(), units), source


def trim_timed(
    pcm: PCM, words: Sequence[TimedWord], rate: int, threshold: float = 1e-3, keep_s: float = 0.03
) -> tuple[PCM, list[TimedWord]]:
    """:func:`~voxray_runtime.audio.pcm.trim_silence`, with the words moved to the trimmed audio."""
    idx = np.flatnonzero(np.abs(pcm) > threshold)
    if idx.size == 0:
        return pcm[:0], [TimedWord(w.text, 0.0, 0.0) for w in words]
    keep = round(keep_s * rate)
    first, last = max(0, int(idx[0]) - keep), min(len(pcm), int(idx[-1]) + keep + 1)
    length = (last - first) / rate
    shift = first / rate
    moved = [
        TimedWord(w.text, min(max(0.0, w.start - shift), length), min(max(0.0, w.end - shift), length))
        for w in words
    ]
    return pcm[first:last], moved


def place(chunks: Sequence[tuple[Sequence[TimedWord], int]], rate: int) -> list[TimedWord]:
    """Words of consecutive chunks (each with its sample count, pause included) on one time line: each
    chunk starts exactly where the samples before it end."""
    out: list[TimedWord] = []
    samples = 0
    for words, count in chunks:
        offset = samples / rate
        out.extend(w.shifted(offset) for w in words)
        samples += count
    return out
