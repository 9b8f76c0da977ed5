"""Loudness to a delivery target: ITU-R BS.1770 integrated loudness, true peak, gain and a true-peak limiter.

The measurement is pyloudnorm's (BS.1770-4 K-weighting and gating; the filters are not written here).
True peak is the largest sample of the signal oversampled 4x (BS.1770-4 Annex 2), by scipy's polyphase
resampler. Normalising applies one static gain towards the target and then a look-ahead limiter on the
true peak:

- the gain each sample needs to stay under the ceiling is taken on the oversampled signal, per block of
  1 ms (the control rate);
- attack: the limiter reaches a block's gain ``lookahead_s`` before it, over a raised ramp (no click);
- release: afterwards the gain comes back up exponentially with ``release_s`` (150 ms by default), slow
  enough that the level of speech between peaks does not audibly rise and fall with each syllable
  (pumping), fast enough that a single plosive does not duck the following words;
- one gain curve for the whole clip, applied sample by sample and smooth between blocks.

Every function is pure (arrays in, arrays out). Speech normalised to -16 LUFS has peaks around 0 dBTP, so
the limiter works on a few peaks per sentence; the loudness it takes away is given back by further passes
(:func:`normalize` raises the gain and limits again while it lands more than 0.2 LU short, at most 3 times,
each step sized by the loudness the previous one bought).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

PCM = npt.NDArray[np.float32]

#: the common podcast / streaming delivery target (Apple, Spotify's "loud" tier is -14, AES TD1008 -16..-20)
DEFAULT_TARGET_LUFS = -16.0
DEFAULT_CEILING_DBTP = -1.0
#: accepted targets; quieter than -40 or louder than -5 LUFS is a mistake, not a delivery spec
MIN_TARGET_LUFS, MAX_TARGET_LUFS = -40.0, -5.0
MIN_CEILING_DBTP, MAX_CEILING_DBTP = -12.0, 0.0
#: BS.1770's gating block; shorter clips are measured on themselves repeated to this length
BLOCK_S = 0.4
OVERSAMPLE = 4
#: most gain normalisation adds (a near-silent clip is not blown up into noise)
MAX_GAIN_DB = 30.0
#: margin under the ceiling the limiter aims at (the gain curve's own modulation moves peaks by less)
LIMIT_MARGIN_DB = 0.1
#: after limiting, the gain is raised by what the limiter took, at most this many times, until this close
CORRECTIONS = 3
CLOSE_ENOUGH_LU = 0.2
#: LU of loudness one more dB of gain buys once the limiter works on speech's peaks (0.6-0.75 measured on
#: Kokoro renders at -16 LUFS / -1 dBTP): the first correction's step is the shortfall over it
LIMITED_SLOPE = 0.7
SILENCE_LUFS = -70.0  # BS.1770's absolute gate: below it there is nothing to measure
#: input samples either side of a stretch re-oversampled for its true peak: more than the half length of
#: scipy's 4x polyphase filter (10 x 4 taps at the high rate, 10 input samples)
_PEAK_MARGIN = 32
#: samples whose estimated true peak after the limiter's gain lies within this of the largest estimate are
#: measured exactly; the estimate's error (the gain's change across the filter) is a small fraction of a dB
_PEAK_SEARCH_DB = 2.0

Mode = Literal["on", "off"]


class LoudnessError(ValueError):
    """A loudness target or setting out of range; the message names the field."""


@dataclass(frozen=True)
class LoudnessTarget:
    """Where normalisation aims: integrated loudness (LUFS) and a true-peak ceiling (dBTP)."""

    integrated_lufs: float = DEFAULT_TARGET_LUFS
    true_peak_dbtp: float = DEFAULT_CEILING_DBTP

    def __post_init__(self) -> None:
        if not MIN_TARGET_LUFS <= self.integrated_lufs <= MAX_TARGET_LUFS:
            raise LoudnessError(
                f"loudness target {self.integrated_lufs} LUFS is outside "
                f"{MIN_TARGET_LUFS:g}..{MAX_TARGET_LUFS:g}"
            )
        if not MIN_CEILING_DBTP <= self.true_peak_dbtp <= MAX_CEILING_DBTP:
            raise LoudnessError(
                f"true-peak ceiling {self.true_peak_dbtp} dBTP is outside "
                f"{MIN_CEILING_DBTP:g}..{MAX_CEILING_DBTP:g}"
            )


@dataclass(frozen=True)
class Loudness:
    """A measurement: integrated loudness (LUFS, -inf for silence) and true peak (dBTP, -inf for silence)."""

    integrated_lufs: float
    true_peak_dbtp: float

    def rounded(self) -> dict[str, float | None]:
        """For JSON (manifest rows, API answers): one decimal, None where silent."""
        return {
            "integrated_lufs": _round(self.integrated_lufs),
            "true_peak_dbtp": _round(self.true_peak_dbtp),
        }


@dataclass(frozen=True)
class Normalized:
    pcm: PCM
    before: Loudness
    after: Loudness
    gain_db: float
    #: largest gain reduction the limiter applied, dB (0 when it never acted)
    limited_db: float


def _round(value: float) -> float | None:
    return round(value, 1) if math.isfinite(value) else None


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def gain_to_db(gain: float) -> float:
    return 20.0 * math.log10(gain) if gain > 0 else -math.inf


def integrated_loudness(pcm: npt.ArrayLike, rate: int) -> float:
    """BS.1770-4 integrated loudness of mono audio in LUFS; ``-inf`` when silent (nothing above the gate)."""
    import pyloudnorm

    x = np.asarray(pcm, dtype=np.float64).reshape(-1)
    if x.size == 0 or not np.any(x):
        return -math.inf
    block = math.ceil(BLOCK_S * rate) + 1
    if x.size < block:  # the same sound repeated to one gating block has the same loudness
        x = np.tile(x, -(-block // x.size))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = float(pyloudnorm.Meter(rate, block_size=BLOCK_S).integrated_loudness(x))
    return value if math.isfinite(value) and value > SILENCE_LUFS else -math.inf


def oversampled(pcm: npt.ArrayLike, factor: int = OVERSAMPLE) -> npt.NDArray[np.float64]:
    """The signal at ``factor`` times its rate (polyphase FIR, Kaiser window): what true peak is read on.
    Filtered in float32 (half the CPU of float64; the peak moves by under 1e-6 of full scale)."""
    from scipy.signal import resample_poly

    x = np.asarray(pcm, dtype=np.float32).reshape(-1)
    if x.size == 0:
        return x.astype(np.float64)
    return np.asarray(resample_poly(x, factor, 1), dtype=np.float64)


def true_peak(pcm: npt.ArrayLike) -> float:
    """Linear true peak: the largest magnitude of the 4x oversampled signal (never below the sample peak)."""
    x = np.asarray(pcm, dtype=np.float64).reshape(-1)
    if x.size == 0:
        return 0.0
    return float(max(np.max(np.abs(oversampled(x))), np.max(np.abs(x))))


def measure(pcm: npt.ArrayLike, rate: int) -> Loudness:
    return Loudness(integrated_loudness(pcm, rate), gain_to_db(true_peak(pcm)))


def gain_db_for(measured_lufs: float, target: LoudnessTarget) -> float:
    """Static gain (dB) that takes ``measured_lufs`` to the target; 0 for silence, at most +30 dB."""
    if not math.isfinite(measured_lufs):
        return 0.0
    return min(MAX_GAIN_DB, target.integrated_lufs - measured_lufs)


def _block_need(
    up: npt.NDArray[np.float64], size: int, block: int, ceiling: float
) -> npt.NDArray[np.float64]:
    """Per control block of ``block`` samples, the gain that keeps the block's peak at ``ceiling`` (1 where
    under); ``up`` is the magnitude of the ``size``-sample signal oversampled 4x."""
    per = block * OVERSAMPLE
    n_blocks = -(-size // block)
    padded = np.zeros(n_blocks * per)
    padded[: min(up.size, padded.size)] = up[: padded.size]
    peaks = padded.reshape(n_blocks, per).max(axis=1)
    need: npt.NDArray[np.float64] = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    return need


def _release(db: npt.NDArray[np.float64], release_blocks: float) -> npt.NDArray[np.float64]:
    """``level[i] = min(db[i], level[i - 1] x decay)`` from level 0, without a Python loop: with every
    value <= 0, ``level[i] = decay**i x min over j <= i of db[j] x decay**-j``, a running minimum, taken
    over spans short enough that ``decay**-j`` stays finite (the level carried from span to span)."""
    rate = 1.0 / max(release_blocks, 1e-9)
    span = max(1, int(600.0 / rate))
    out = np.empty_like(db)
    level = 0.0
    for start in range(0, db.size, span):
        part = db[start : start + span]
        j = np.arange(part.size, dtype=np.float64)
        grow, fall = np.exp(j * rate), np.exp(-j * rate)
        run = np.minimum.accumulate(part * grow) * fall
        out[start : start + part.size] = np.minimum(run, level * np.exp(-(j + 1) * rate))
        level = float(out[start + part.size - 1])
    return out


def limiter_gain(
    need: npt.NDArray[np.float64], *, attack_blocks: int, release_blocks: float
) -> npt.NDArray[np.float64]:
    """The gain curve (per control block) of a look-ahead limiter, from each block's needed gain (pure).

    Never above ``need`` at any block or its two neighbours (so that interpolating between blocks stays
    under the ceiling); reaches a dip over ``attack_blocks`` before it (raised-cosine ramp, no click);
    rises after it at most as fast as an exponential release with time constant ``release_blocks``.
    """
    if need.size == 0:
        return need.copy()
    # a block's gain must also hold for its neighbours' samples (linear interpolation between blocks)
    padded = np.pad(need, 1, constant_values=1.0)
    floor = np.minimum(np.minimum(padded[:-2], padded[1:-1]), padded[2:])
    if np.all(floor >= 1.0):
        return np.ones_like(need)
    db = 20.0 * np.log10(floor)  # <= 0
    # attack: look ahead, each dip reached over a ramp of attack_blocks (min over shifted ramps)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(1, attack_blocks + 1) / (attack_blocks + 1))
    attacked = db.copy()
    for k, weight in enumerate(ramp[::-1], start=1):  # k blocks before the dip: weight falls towards 0
        shifted = np.zeros_like(db)
        shifted[:-k] = db[k:]
        attacked = np.minimum(attacked, shifted * weight)
    # release: exponential return towards 0 dB, never above what is needed
    out = _release(attacked, release_blocks)
    gain: npt.NDArray[np.float64] = np.power(10.0, out / 20.0)
    return gain


def limit(
    pcm: npt.ArrayLike,
    rate: int,
    ceiling_dbtp: float = DEFAULT_CEILING_DBTP,
    *,
    lookahead_s: float = 0.005,
    release_s: float = 0.15,
    block_s: float = 0.001,
) -> tuple[PCM, float]:
    """Limit the true peak of ``pcm`` to ``ceiling_dbtp``; returns the audio and the deepest reduction (dB).

    Audio already under the ceiling comes back unchanged (same samples).
    """
    x = np.asarray(pcm, dtype=np.float64).reshape(-1)
    up = np.abs(oversampled(x))
    y, reduction, _ = _limit(x, up, rate, ceiling_dbtp, lookahead_s, release_s, block_s)
    return y, reduction


def _limit(
    x: npt.NDArray[np.float64],
    up: npt.NDArray[np.float64],
    rate: int,
    ceiling_dbtp: float,
    lookahead_s: float = 0.005,
    release_s: float = 0.15,
    block_s: float = 0.001,
) -> tuple[PCM, float, float]:
    """:func:`limit` with ``x``'s oversampled magnitude given (oversampling is linear: a gained signal's
    is the gained magnitude); also returns the result's true peak (linear)."""
    ceiling = db_to_gain(ceiling_dbtp - LIMIT_MARGIN_DB)
    peak_in = float(max(np.max(up), np.max(np.abs(x)))) if x.size else 0.0
    if peak_in <= ceiling:
        return np.asarray(x, dtype=np.float32), 0.0, peak_in
    block = max(1, round(block_s * rate))
    sample_need = np.zeros(-(-x.size // block) * block)
    sample_need[: x.size] = np.abs(x)
    need = np.minimum(
        _block_need(up, x.size, block, ceiling),
        np.minimum(1.0, ceiling / np.maximum(sample_need.reshape(-1, block).max(axis=1), 1e-12)),
    )
    gain = limiter_gain(
        need,
        attack_blocks=max(1, round(lookahead_s / block_s)),
        release_blocks=release_s / block_s,
    )
    centres = (np.arange(gain.size) + 0.5) * block
    per_sample = np.interp(np.arange(x.size), centres, gain)
    y = x * per_sample
    # the gain curve modulates the signal a little: a last static trim keeps the promise exactly
    peak = _peak_after_gain(y, up, per_sample)
    trim = 1.0
    if peak > ceiling:
        trim = ceiling / peak
        y *= trim
        peak = ceiling
    return y.astype(np.float32), min(0.0, gain_to_db(float(np.min(per_sample)) * trim)), peak


def _runs(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Starts and ends (exclusive) of the runs of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.view(np.int8), [0]))))
    return edges[::2], edges[1::2]


