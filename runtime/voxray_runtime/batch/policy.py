"""Pure policies of the driver: pool sizing under the utilisation ceiling, retry/backoff, and the
utilisation meter that throttles submissions. No Ray, no I/O: table-tested.

Utilisation is the CPU time the synthesis workers' processes burn (user + system, all threads) divided
by wall time x the CPUs given to the batch (the Ray CPUs available when it starts, or --cpus). The
driver samples the workers' cumulative CPU time (psutil on the workers' PIDs where they run on the
driver's node, the value each worker reports with every result elsewhere) and holds back submissions
while the utilisation over the recent window is above the ceiling.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

#: errors that fail the same way on every attempt: recorded at once, never retried
PERMANENT_ERRORS = frozenset(
    {
        "EmptyTextError",
        "VoiceError",
        "UnsupportedLanguageError",
        "UnknownSpeakerError",
        "AudioFormatError",
        "NamingError",
        "UnsafePathError",
        "SymlinkEscapeError",
    }
)
#: longest single backoff wait, seconds
MAX_BACKOFF_S = 300.0


@dataclass(frozen=True)
class PoolSize:
    #: synthesis workers (actors, or concurrent tasks)
    workers: int
    #: engine intra-op threads per worker
    threads: int
    #: Ray CPUs each worker reserves (fractional so the pool fits what is available)
    cpus_per_worker: float
    #: the CPU budget the ceiling allows: ceiling x CPUs given to the batch
    budget_cpus: float
    #: True when workers x threads exceeds the budget, so the meter has to throttle
    throttled: bool


def size_pool(
    cpus: float,
    ceiling: float,
    *,
    items: int,
    concurrency: int | None = None,
    threads: int | None = None,
    ray_cpus: float | None = None,
) -> PoolSize:
    """How many workers with how many threads, for ``cpus`` CPUs under ``ceiling``.

    One intra-op thread per worker by default: on CPU, separate processes scale better than threads
    inside one ONNX session (see benchmarks/results/batch.md). Workers default to ceil(ceiling x cpus /
    threads), never more than there are items; where that overshoots the budget (2 CPUs x 0.8 = 1.6 ->
    2 workers) the utilisation meter throttles submissions to keep the measured share under the ceiling.
    ``ray_cpus``: the CPUs Ray has free for the workers' reservations (default: ``cpus``).
    """
    if cpus <= 0:
        raise ValueError("cpus must be positive")
    if not 0 < ceiling <= 1:
        raise ValueError("ceiling must lie in (0, 1]")
    budget = ceiling * cpus
    t = max(1, threads if threads is not None else 1)
    n = max(1, concurrency) if concurrency is not None else max(1, math.ceil(budget / t - 1e-09))
    n = max(1, min(n, max(1, items)))
    share = max(0.0, min(float(t), (ray_cpus if ray_cpus is not None else cpus) / n))
    return PoolSize(
        workers=n,
        threads=t,
        cpus_per_worker=round(share, 4),
        budget_cpus=budget,
        throttled=n * t > budget + 1e-9,
    )


def is_retryable(error_type: str) -> bool:
    return error_type not in PERMANENT_ERRORS


def backoff_delay(attempt: int, base_seconds: float, cap: float = MAX_BACKOFF_S) -> float:
    """Wait before attempt ``attempt + 1`` after ``attempt`` failed (1-based): base x 2^(attempt-1)."""
    if attempt < 1:
        raise ValueError("attempt is 1-based")
    return float(min(cap, base_seconds * (2 ** (attempt - 1))))


def next_attempt(error_type: str, attempt: int, max_attempts: int, base_seconds: float) -> float | None:
    """Seconds to wait before retrying, or None when the item fails for good."""
    if not is_retryable(error_type) or attempt >= max_attempts:
        return None
    return backoff_delay(attempt, base_seconds)


class UtilisationMeter:
    """Windowed and whole-run utilisation from samples of the workers' total CPU seconds.

    ``add(t, cpu)`` records the summed cumulative CPU seconds of all workers at wall time ``t``.
    """

    def __init__(self, cpus: float, ceiling: float, window_s: float = 10.0, margin: float = 0.05) -> None:
        self.cpus = cpus
        self.ceiling = ceiling
        #: submissions are held above this (a little under the ceiling, so the run's share stays under)
        self.target = ceiling * (1.0 - margin)
        self.window_s = window_s
        self._samples: deque[tuple[float, float]] = deque()
        self._first: tuple[float, float] | None = None
        self._last: tuple[float, float] | None = None
        self.peak = 0.0

    def add(self, t: float, cpu: float) -> None:
        if self._last is not None and t <= self._last[0]:
            return
        if self._first is None:
            self._first = (t, cpu)
        self._last = (t, cpu)
        self._samples.append((t, cpu))
        while len(self._samples) > 2 and self._samples[1][0] <= t - self.window_s:
            self._samples.popleft()
        if t - self._samples[0][0] >= self.window_s * 0.5:
            self.peak = max(self.peak, self.window())

    def window(self) -> float:
        """Utilisation over the recent window (0 until two samples exist)."""
        if len(self._samples) < 2:
            return 0.0
        (t0, c0), (t1, c1) = self._samples[0], self._samples[-1]
        return max(0.0, c1 - c0) / ((t1 - t0) * self.cpus) if t1 > t0 else 0.0

    def overall(self, extra_cpu: float = 0.0) -> float:
        """Utilisation from the first sample to the last; ``extra_cpu``: CPU seconds spent in that span
        that no sample could place in time."""
        if self._first is None or self._last is None or self._last[0] <= self._first[0]:
            return 0.0
        used = max(0.0, self._last[1] - self._first[1]) + extra_cpu
        return used / ((self._last[0] - self._first[0]) * self.cpus)

    def over_ceiling(self) -> bool:
        """True while the recent window, or the run so far (once it spans a window), is above the
        target: hold new submissions. The run-so-far test keeps the average under the ceiling even
        though work already running cannot be stopped; the window test keeps bursts short."""
        if self.window() > self.target:
            return True
        span = self._last[0] - self._first[0] if self._first and self._last else 0.0
        return span >= self.window_s and self.overall() > self.target
