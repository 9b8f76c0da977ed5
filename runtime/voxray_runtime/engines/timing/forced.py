"""Forced alignment: the known text's words timed in audio by Whisper's cross-attention (CTranslate2).

For an engine that reports no timing of its own (espeak-ng run as a separate program; a Kokoro or Piper
export without the duration tensor). The text is not transcribed: its own tokens are aligned to the
audio (CTranslate2's ``Whisper.align``, dynamic time warping over the alignment heads, as faster-whisper
does for its word timestamps), so every word of the text gets a time, in order. One sentence at a
time, at most 30 s (Whisper's window); a longer piece is timed by its letters between its ends.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.captions.words import word_key
from voxray_runtime.engines.timing.mapping import Unit

WINDOW_S = 30.0
RATE = 16_000
#: engine language -> Whisper language
WHISPER_LANGUAGES = {"en-us": "en", "en": "en", "es": "es", "hi": "hi", "ur": "ur", "ar": "ar"}

#: (audio, sample rate, text, engine language) -> timed units (one per word of the text)
Aligner = Callable[[npt.NDArray[np.float32], int, str, str], list[Unit]]


class ForcedAligner:
    """Whisper (faster-whisper's model object) used only to align known text."""

    def __init__(self, model: Any) -> None:
        self._model = model

    @classmethod
    def from_folder(cls, folder: Path, *, threads: int = 1) -> ForcedAligner:
        from faster_whisper import WhisperModel

        return cls(WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads))

    def __call__(self, pcm: npt.NDArray[np.float32], rate: int, text: str, language: str) -> list[Unit]:
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        words = text.split()
        if not words or pcm.size == 0:
            return []
        audio = _to_16k(pcm, rate)
        if audio.size / RATE > WINDOW_S:
            return _by_letters(words, 0.0, pcm.size / rate)
        model = self._model
        features = model.feature_extractor(audio)
        frames = int(features.shape[-1])
        encoded = model.encode(pad_or_trim(features))
        tokenizer = Tokenizer(
            model.hf_tokenizer,
            model.model.is_multilingual,
            task="transcribe",
            language=WHISPER_LANGUAGES.get(language, language.split("-")[0]),
        )
        tokens = tokenizer.encode(" " + " ".join(words))
        (aligned,) = model.find_alignment(tokenizer, [tokens], encoded, frames)
        # Whisper splits punctuation off as words of its own: only words with letters or digits count
        units = [Unit(len(word_key(str(w["word"]))), float(w["start"]), float(w["end"])) for w in aligned]
        end = pcm.size / rate
        return [Unit(u.size, min(u.start, end), min(max(u.end, u.start), end)) for u in units if u.size]


def _to_16k(pcm: npt.NDArray[np.float32], rate: int) -> npt.NDArray[np.float32]:
    from math import gcd

    from scipy.signal import resample_poly

    if rate == RATE:
        return np.asarray(pcm, dtype=np.float32)
    g = gcd(RATE, rate)
    return np.asarray(resample_poly(pcm, RATE // g, rate // g), dtype=np.float32)


def _by_letters(words: list[str], start: float, end: float) -> list[Unit]:
    sizes = [max(1, len(w)) for w in words]
    total = sum(sizes)
    units: list[Unit] = []
    at = start
    for size in sizes:
        span = (end - start) * size / total
        units.append(Unit(size, at, at + span))
        at += span
    return units


def by_letters(pcm: npt.NDArray[np.float32], rate: int, text: str, language: str) -> list[Unit]:
    """The last resort (no model timing, no aligner): the words share the voiced span by their letters."""
    voiced = np.flatnonzero(np.abs(pcm) > 1e-3)
    if voiced.size == 0:
        return []
    return _by_letters(text.split(), float(voiced[0]) / rate, float(voiced[-1] + 1) / rate)
