"""Pure measurements for the evaluation: text scoring, error rates, audio ratios, similarity.

No I/O and no model: every function takes text or arrays and returns numbers, and is table-tested
(tests/quality/test_evaluation_metrics.py).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voxray_runtime.audio.analysis import rms as rms  # re-exported: every audio measure from one place
from voxray_runtime.text import normalize

#: languages written with spaces between words, where a word error rate means something
WER_LANGUAGES = ("en", "es")

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, tatweel
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_URDU_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ", "ۀ": "ہ", "ة": "ہ"})
_DOUBLE_THE = re.compile(r"\b[Tt]he the\b")
_NUKTA = "\u093c"


# ---- text -----------------------------------------------------------------------------------------
def scoring_form(text: str, language: str, dialect: str | None = None, *, hypothesis: bool = False) -> str:
    """What WER and CER compare: voxray's spoken form of the text for the locale (numbers as words),
    lowercased, punctuation and symbols removed, Arabic diacritics and letter variants folded, Urdu
    letter variants folded, the Devanagari nukta dropped (फ़/फ are spelt both ways).

    A transcript goes through the same normaliser (``hypothesis=True``), so that the recogniser's
    digits count as the words spoken.
    """
    if not text.strip():
        return ""
    t = normalize(text, language, dialect)
    if hypothesis and language == "en":
        # the normaliser reads an already-written "the 15th of August" as "the the fifteenth of August"
        # (en-GB dates); that is the checker's text, not the speech, so it must not count as an error
        t = _DOUBLE_THE.sub("the", t)
    t = unicodedata.normalize("NFD" if language == "hi" else "NFKC", t).lower()
    t = t.replace(_NUKTA, "")
    t = _ARABIC_MARKS.sub("", t)
    if language == "ar":
        t = t.translate(_ARABIC_FOLD)
    elif language == "ur":
        t = t.translate(_URDU_FOLD)
    t = "".join(" " if unicodedata.category(c)[0] in "PSZ" else c for c in t)
    return unicodedata.normalize("NFC", " ".join(t.split()))


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Levenshtein distance: substitutions, insertions and deletions, each costing one."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


@dataclass(frozen=True)
class ErrorRates:
    """Corpus error rates over (reference, hypothesis) pairs already in scoring form."""

    word_edits: int
    words: int
    char_edits: int
    chars: int

    @property
    def wer(self) -> float:
        return self.word_edits / max(self.words, 1)

    @property
    def cer(self) -> float:
        """Characters without spaces, so that word segmentation differences cost little."""
        return self.char_edits / max(self.chars, 1)


def error_rates(pairs: Sequence[tuple[str, str]]) -> ErrorRates:
    """Corpus WER and CER (edits summed over the pairs, divided by the reference length summed).

    Inserted words count, so a hallucinating recogniser can push either rate above 1.
    """
    return ErrorRates(
        word_edits=sum(edit_distance(r.split(), h.split()) for r, h in pairs),
        words=sum(len(r.split()) for r, _ in pairs),
        char_edits=sum(edit_distance(r.replace(" ", ""), h.replace(" ", "")) for r, h in pairs),
        chars=sum(len(r.replace(" ", "")) for r, _ in pairs),
    )


_SCRIPTS = (("latin", "LATIN"), ("arabic", "ARABIC"), ("devanagari", "DEVANAGARI"))


def script_share(text: str) -> dict[str, float]:
    """Share of letters per script (latin, arabic, devanagari); all zero for text without letters."""
    counts = dict.fromkeys((k for k, _ in _SCRIPTS), 0)
    for c in text:
        if not c.isalpha():
            continue
        name = unicodedata.name(c, "")
        for key, prefix in _SCRIPTS:
            if name.startswith(prefix):
                counts[key] += 1
    total = sum(counts.values())
    return {k: (v / total if total else 0.0) for k, v in counts.items()}


def dominant_script(text: str) -> str | None:
    """The script most letters are written in, or None when there are no letters."""
    share = script_share(text)
    best = max(share, key=lambda k: share[k])
    return best if share[best] > 0 else None


def repetitive(text: str) -> bool:
    """A recogniser hallucination loop: one word makes up more than 40% of ten words or more."""
    words = text.split()
    return len(words) >= 10 and max(words.count(w) for w in set(words)) > 0.4 * len(words)


def spoken_chars(text: str, language: str, dialect: str | None = None) -> int:
    """Characters of the spoken form that carry sound (letters and marks, no spaces or punctuation)."""
    return len(scoring_form(text, language, dialect).replace(" ", ""))


# ---- audio ----------------------------------------------------------------------------------------
Audio = npt.NDArray[np.floating]


def _frames(pcm: Audio, sample_rate: int, frame_s: float) -> npt.NDArray[np.float64]:
    size = max(1, int(frame_s * sample_rate))
    x = np.asarray(pcm, dtype=np.float64)
    n = len(x) // size
    return x[: n * size].reshape(n, size)


def clipping_ratio(pcm: Audio, threshold: float = 0.999) -> float:
    """Share of samples at (or beyond) full scale: the engine or a gain stage overdriving."""
    if len(pcm) == 0:
        return 0.0
    return float(np.mean(np.abs(np.asarray(pcm, dtype=np.float64)) >= threshold))


def silence_ratio(pcm: Audio, sample_rate: int, floor_dbfs: float = -40.0, frame_s: float = 0.02) -> float:
    """Share of 20 ms frames whose RMS lies below an absolute floor (-40 dBFS by default).

    Absolute, not relative to the clip's peak: a pipeline that makes everything quiet reads as silent.
    An empty clip is wholly silent.
    """
    frames = _frames(pcm, sample_rate, frame_s)
    if len(frames) == 0:
        return 1.0
    level = np.sqrt(np.mean(frames**2, axis=1))
    return float(np.mean(level < 10 ** (floor_dbfs / 20)))


def voiced_fraction(
    pcm: Audio,
    sample_rate: int,
    *,
    fmin: float = 60.0,
    fmax: float = 400.0,
    frame_s: float = 0.05,
    hop_s: float = 0.01,
    min_dbfs: float = -40.0,
    threshold: float = 0.45,
) -> float:
    """Share of the sounding frames (above ``min_dbfs``) that are voiced: periodic in the human pitch
    range, the way Praat's pitch tracker decides it (Boersma 1993): frames of three periods of ``fmin``,
    the Hann-windowed autocorrelation divided by the window's own autocorrelation (else long periods,
    low voices, read weaker than they are), and a voiced frame has an interior peak above ``threshold``
    (0.45, Praat's voicing threshold) at a lag between 1/fmax and 1/fmin.

    Silence is left to :func:`silence_ratio` (a clip with no sounding frame scores 0); white or
    low-passed noise scores near 0 (no interior peak); running speech is mostly voiced.
    """
    x = np.asarray(pcm, dtype=np.float64)
    size, hop = int(frame_s * sample_rate), int(hop_s * sample_rate)
    if len(x) < size:
        return 0.0
    window = np.hanning(size)
    window_ac = np.correlate(window, window, mode="full")[size - 1 :]
    window_ac = window_ac / window_ac[0]
    lag_min, lag_max = int(sample_rate / fmax), min(int(sample_rate / fmin), size // 2)
    floor = 10 ** (min_dbfs / 20)
    voiced = sounding = 0
    for s in range(0, len(x) - size + 1, hop):
        seg = x[s : s + size]
        if np.sqrt(np.mean(seg**2)) < floor:
            continue
        sounding += 1
        seg = (seg - seg.mean()) * window
        ac = np.fft.irfft(np.abs(np.fft.rfft(seg, 2 * size)) ** 2)[:size]
        if ac[0] <= 0:
            continue
        r = ac[lag_min : lag_max + 1] / ac[0] / window_ac[lag_min : lag_max + 1]
        peak = int(np.argmax(r))
        if 0 < peak < len(r) - 1 and r[peak] > threshold:
            voiced += 1
    return voiced / sounding if sounding else 0.0


def seconds_per_char(duration_s: float, chars: int) -> float:
    """Audio seconds per spoken character: speaking rate, comparable within a script."""
    return duration_s / chars if chars else 0.0


# ---- similarity -----------------------------------------------------------------------------------
def cosine(a: Audio, b: Audio) -> float:
    a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = float(np.linalg.norm(a64) * np.linalg.norm(b64))
    return float(np.dot(a64, b64) / denom) if denom > 0 else 0.0


def mean_cross(ea: Sequence[Audio], eb: Sequence[Audio]) -> float:
    """Mean cosine over pairs of *different* sentences (i != j), so that shared wording cannot help.

    With a single sentence on each side there is no such pair: the same-sentence cosine is returned.
    """
    pairs = [cosine(a, b) for i, a in enumerate(ea) for j, b in enumerate(eb) if i != j]
    if not pairs:
        pairs = [cosine(a, b) for a, b in zip(ea, eb, strict=False)]
    return statistics.mean(pairs) if pairs else 0.0


def mean_paired(ea: Sequence[Audio], eb: Sequence[Audio]) -> float:
    """Mean cosine of the same sentence rendered twice (two engines, two precisions)."""
    return statistics.mean(cosine(a, b) for a, b in zip(ea, eb, strict=True))


def waveform_snr_db(reference: Audio, other: Audio) -> float:
    """Signal-to-difference ratio in dB of two renders of the same input (length of the shorter).

    Meaningful only where both runs are deterministic and aligned sample for sample (the same graph at
    two precisions, sampling noise off); identical signals give ``inf``.
    """
    n = min(len(reference), len(other))
    if n == 0:
        return 0.0
    r = np.asarray(reference[:n], dtype=np.float64)
    d = r - np.asarray(other[:n], dtype=np.float64)
    noise = float(np.sum(d**2))
    signal = float(np.sum(r**2))
    if noise == 0:
        return float("inf")
    if signal == 0:
        return float("-inf")
    return float(10 * np.log10(signal / noise))
