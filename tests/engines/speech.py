"""Checks that any engine's output is plausible speech, with bounds a broken pipeline cannot meet.

The bounds are loose on purpose (see docs TESTING.md): silence, clipping garbage, a wrong sample rate or
a truncated chunk fail them; a slightly different voice or prosody does not.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: one sentence per engine language, in its own script
SENTENCES: dict[str, str] = {
    "en-us": "The weather is lovely today, and we will walk along the river.",
    "en": "The weather is lovely today, and we will walk along the river.",
    "es": "Hola, ¿cómo estás hoy? El día es muy bonito.",
    "hi": "आज मौसम बहुत अच्छा है, चलो घूमने चलें।",
    "ur": "آج موسم بہت اچھا ہے، چلو گھومنے چلیں۔",
    "ar": "الطقس جميل اليوم، وسنمشي على طول النهر.",
}

#: seconds of audio per character of text: measured speech runs 0.06-0.11 s/char across these scripts
MIN_S_PER_CHAR = 0.03
MAX_S_PER_CHAR = 0.25
#: RMS floor over the whole clip, and the share of 20 ms frames within 40 dB of the peak
MIN_RMS = 0.01
MIN_ACTIVE = 0.3


def active_share(audio: npt.NDArray[np.float32], sample_rate: int) -> float:
    size = int(0.02 * sample_rate)
    frames = audio[: len(audio) // size * size].reshape(-1, size)
    energy = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))
    return float((energy > np.abs(audio).max() * 0.01).mean())


def assert_speech(audio: npt.NDArray[np.float32], sample_rate: int, text: str, *, speed: float = 1.0) -> None:
    assert audio.dtype == np.float32
    assert audio.ndim == 1
    assert np.all(np.isfinite(audio))
    peak = float(np.abs(audio).max())
    assert 0.01 < peak <= 1.0, f"peak {peak}"
    seconds = len(audio) / sample_rate
    assert MIN_S_PER_CHAR * len(text) / speed < seconds < MAX_S_PER_CHAR * len(text) / speed, (
        f"{seconds:.2f} s for {len(text)} characters"
    )
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    assert rms > MIN_RMS, f"RMS {rms:.4f}: (nearly) silent"
    share = active_share(audio, sample_rate)
    assert share > MIN_ACTIVE, f"only {share:.0%} of the clip is sound"
