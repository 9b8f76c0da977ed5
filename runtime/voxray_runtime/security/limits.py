"""Per-caller abuse limits (pure; the clock is injected so tests need no sleeps).

- :class:`RateLimiter`: a token bucket per caller. It refills at ``requests_per_minute / 60`` per second
  and holds at most :data:`BURST_SECONDS` seconds' worth of tokens (at least one), so the long-run rate is
  the configured one and a burst is bounded.
- :class:`ConcurrencyLimiter`: requests in flight per caller.

Both answer a :class:`LimitDecision`; a refusal carries the seconds to wait (``Retry-After``). State is per
ingress replica: with N replicas a caller may get up to N times the limit (documented).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]

#: how many seconds of the per-minute rate a caller may spend at once
BURST_SECONDS = 10.0
#: idle buckets are dropped once this many callers are tracked (a full bucket carries no state)
MAX_TRACKED = 10_000


@dataclass(frozen=True)
class LimitDecision:
    allowed: bool
    #: whole seconds until a retry can succeed (0 when allowed)
    retry_after_s: int = 0
    #: the limit that applied, for the message
    limit: int = 0


def retry_after(seconds: float) -> int:
    """``Retry-After`` in whole seconds: rounded up, at least 1."""
    return max(1, math.ceil(seconds - 1e-9))


def burst_capacity(requests_per_minute: int) -> float:
    return max(1.0, requests_per_minute * BURST_SECONDS / 60.0)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by caller id."""

    def __init__(self, clock: Clock = time.monotonic, max_tracked: int = MAX_TRACKED) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._max_tracked = max_tracked

    def _refill(self, b: _Bucket, rate_per_s: float, capacity: float, now: float) -> None:
        elapsed = max(0.0, now - b.updated)
        b.tokens = min(capacity, b.tokens + elapsed * rate_per_s)
        b.updated = now

    def acquire(self, caller: str, requests_per_minute: int, cost: float = 1.0) -> LimitDecision:
        now = self._clock()
        rate = requests_per_minute / 60.0
        capacity = burst_capacity(requests_per_minute)
        b = self._buckets.get(caller)
        if b is None:
            if len(self._buckets) >= self._max_tracked:
                self._prune(now, rate, capacity)
            b = self._buckets[caller] = _Bucket(capacity, now)
        else:
            self._refill(b, rate, capacity, now)
        if b.tokens >= cost:
            b.tokens -= cost
            return LimitDecision(True, 0, requests_per_minute)
        return LimitDecision(False, retry_after((cost - b.tokens) / rate), requests_per_minute)

    def _prune(self, now: float, rate: float, capacity: float) -> None:
        """Forget callers whose bucket has refilled (they would start full anyway)."""
        for caller, b in list(self._buckets.items()):
            if b.tokens + (now - b.updated) * rate >= capacity:
                del self._buckets[caller]

    def tracked(self) -> int:
        return len(self._buckets)


class ConcurrencyLimiter:
    """Requests in flight per caller; :meth:`release` must follow every allowed :meth:`acquire`."""

    def __init__(self) -> None:
        self._inflight: dict[str, int] = {}

    def acquire(self, caller: str, limit: int) -> LimitDecision:
        n = self._inflight.get(caller, 0)
        if n >= limit:
            return LimitDecision(False, 1, limit)
        self._inflight[caller] = n + 1
        return LimitDecision(True, 0, limit)

    def release(self, caller: str) -> None:
        n = self._inflight.get(caller, 0) - 1
        if n > 0:
            self._inflight[caller] = n
        else:
            self._inflight.pop(caller, None)

    def inflight(self, caller: str) -> int:
        return self._inflight.get(caller, 0)
