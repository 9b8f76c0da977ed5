"""A small median-F0 estimator (autocorrelation), enough to tell a female voice from a male one."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def _frame_f0(frame: npt.NDArray[np.float64], sample_rate: int, fmin: float, fmax: float) -> float | None:
    """F0 of one frame, or None when it is not clearly periodic (unvoiced or silent)."""
    frame = frame - frame.mean()
    n = len(frame)
    spectrum = np.fft.rfft(frame * np.hanning(n), 2 * n)
    ac = np.fft.irfft(np.abs(spectrum) ** 2)[:n]
    if ac[0] <= 0:
        return None
    ac = ac / ac[0]
    lo, hi = int(sample_rate / fmax), min(int(sample_rate / fmin), n - 2)
    window = ac[lo : hi + 1]
    best = float(window.max())
    if best < 0.5:  # weak periodicity: unvoiced
        return None
    # the first lag reaching 90% of the best peak avoids octave-down errors (a multiple of the period)
    lag = lo + int(np.argmax(window >= 0.9 * best))
    while lag + 1 <= hi and ac[lag + 1] > ac[lag]:
        lag += 1
    a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    return sample_rate / (lag + shift)


def median_f0(
    audio: npt.NDArray[np.float32],
    sample_rate: int,
    *,
    fmin: float = 60.0,
    fmax: float = 400.0,
    frame_s: float = 0.04,
    hop_s: float = 0.01,
) -> float:
    """Median F0 in Hz over the voiced frames (frames within 30 dB of the loudest one)."""
    x = np.asarray(audio, dtype=np.float64)
    size, hop = int(frame_s * sample_rate), int(hop_s * sample_rate)
    frames = [x[i : i + size] for i in range(0, len(x) - size, hop)]
    if not frames:
        raise ValueError("audio shorter than one analysis frame")
    energy = np.array([np.sqrt(np.mean(f**2)) for f in frames])
    loud = energy > energy.max() * 10 ** (-30 / 20)
    f0s = [
        f
        for fr, keep in zip(frames, loud, strict=True)
        if keep and (f := _frame_f0(fr, sample_rate, fmin, fmax))
    ]
    if len(f0s) < 5:
        raise ValueError(f"only {len(f0s)} voiced frames: no pitch to measure")
    return float(np.median(f0s))
