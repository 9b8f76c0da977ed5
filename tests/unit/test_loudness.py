"""Loudness: BS.1770 measurement, true peak, gain and the true-peak limiter (pure signals, no I/O)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from voxray_runtime.audio import loudness as L  # noqa: N812

RATE = 24_000


def sine(freq: float, amp: float, seconds: float = 3.0, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def speechlike(seconds: float = 6.0, level: float = 0.05, seed: int = 0, rate: int = RATE) -> np.ndarray:
    """Noise in syllable-rate bursts with sparse clicks: a crest factor like speech's (or worse)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    bursts = (np.sin(2 * np.pi * 3.5 * np.arange(n) / rate) > 0.2).astype(np.float32)
    x = rng.standard_normal(n).astype(np.float32) * level * bursts
    x[rng.integers(0, n, 12)] = 0.9  # plosive-like peaks
    return x


# BS.1770-4: a 1 kHz sine reads its RMS level in dBFS minus 0.691 + 0.691 (the K filter is ~0 dB at 1 kHz)
@pytest.mark.parametrize(
    ("amp", "lufs"),
    [(1.0, -3.01), (0.5, -9.03), (0.1, -23.01), (0.01, -43.01)],
)
def test_sine_reads_its_level(amp: float, lufs: float) -> None:
    assert L.integrated_loudness(sine(1000, amp), RATE) == pytest.approx(lufs, abs=0.1)


@pytest.mark.parametrize("rate", [16_000, 22_050, 24_000, 44_100, 48_000])
def test_rate_does_not_change_the_reading(rate: int) -> None:
    assert L.integrated_loudness(sine(1000, 0.1, rate=rate), rate) == pytest.approx(-23.01, abs=0.15)


@pytest.mark.parametrize(
    ("pcm", "lufs"),
    [
        (np.zeros(0, np.float32), -math.inf),
        (np.zeros(RATE, np.float32), -math.inf),
        (sine(1000, 1e-5), -math.inf),  # under BS.1770's absolute gate
    ],
)
def test_silence_reads_minus_infinity(pcm: np.ndarray, lufs: float) -> None:
    assert L.integrated_loudness(pcm, RATE) == lufs


def test_a_clip_shorter_than_a_gating_block_is_measured() -> None:
    assert L.integrated_loudness(sine(1000, 0.1, seconds=0.15), RATE) == pytest.approx(-23.01, abs=0.2)


def test_true_peak_finds_the_intersample_peak() -> None:
    # fs/4 sine at 45 degrees: every sample is 0.707 of the real peak (the classic -3 dB intersample case)
    n = np.arange(RATE)
    x = np.sin(2 * np.pi * n / 4 + np.pi / 4).astype(np.float32)
    assert np.max(np.abs(x)) == pytest.approx(0.7071, abs=1e-3)
    assert L.gain_to_db(L.true_peak(x)) == pytest.approx(0.0, abs=0.2)


@pytest.mark.parametrize(
    ("measured", "target", "gain"),
    [
        (-20.0, -16.0, 4.0),
        (-10.0, -16.0, -6.0),
        (-16.0, -16.0, 0.0),
        (-60.0, -16.0, L.MAX_GAIN_DB),  # never blows a whisper up past +30 dB
        (-math.inf, -16.0, 0.0),
        (-23.0, -23.0, 0.0),
    ],
)
def test_gain_for(measured: float, target: float, gain: float) -> None:
    assert L.gain_db_for(measured, L.LoudnessTarget(target)) == pytest.approx(gain)


@pytest.mark.parametrize(
    ("lufs", "dbtp"), [(-4.0, -1.0), (-41.0, -1.0), (-16.0, 0.5), (-16.0, -13.0), (math.nan, -1.0)]
)
def test_targets_out_of_range_are_refused(lufs: float, dbtp: float) -> None:
    with pytest.raises(L.LoudnessError):
        L.LoudnessTarget(lufs, dbtp)


@pytest.mark.parametrize(
    ("pcm", "target"),
    [
        (speechlike(level=0.02), L.LoudnessTarget()),
        (speechlike(level=0.3, seed=1), L.LoudnessTarget()),
        (speechlike(level=0.05, seed=2), L.LoudnessTarget(-23.0, -2.0)),
        (speechlike(level=0.05, seed=3), L.LoudnessTarget(-14.0, -1.0)),
        (sine(440, 0.05), L.LoudnessTarget(-16.0, -1.0)),
    ],
)
def test_normalize_reaches_the_target_under_the_ceiling(pcm: np.ndarray, target: L.LoudnessTarget) -> None:
    out = L.normalize(pcm, RATE, target)
    assert out.pcm.dtype == np.float32
    assert out.pcm.shape == pcm.shape
    assert out.after.integrated_lufs == pytest.approx(target.integrated_lufs, abs=0.5)
    assert out.after.true_peak_dbtp <= target.true_peak_dbtp + 1e-6
    measured = L.measure(out.pcm, RATE)
    assert measured.integrated_lufs == pytest.approx(out.after.integrated_lufs, abs=1e-3)
    assert measured.true_peak_dbtp == pytest.approx(out.after.true_peak_dbtp, abs=1e-3)