def _peak_after_gain(
    y: npt.NDArray[np.float64], up: npt.NDArray[np.float64], per_sample: npt.NDArray[np.float64]
) -> float:
    """True peak of ``y = x x per_sample`` given ``up``, the oversampled magnitude of ``x``.

    The gain moves slowly against the 4x interpolation filter (10 input samples either side), so ``up``
    times the gain estimates ``y``'s oversampled magnitude within a few percent. Only the samples whose
    estimate comes within :data:`_PEAK_SEARCH_DB` of the largest can hold the true peak; they are
    oversampled again, exactly: each stretch with :data:`_PEAK_MARGIN` samples of context, all stretches
    in one filter call (separated by zeros wider than the filter, as the signal's own ends are). The same
    value as :func:`true_peak` (``y``) up to rounding, at a fraction of its CPU on limited speech.
    """
    n = y.size
    if n == 0:
        return 0.0
    quad = up[: n * OVERSAMPLE]
    per_input = np.maximum(np.maximum(quad[0::4], quad[1::4]), np.maximum(quad[2::4], quad[3::4]))
    estimate = per_input * per_sample
    starts, ends = _runs(estimate >= float(np.max(estimate)) * db_to_gain(-_PEAK_SEARCH_DB))
    starts, ends = np.maximum(starts - 1, 0), np.minimum(ends + 1, n)  # the neighbours too
    lo, hi = np.maximum(starts - _PEAK_MARGIN, 0), np.minimum(ends + _PEAK_MARGIN, n)
    # stretches whose context overlaps are filtered as one
    first = np.concatenate(([True], lo[1:] > hi[:-1]))
    group = np.cumsum(first) - 1
    g_lo, g_hi = lo[first], np.maximum.reduceat(hi, np.flatnonzero(first))
    gap = np.zeros(2 * _PEAK_MARGIN)
    pieces: list[npt.NDArray[np.float64]] = []
    offset = np.zeros(g_lo.size, dtype=np.int64)  # where each group starts in the joined signal
    at = 0
    for k, (a, b) in enumerate(zip(g_lo, g_hi, strict=True)):
        offset[k] = at
        pieces += [y[a:b], gap]
        at += int(b - a) + gap.size
    exact = np.abs(oversampled(np.concatenate(pieces)))
    peak = float(np.max(np.abs(y)))
    for s, e, g in zip(starts, ends, group, strict=True):
        a = int(offset[g] + s - g_lo[g]) * OVERSAMPLE
        peak = max(peak, float(np.max(exact[a : a + int(e - s) * OVERSAMPLE])))
    return peak


