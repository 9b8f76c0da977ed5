"""PCM helpers: mono float32 in [-1, 1]. Pure numpy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

PCM = npt.NDArray[np.float32]

#: pause between sentences (and between the chunks of a sentence cut for length), in seconds
SENTENCE_PAUSE_S = 0.28


def silence(seconds: float, sample_rate: int) -> PCM:
    return np.zeros(max(0, round(seconds * sample_rate)), dtype=np.float32)


def duration_seconds(pcm: npt.NDArray[np.generic], sample_rate: int) -> float:
    return float(len(pcm)) / float(sample_rate)


def trim_silence(pcm: PCM, sample_rate: int, threshold: float = 1e-3, keep_s: float = 0.03) -> PCM:
    """Drop leading/trailing near-silence (engines pad differently), keeping a short margin."""
    idx = np.flatnonzero(np.abs(pcm) > threshold)
    if idx.size == 0:
        return pcm[:0]
    keep = round(keep_s * sample_rate)
    return pcm[max(0, int(idx[0]) - keep) : min(len(pcm), int(idx[-1]) + keep + 1)]


def concat_with_pauses(chunks: Sequence[PCM], sample_rate: int, pause_s: float = SENTENCE_PAUSE_S) -> PCM:
    """Join sentence audio with a natural pause between sentences (none after the last)."""
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    gap = silence(pause_s, sample_rate)
    parts: list[PCM] = []
    for i, c in enumerate(chunks):
        if i:
            parts.append(gap)
        parts.append(np.asarray(c, dtype=np.float32))
    return np.concatenate(parts)


def resample_linear(pcm: PCM, src_rate: int, dst_rate: int) -> PCM:
    """Linear-interpolation resampling (enough for speech between 16-48 kHz engines)."""
    if src_rate == dst_rate or len(pcm) == 0:
        return pcm
    n = max(1, round(len(pcm) * dst_rate / src_rate))
    x_old = np.linspace(0.0, 1.0, num=len(pcm), endpoint=False)
    x_new = np.linspace(0.0, 1.0, num=n, endpoint=False)
    return np.interp(x_new, x_old, pcm).astype(np.float32)
