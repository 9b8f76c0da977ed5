"""Measurements of speech audio used by tests, benchmarks and the batch manifest. Pure numpy."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt


def rms(pcm: npt.NDArray[np.floating]) -> float:
    if len(pcm) == 0:
        return 0.0
    return float(np.sqrt(np.mean(np.square(np.asarray(pcm, dtype=np.float64)))))


def median_f0(
    pcm: npt.NDArray[np.floating], sample_rate: int, fmin: float = 60.0, fmax: float = 400.0
) -> float:
    """Median fundamental frequency (Hz) over voiced frames, by normalised autocorrelation.

    Frames of 40 ms, hop 10 ms; a frame is voiced when its energy is above 10% of the clip's loud
    frames and its autocorrelation peak exceeds 0.5. Returns 0.0 when nothing is voiced.
    """
    x = np.asarray(pcm, dtype=np.float64)
    frame, hop = int(0.04 * sample_rate), int(0.01 * sample_rate)
    if len(x) < frame:
        return 0.0
    lag_min, lag_max = int(sample_rate / fmax), int(sample_rate / fmin)
    starts = range(0, len(x) - frame, hop)
    energies = np.array([np.sum(np.square(x[s : s + frame])) for s in starts])
    if energies.size == 0 or float(energies.max()) <= 0:
        return 0.0
    floor = 0.1 * float(np.percentile(energies, 90))
    f0s: list[float] = []
    window = np.hanning(frame)
    for s, e in zip(starts, energies, strict=True):
        if e < floor:
            continue
        seg = x[s : s + frame] * window
        seg = seg - seg.mean()
        ac = np.correlate(seg, seg, mode="full")[frame - 1 :]
        if ac[0] <= 0:
            continue
        ac = ac / ac[0]
        region = ac[lag_min : min(lag_max, frame - 1)]
        if region.size == 0:
            continue
        lag = int(np.argmax(region)) + lag_min
        if ac[lag] > 0.5:
            f0s.append(sample_rate / lag)
    return float(np.median(f0s)) if f0s else 0.0


def decode_mp3(data: bytes) -> tuple[npt.NDArray[np.float32], int]:
    """Decode MP3 bytes to mono float32 (libsndfile >= 1.1 reads MPEG audio)."""
    import soundfile

    pcm, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=False)
    arr = np.asarray(pcm, dtype=np.float32)
    if arr.ndim > 1:
        arr = arr.mean(axis=1).astype(np.float32)
    return arr, int(rate)