def _loudness_after(
    y: npt.NDArray[np.float32], rate: int, before_lufs: float, gain_db: float, limited: float
) -> float:
    """Integrated loudness of the normalised output: where the limiter did not act the output is the input
    times one static gain, and BS.1770's loudness moves by exactly that gain (the K-weighting is linear,
    the relative gate moves with the signal; only blocks crossing the -70 LUFS absolute gate could differ,
    and those sit 10 LU under the relative gate anyway); otherwise measured on the output."""
    if limited >= 0:
        value = before_lufs + gain_db
        return value if value > SILENCE_LUFS else -math.inf
    return integrated_loudness(y, rate)


def normalize(pcm: npt.ArrayLike, rate: int, target: LoudnessTarget | None = None) -> Normalized:
    """Gain towards ``target.integrated_lufs``, then the true-peak limiter at ``target.true_peak_dbtp``.

    Silence comes back as it is. Where the limiter took more than 0.2 LU away, the gain is raised by what
    was lost and the limiter runs again (at most 3 times, each step sized by the loudness the previous one
    bought, back down if a step overshot; speech lands within 0.2 LU).
    """
    target = target or LoudnessTarget()
    x = np.asarray(pcm, dtype=np.float32).reshape(-1)
    x64 = x.astype(np.float64)
    up = np.abs(oversampled(x64))
    peak = float(max(np.max(up), np.max(np.abs(x64)))) if x.size else 0.0
    before = Loudness(integrated_loudness(x, rate), gain_to_db(peak))
    if not math.isfinite(before.integrated_lufs):
        return Normalized(x.copy(), before, before, 0.0, 0.0)
    gain = gain_db_for(before.integrated_lufs, target)
    y, limited, peak = _limit(x64 * db_to_gain(gain), up * db_to_gain(gain), rate, target.true_peak_dbtp)
    after = Loudness(_loudness_after(y, rate, before.integrated_lufs, gain, limited), gain_to_db(peak))
    slope, last = LIMITED_SLOPE, (gain, after.integrated_lufs)
    for _ in range(CORRECTIONS):
        shortfall = target.integrated_lufs - after.integrated_lufs
        step = shortfall / slope
        # short of the target by more than the tolerance (or over it, after a step too long): step again
        if limited >= 0 or abs(shortfall) <= CLOSE_ENOUGH_LU or gain + step > MAX_GAIN_DB:
            break
        gain += step
        y, limited, peak = _limit(x64 * db_to_gain(gain), up * db_to_gain(gain), rate, target.true_peak_dbtp)
        after = Loudness(integrated_loudness(y, rate), gain_to_db(peak))
        # the next step from the loudness this one actually bought (secant), within sane bounds
        slope = min(1.0, max(0.3, (after.integrated_lufs - last[1]) / (gain - last[0])))
        last = (gain, after.integrated_lufs)
    return Normalized(y, before, after, gain, limited)
