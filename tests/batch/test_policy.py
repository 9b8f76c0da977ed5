"""Pool sizing under the ceiling, retry/backoff, and the utilisation meter. Pure."""

from __future__ import annotations

import pytest

from voxray_runtime.batch.policy import (
    UtilisationMeter,
    backoff_delay,
    is_retryable,
    next_attempt,
    size_pool,
)


@pytest.mark.parametrize(
    ("cpus", "ceiling", "items", "concurrency", "threads", "workers", "per_worker", "throttled"),
    [
        (2, 0.8, 100, None, None, 2, 1.0, True),  # 1.6 CPUs allowed: 2 workers, throttled to 0.8
        (2, 0.5, 100, None, None, 1, 1.0, False),  # exactly one CPU allowed
        (16, 0.8, 1000, None, None, 13, 1.0, True),  # ceil(12.8)
        (10, 0.8, 1000, None, None, 8, 1.0, False),
        (16, 0.8, 1000, None, 2, 7, 2.0, True),  # ceil(12.8 / 2) workers of 2 threads
        (16, 0.8, 3, None, None, 3, 1.0, False),  # never more workers than items
        (2, 0.8, 100, 4, None, 4, 0.5, True),  # explicit concurrency: Ray CPUs shared out
        (1.5, 1.0, 100, None, None, 2, 0.75, True),
    ],
)
def test_size_pool(
    cpus: float,
    ceiling: float,
    items: int,
    concurrency: int | None,
    threads: int | None,
    workers: int,
    per_worker: float,
    throttled: bool,
) -> None:
    size = size_pool(cpus, ceiling, items=items, concurrency=concurrency, threads=threads)
    assert (size.workers, size.cpus_per_worker, size.throttled) == (workers, per_worker, throttled)
    assert size.workers * size.cpus_per_worker <= cpus + 1e-6
    assert size.budget_cpus == pytest.approx(cpus * ceiling)


def test_reservations_fit_what_ray_has_free() -> None:
    # 2 CPUs given (--cpus 2) on a Ray where Serve replicas reserved all but 0.4
    size = size_pool(2, 0.8, items=100, ray_cpus=0.4)
    assert (size.workers, size.cpus_per_worker, size.budget_cpus) == (2, 0.2, 1.6)


@pytest.mark.parametrize(("cpus", "ceiling"), [(0, 0.8), (2, 0), (2, 1.5)])
def test_size_pool_refuses_nonsense(cpus: float, ceiling: float) -> None:
    with pytest.raises(ValueError, match="must"):
        size_pool(cpus, ceiling, items=1)


@pytest.mark.parametrize(
    ("attempt", "base", "delay"),
    [(1, 1.0, 1.0), (2, 1.0, 2.0), (3, 1.0, 4.0), (4, 0.5, 4.0), (1, 0.0, 0.0), (20, 1.0, 300.0)],
)
def test_backoff_doubles_up_to_a_cap(attempt: int, base: float, delay: float) -> None:
    assert backoff_delay(attempt, base) == delay


def test_backoff_is_one_based() -> None:
    with pytest.raises(ValueError, match="1-based"):
        backoff_delay(0, 1.0)


@pytest.mark.parametrize(
    ("error_type", "attempt", "max_attempts", "expected"),
    [
        ("RuntimeError", 1, 3, 1.0),
        ("RuntimeError", 2, 3, 2.0),
        ("RuntimeError", 3, 3, None),  # attempts exhausted
        ("RayActorError", 1, 3, 1.0),  # a dead worker is retried on a new one
        ("OSError", 1, 1, None),  # maxAttempts 1: no retry
        ("EmptyTextError", 1, 3, None),  # deterministic: recorded at once
        ("UnsupportedLanguageError", 1, 3, None),
        ("UnknownSpeakerError", 1, 3, None),
    ],
)
def test_next_attempt(error_type: str, attempt: int, max_attempts: int, expected: float | None) -> None:
    assert next_attempt(error_type, attempt, max_attempts, 1.0) == expected


def test_permanent_errors_are_not_retryable() -> None:
    assert not is_retryable("EmptyTextError")
    assert is_retryable("TimeoutError")


def test_meter_windowed_and_overall() -> None:
    m = UtilisationMeter(cpus=2, ceiling=0.8, window_s=10)
    assert m.window() == 0.0
    assert m.overall() == 0.0
    # 2 CPUs fully busy for 10 s, then idle for 10 s
    for t in range(0, 11):
        m.add(float(t), 2.0 * t)
    assert m.window() == pytest.approx(1.0)
    assert m.over_ceiling()
    for t in range(11, 21):
        m.add(float(t), 20.0)
    assert m.window() == pytest.approx(0.0)
    assert not m.over_ceiling()
    assert m.overall() == pytest.approx(0.5)
    assert m.overall(extra_cpu=4.0) == pytest.approx(0.6)
    assert m.peak == pytest.approx(1.0)


def test_meter_target_sits_under_the_ceiling() -> None:
    m = UtilisationMeter(cpus=1, ceiling=0.8, window_s=10)
    m.add(0.0, 0.0)
    m.add(10.0, 7.7)  # 0.77: under the ceiling but over the 5% safety margin (0.76)
    assert m.over_ceiling()
    m.add(20.0, 14.5)  # last window 0.68, run so far 0.725
    assert not m.over_ceiling()


def test_meter_holds_while_the_run_so_far_is_over() -> None:
    m = UtilisationMeter(cpus=1, ceiling=0.8, window_s=10)
    m.add(0.0, 0.0)
    m.add(10.0, 10.0)  # a full first window
    m.add(20.0, 16.0)  # the last window 0.6 is fine, but the run so far is 0.8
    assert m.window() == pytest.approx(0.6)
    assert m.over_ceiling()
    m.add(30.0, 20.0)  # run so far 0.67: go on
    assert not m.over_ceiling()


def test_meter_ignores_time_going_backwards() -> None:
    m = UtilisationMeter(cpus=1, ceiling=0.8)
    m.add(5.0, 1.0)
    m.add(4.0, 100.0)
    m.add(6.0, 1.5)
    assert m.window() == pytest.approx(0.5)


def test_cpu_tracker_sums_workers_since_first_seen() -> None:
    from voxray_runtime.batch.cpu import CpuTracker

    t = CpuTracker(local_node="driver-node")
    t.see(101, "other-node", 10.0)  # an actor after loading its engines
    t.see(101, "other-node", 15.0)
    assert t.total() == pytest.approx(5.0)
    t.see(101, "other-node", 12.0)  # an out-of-order report never lowers the count
    assert t.total() == pytest.approx(5.0)
    t.see(202, "other-node", 20.0, since=12.0)  # a task worker first seen after its first file
    assert t.total() == pytest.approx(5.0)
    assert t.missed == pytest.approx(8.0)
    t.see(202, "other-node", 23.0)
    assert t.total() == pytest.approx(8.0)