def test_silence_is_left_alone() -> None:
    out = L.normalize(np.zeros(RATE, np.float32), RATE)
    assert out.gain_db == 0.0
    assert not np.any(out.pcm)


def test_audio_under_the_ceiling_passes_the_limiter_unchanged() -> None:
    x = sine(300, 0.5)
    y, reduction = L.limit(x, RATE, -1.0)
    assert reduction == 0.0
    assert np.array_equal(x, y)


def test_the_limiter_does_not_pump() -> None:
    """One loud click in steady sound: the gain dips around it and comes back smoothly, and half a
    second later the sound is untouched (no long duck, no level riding the syllables)."""
    x = sine(200, 0.5, seconds=2.0)
    click = RATE  # at 1 s
    x[click] = 1.0
    y, reduction = L.limit(x, RATE, -1.0)
    assert reduction < -1.0
    assert L.gain_to_db(L.true_peak(y)) <= -1.0 + 1e-6
    gain = np.divide(y, x, out=np.ones_like(y), where=np.abs(x) > 0.05)
    assert np.allclose(gain[: click - int(0.02 * RATE)], 1.0, atol=1e-3)  # untouched before the look-ahead
    assert np.allclose(gain[click + int(0.6 * RATE) :], 1.0, atol=0.01)  # released 0.6 s later
    # attack and release are ramps, never a step: no sample-to-sample gain jump over 0.5 dB
    steps = np.abs(np.diff(20 * np.log10(np.clip(gain[np.abs(x) > 0.05], 1e-6, None))))
    assert float(np.max(steps)) < 0.5


@pytest.mark.parametrize(
    ("need", "expected"),
    [
        (np.ones(5), np.ones(5)),
        (np.array([1.0, 1.0, 0.5, 1.0, 1.0]), None),
    ],
)
def test_limiter_gain_never_exceeds_what_is_needed(need: np.ndarray, expected: np.ndarray | None) -> None:
    gain = L.limiter_gain(need, attack_blocks=2, release_blocks=3.0)
    if expected is not None:
        assert np.array_equal(gain, expected)
    padded = np.pad(need, 1, constant_values=1.0)
    floor = np.minimum(np.minimum(padded[:-2], padded[1:-1]), padded[2:])
    assert np.all(gain <= floor + 1e-12)


def test_rounded_for_json() -> None:
    assert L.Loudness(-16.04, -1.26).rounded() == {"integrated_lufs": -16.0, "true_peak_dbtp": -1.3}
    assert L.Loudness(-math.inf, -math.inf).rounded() == {"integrated_lufs": None, "true_peak_dbtp": None}


@pytest.mark.parametrize(
    ("pcm", "ceiling"),
    [
        (speechlike(level=0.3, seed=4), -1.0),
        (speechlike(level=0.05, seed=5), -6.0),
        (speechlike(seconds=0.05, level=0.5, seed=6), -1.0),  # shorter than the filter's context
        (sine(3000, 0.99), -1.0),  # inter-sample peaks everywhere: every sample a candidate
        (
            np.concatenate([np.zeros(5), [1.0, -1.0, 1.0], np.zeros(5)]).astype(np.float32),
            -3.0,
        ),  # at the ends
    ],
)
def test_true_peak_after_limiting_reads_only_the_candidates_yet_equals_the_full_measure(
    pcm: np.ndarray, ceiling: float
) -> None:
    x = pcm.astype(np.float64)
    up = np.abs(L.oversampled(x))
    y, _, peak = L._limit(x, up, RATE, ceiling)
    assert peak == pytest.approx(L.true_peak(y), rel=1e-6, abs=1e-9)
    assert L.gain_to_db(L.true_peak(y)) <= ceiling + 1e-6


def test_loudness_is_derived_from_the_gain_only_where_the_limiter_did_not_act() -> None:
    quiet = sine(1000, 0.01)  # crest factor 3 dB: at -16 LUFS its peaks sit far under -1 dBTP
    out = L.normalize(quiet, RATE)
    assert out.limited_db == 0.0
    # the derived value is what a measurement of the output reads
    assert out.after.integrated_lufs == pytest.approx(L.integrated_loudness(out.pcm, RATE), abs=0.01)
    limited = L.normalize(speechlike(level=0.02, seed=8), RATE)  # its clicks go over the ceiling
    assert limited.limited_db < 0
    assert limited.after.integrated_lufs == pytest.approx(L.integrated_loudness(limited.pcm, RATE), abs=1e-9)
