"""Token-bucket rate limiter and concurrency limiter with an injected clock: no sleeps."""

from __future__ import annotations

import pytest

from voxray_runtime.security.limits import (
    BURST_SECONDS,
    ConcurrencyLimiter,
    RateLimiter,
    burst_capacity,
    retry_after,
)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.mark.parametrize(
    ("seconds", "header"), [(0.0, 1), (0.001, 1), (0.999, 1), (1.0, 1), (1.0001, 2), (2.5, 3), (59.2, 60)]
)
def test_retry_after_rounds_up_to_whole_seconds(seconds: float, header: int) -> None:
    assert retry_after(seconds) == header


@pytest.mark.parametrize(("rpm", "burst"), [(1, 1.0), (6, 1.0), (60, 10.0), (600, 100.0), (3, 1.0)])
def test_burst_is_ten_seconds_of_the_rate(rpm: int, burst: float) -> None:
    assert BURST_SECONDS == 10.0
    assert burst_capacity(rpm) == burst


def test_burst_then_refusal_with_retry_after_then_refill() -> None:
    clock = Clock()
    rl = RateLimiter(clock)
    assert all(rl.acquire("a", 60).allowed for _ in range(10))
    refused = rl.acquire("a", 60)
    assert not refused.allowed
    assert refused.retry_after_s == 1
    assert refused.limit == 60
    clock.t += 0.5
    assert not rl.acquire("a", 60).allowed
    clock.t += 0.5
    assert rl.acquire("a", 60).allowed
    assert not rl.acquire("a", 60).allowed
    clock.t += 3600  # refills to the burst, no further
    assert sum(rl.acquire("a", 60).allowed for _ in range(20)) == 10


def test_callers_have_their_own_buckets() -> None:
    rl = RateLimiter(Clock())
    assert rl.acquire("a", 1).allowed
    assert not rl.acquire("a", 1).allowed
    assert rl.acquire("b", 1).allowed


def test_slow_rate_retry_after() -> None:
    clock = Clock()
    rl = RateLimiter(clock)
    assert rl.acquire("a", 2).allowed  # one every 30 s
    d = rl.acquire("a", 2)
    assert (d.allowed, d.retry_after_s) == (False, 30)
    clock.t += 29.5
    assert rl.acquire("a", 2).retry_after_s == 1
    clock.t += 0.5
    assert rl.acquire("a", 2).allowed


def test_a_clock_going_backwards_does_not_mint_tokens() -> None:
    clock = Clock()
    rl = RateLimiter(clock)
    assert rl.acquire("a", 1).allowed
    clock.t -= 100
    assert not rl.acquire("a", 1).allowed


def test_idle_callers_are_forgotten_when_many_are_tracked() -> None:
    clock = Clock()
    rl = RateLimiter(clock, max_tracked=3)
    for c in "abc":
        rl.acquire(c, 60)
    clock.t += 60
    rl.acquire("d", 60)
    assert rl.tracked() == 1
    # a caller still paying back its burst is kept
    for _ in range(10):
        rl.acquire("d", 60)
    rl.acquire("e", 60)
    rl.acquire("f", 60)
    rl.acquire("g", 60)
    assert rl.tracked() <= 4
    assert not rl.acquire("d", 60).allowed


def test_concurrency_limit_per_caller() -> None:
    cl = ConcurrencyLimiter()
    assert cl.acquire("a", 2).allowed
    assert cl.acquire("a", 2).allowed
    refused = cl.acquire("a", 2)
    assert (refused.allowed, refused.retry_after_s, refused.limit) == (False, 1, 2)
    assert cl.acquire("b", 2).allowed
    cl.release("a")
    assert cl.inflight("a") == 1
    assert cl.acquire("a", 2).allowed
    cl.release("a")
    cl.release("a")
    cl.release("a")  # an extra release never goes negative
    assert cl.inflight("a") == 0
    assert cl.acquire("a", 1).allowed
