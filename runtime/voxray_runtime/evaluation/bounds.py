"""The regression guard's bounds: what only a broken pipeline produces, each with its reason.

The bounds come from what speech is (levels, voicing, the physiology of pitch, what a word error rate
means), not from the figures the current voices happen to reach. The evaluation report prints them
beside the measured margins, and ``tests/quality`` asserts them against real engines. Pure logic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voxray_runtime.evaluation.metrics import Audio, clipping_ratio, rms, silence_ratio, voiced_fraction


@dataclass(frozen=True)
class Bound:
    name: str
    value: float
    reason: str


MIN_RMS = Bound(
    "min_rms",
    0.01,
    "-40 dBFS over a whole sentence. Speech at a normal level sits around -30 to -15 dBFS RMS; a level "
    "10-25 dB below that is a silent or nearly silent output (an empty chunk, a gain or scaling bug such "
    "as int16 samples divided twice), not a quiet voice.",
)
MAX_SILENCE_RATIO = Bound(
    "max_silence_ratio",
    0.5,
    "share of 20 ms frames below -40 dBFS in one sentence whose ends are trimmed. Inside a sentence the "
    "gaps are stop closures and word boundaries, a small part of the time; a sentence that is silent for "
    "more than half its length has lost its speech (truncated chunks, padding in place of audio).",
)
MIN_VOICED_FRACTION = Bound(
    "min_voiced_fraction",
    0.2,
    "share of the sounding 50 ms frames (above -40 dBFS) that are periodic at a human pitch (60-400 Hz). "
    "Vowels, nasals, liquids and voiced consonants fill most of the sounding time of speech; noise and "
    "clicks are aperiodic and measure near 0. A fifth leaves room for breathy or creaky voices and for "
    "estimator misses.",
)
MAX_CLIPPING_RATIO = Bound(
    "max_clipping_ratio",
    0.01,
    "share of samples at full scale. Speech engines peak well below full scale; a gain error (float "
    "audio scaled as int16, a tenfold gain) drives far more than 1% of the samples into the rails.",
)
#: adult speaking F0: means near 120 Hz (men) and 210 Hz (women), standard deviations near 20-25 Hz
#: (Titze, Principles of Voice Production, 1994; Baken, Clinical Measurement of Speech and Voice, 1987)
F0_GENDER_SPLIT = Bound(
    "f0_gender_split_hz",
    165.0,
    "median F0 separating a male avatar (below) from a female one (above): midway between the adult "
    "means (about 120 and 210 Hz), about two standard deviations from each, where the usual adult "
    "ranges (men 85-180, women 165-255 Hz) meet. A voice on the wrong side sounds like the other gender; "
    "a female avatar served by a male voice, or audio at the wrong sample rate, lands there.",
)
F0_MIN = Bound(
    "f0_min_hz",
    70.0,
    "below the modal register of adult speech (creak, or an octave error from a broken signal).",
)
F0_MAX = Bound(
    "f0_max_hz",
    300.0,
    "above adult modal speech (children, falsetto, or audio played back too fast).",
)
MAX_ENGLISH_WER = Bound(
    "max_english_wer",
    0.5,
    "word error rate of Whisper tiny.en on a clean synthetic English sentence. Half the words wrong "
    "means a listener cannot follow the sentence; intelligible speech, even a formant synthesizer, "
    "scores well under it with this recogniser, while a wrong phonemizer language, reversed or "
    "garbled audio, or text cut short scores near or above 1.",
)
MAX_ARABIC_CER = Bound(
    "max_arabic_cer",
    0.6,
    "character error rate of Whisper base on synthetic Arabic sentences (it reads natural Modern Standard "
    "Arabic at about 0.07). Above 0.6 most characters are lost and a listener cannot follow; espeak-ng's "
    "formant Arabic, the further fallback, scores above it. A wrong phonemizer language (Arabic read as "
    "letter names), unmapped glottal stops turning words into others, silence or garbled audio score "
    "near or above 1; the declared Hindi-accented Arabic passes with room for its accent.",
)
#: the language a recogniser detects must be the one spoken (top-1), for the languages where Whisper
#: base is reliable (en, es); Arabic, Hindi and Urdu are not checked: the recogniser itself errs there
DETECTED_LANGUAGES = ("en", "es")

BOUNDS: tuple[Bound, ...] = (
    MIN_RMS,
    MAX_SILENCE_RATIO,
    MIN_VOICED_FRACTION,
    MAX_CLIPPING_RATIO,
    F0_GENDER_SPLIT,
    F0_MIN,
    F0_MAX,
    MAX_ENGLISH_WER,
    MAX_ARABIC_CER,
)


def audio_failures(pcm: Audio, sample_rate: int) -> list[str]:
    """Why this clip is not audible speech; empty when it passes every level bound."""
    out: list[str] = []
    level = rms(pcm)
    if level < MIN_RMS.value:
        out.append(f"RMS {level:.4f} < {MIN_RMS.value} (silent)")
    silent = silence_ratio(pcm, sample_rate)
    if silent > MAX_SILENCE_RATIO.value:
        out.append(f"silence ratio {silent:.2f} > {MAX_SILENCE_RATIO.value}")
    voiced = voiced_fraction(pcm, sample_rate)
    if voiced < MIN_VOICED_FRACTION.value:
        out.append(f"voiced fraction {voiced:.2f} < {MIN_VOICED_FRACTION.value} (not speech)")
    clipped = clipping_ratio(pcm)
    if clipped > MAX_CLIPPING_RATIO.value:
        out.append(f"clipping ratio {clipped:.3f} > {MAX_CLIPPING_RATIO.value}")
    return out


def gender_failures(median_f0_hz: float, gender: str) -> list[str]:
    """Why this median F0 does not belong to an adult voice of that gender."""
    f0 = median_f0_hz
    if not F0_MIN.value <= f0 <= F0_MAX.value:
        return [f"median F0 {f0:.0f} Hz outside adult speech {F0_MIN.value:.0f}-{F0_MAX.value:.0f} Hz"]
    split = F0_GENDER_SPLIT.value
    if gender == "female" and f0 < split:
        return [f"female avatar at median F0 {f0:.0f} Hz, below {split:.0f} Hz (a male voice)"]
    if gender == "male" and f0 > split:
        return [f"male avatar at median F0 {f0:.0f} Hz, above {split:.0f} Hz (a female voice)"]
    return []


def language_failures(detected: str, expected: str) -> list[str]:
    if expected in DETECTED_LANGUAGES and detected != expected:
        return [f"recogniser detects {detected!r}, not {expected!r}"]
    return []


def intelligibility_failures(wer: float) -> list[str]:
    if wer > MAX_ENGLISH_WER.value:
        return [f"English WER {wer:.2f} > {MAX_ENGLISH_WER.value} (unintelligible)"]
    return []


def arabic_failures(cer: float) -> list[str]:
    if cer > MAX_ARABIC_CER.value:
        return [f"Arabic CER {cer:.2f} > {MAX_ARABIC_CER.value} (unintelligible)"]
    return []


def describe(bounds: Sequence[Bound] = BOUNDS) -> list[dict[str, object]]:
    return [{"name": b.name, "value": b.value, "reason": b.reason} for b in bounds]
