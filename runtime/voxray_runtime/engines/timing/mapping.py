"""Text words onto timed units (phoneme words, aligner words) when the two do not pair one to one (pure).

espeak-ng phonemizes some short words together ("of the" -> ``ʌvðə``) and now and then splits one, so
the phoneme words an engine timed do not always pair with the words of the text. :func:`group_words`
aligns the two sequences monotonically by their relative lengths (letters against phoneme symbols), in
groups of 1:1, 2:1, 3:1 or 1:2, 1:3; inside a group, a text word gets the group's time shared by its
letters, or the span of all the units it covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voxray_runtime.captions.words import TimedWord, word_key

#: (text words, units) a group may take; anything but 1:1 costs a little, so pairs win where they fit
_GROUPS = ((1, 1), (2, 1), (1, 2), (3, 1), (1, 3))
_UNEVEN = 0.02


@dataclass(frozen=True)
class Unit:
    """Something an engine or aligner timed: its size (symbols) and when it is heard, in seconds."""

    size: int
    start: float
    end: float


def _sizes(words: Sequence[str]) -> list[float]:
    return [float(max(1, len(word_key(w)))) for w in words]


def group_words(text_sizes: Sequence[float], unit_sizes: Sequence[float]) -> list[tuple[int, int, int, int]]:
    """Monotone groups ``(text_from, text_to, unit_from, unit_to)`` covering both sequences."""
    n, m = len(text_sizes), len(unit_sizes)
    if n == m:
        return [(i, i + 1, i, i + 1) for i in range(n)]
    tt, tu = sum(text_sizes) or 1.0, sum(unit_sizes) or 1.0
    ct = [0.0]
    for s in text_sizes:
        ct.append(ct[-1] + s / tt)
    cu = [0.0]
    for s in unit_sizes:
        cu.append(cu[-1] + s / tu)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == inf:
                continue
            for a, b in _GROUPS:
                ni, nj = i + a, j + b
                if ni > n or nj > m:
                    continue
                step = abs((ct[ni] - ct[i]) - (cu[nj] - cu[j])) + (0.0 if a == b == 1 else _UNEVEN)
                if here + step < cost[ni][nj]:
                    cost[ni][nj] = here + step
                    back[ni][nj] = (i, j)
    if cost[n][m] == inf:  # far too uneven for small groups: one group of everything
        return [(0, n, 0, m)]
    groups: list[tuple[int, int, int, int]] = []
    i, j = n, m
    while i or j:
        pi, pj = back[i][j]
        groups.append((pi, i, pj, j))
        i, j = pi, pj
    return groups[::-1]


def timed_words(words: Sequence[str], units: Sequence[Unit]) -> list[TimedWord]:
    """``words`` (the text an engine spoke, in order) timed by the ``units`` it timed."""
    if not words:
        return []
    if not units:
        return [TimedWord(w, 0.0, 0.0) for w in words]
    sizes = _sizes(words)
    out: list[TimedWord] = []
    for t0, t1, u0, u1 in group_words(sizes, [float(max(1, u.size)) for u in units]):
        start, end = units[u0].start, units[u1 - 1].end
        letters = sum(sizes[t0:t1])
        at = start
        for k in range(t0, t1):
            share = (end - start) * sizes[k] / letters
            out.append(TimedWord(words[k], at, at + share))
            at += share
    return out


#: an engine's audio and the units it timed (None: the engine cannot time this; force-align it)
TimedPCM = tuple[npt.NDArray[np.float32], list[Unit] | None]
