"""Deadline-based admission policy (pure, voxray_runtime.api.admission): table-tested without I/O."""

from __future__ import annotations

import pytest

from voxray_runtime.api.admission import (
    AdmissionConfig,
    Lane,
    Priority,
    Waiting,
    deadline_from,
    priority_from,
    retry_after,
    shed_plan,
    speech_cost,
    text_cost,
)

CONFIG = AdmissionConfig(
    default_deadline_s=60, max_deadline_s=600, max_waiting=100, initial_unit_s=1.0, optimism=1.0
)


def lane(slots: int = 4, unit_s: float = 1.0, running: int = 0, **waiting: float) -> Lane:
    """A lane with ``running`` requests at the model and ``waiting`` units of each priority (one request
    per unit)."""
    out = Lane(slots, CONFIG, unit_s=unit_s, samples=1)
    for _ in range(running):
        out.start()
    for priority, units in waiting.items():
        for _ in range(int(units)):
            out.enqueue(priority, 1.0)  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize(
    ("state", "priority", "units", "deadline", "admitted", "reason", "retry"),
    [
        # a free slot and nobody ahead: only its own work counts
        (lane(running=0), "interactive", 1.0, 60, True, None, 0),
        (lane(running=3), "interactive", 1.0, 1.0, True, None, 0),
        # slots full, 8 ahead: (8 + 1) x 1 s / 4 slots = 2.25 s wait + 1 s work
        (lane(running=4, interactive=8), "interactive", 1.0, 3.25, True, None, 0),
        (lane(running=4, interactive=8), "interactive", 1.0, 3.0, False, "deadline", 1),
        # 80 units ahead of a bulk request at 1 slot: 81 s of wait + 1 s of work; fits 22 s later
        (lane(slots=1, running=1, interactive=60, bulk=20), "bulk", 1.0, 60, False, "deadline", 22),
        # the same queue of bulk work does not hold an interactive request back
        (lane(running=4, bulk=99), "interactive", 1.0, 60, True, None, 0),
        # work longer than the deadline: refused whatever the queue, retry when the queue has drained
        (lane(running=0), "interactive", 5.0, 2.0, False, "deadline-too-short", 1),
        (lane(running=4, interactive=20), "interactive", 5.0, 2.0, False, "deadline-too-short", 6),
        # the waiting cap bounds memory, even for requests that would fit
        (lane(slots=1000, running=1000, bulk=100), "interactive", 1.0, 600, False, "queue-full", 1),
        # a slow model (8 s a unit, 2 slots): 3 ahead -> 16 s wait + 8 s work
        (lane(slots=2, unit_s=8.0, running=2, interactive=3), "interactive", 1.0, 24, True, None, 0),
        (lane(slots=2, unit_s=8.0, running=2, interactive=3), "interactive", 1.0, 20, False, "deadline", 4),
    ],
)
def test_decide(
    state: Lane,
    priority: Priority,
    units: float,
    deadline: float,
    admitted: bool,
    reason: str | None,
    retry: int,
) -> None:
    d = state.decide(priority, units, deadline)
    assert (d.admitted, d.reason, d.retry_after_s) == (admitted, reason, retry), d
    if not admitted:
        assert d.retry_after_s >= 1
        assert f"retry in {d.retry_after_s} s" in d.detail("m", deadline)


def test_a_refused_request_fits_after_its_retry_after_when_the_queue_drains() -> None:
    state = lane(running=4, interactive=90)
    d = state.decide("interactive", 1.0, 10.0)
    assert not d.admitted
    drained_units = d.retry_after_s * state.slots / state.unit_s
    for _ in range(int(drained_units)):
        state.dequeue("interactive", 1.0)
    assert state.decide("interactive", 1.0, 10.0).admitted


@pytest.mark.parametrize(
    ("samples", "alpha", "expected"),
    [
        ([(1.0, 2.0)], 0.2, 2.0),  # the first measurement replaces the initial guess
        ([(1.0, 2.0), (1.0, 4.0)], 0.5, 3.0),
        ([(2.0, 2.0), (2.0, 2.0)], 0.2, 1.0),  # per unit: 2 units in 2 s
    ],
)
def test_unit_time_is_a_moving_average_of_completed_work(
    samples: list[tuple[float, float]], alpha: float, expected: float
) -> None:
    state = Lane(4, AdmissionConfig(initial_unit_s=10.0, alpha=alpha))
    for units, seconds in samples:
        state.start()
        state.finish(units, seconds, measured=True)
    assert state.unit_s == pytest.approx(expected)
    assert state.running == 0


def test_unmeasured_finishes_free_the_slot_without_teaching() -> None:
    state = Lane(2, AdmissionConfig(initial_unit_s=3.0))
    state.start()
    state.finish(1.0, 0.001, measured=False)
    assert (state.running, state.unit_s, state.samples) == (0, 3.0, 0)


def test_queue_bookkeeping_never_goes_negative() -> None:
    state = lane()
    state.enqueue("bulk", 2.5)
    state.dequeue("bulk", 2.5)
    state.dequeue("bulk", 2.5)
    assert (state.waiting, state.units_ahead("bulk")) == (0, 0.0)


@pytest.mark.parametrize(
    ("queue", "running", "slots", "unit_s", "shed"),
    [
        ([], 4, 4, 1.0, []),
        # 4 slots at 1 s a unit: the n-th waits (n + 1) / 4 s, then works 1 s
        ([Waiting(1, 60)] * 3, 4, 4, 1.0, []),
        ([Waiting(1, 10), Waiting(1, 1.2), Waiting(1, 10)], 4, 4, 1.0, [1]),
        # those shed do not count ahead of the rest
        ([Waiting(40, 5), Waiting(1, 1.5)], 4, 4, 1.0, [0]),
        # a model slower than estimated: the tail goes
        ([Waiting(1, 20)] * 6, 2, 2, 8.0, [3, 4, 5]),
    ],
)
def test_shed_plan(queue: list[Waiting], running: int, slots: int, unit_s: float, shed: list[int]) -> None:
    assert shed_plan(queue, running, slots, unit_s) == shed


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 60.0), ("", 60.0), ("2.5", 2.5), (" 30 ", 30.0), ("100000", 600.0)],
)
def test_deadline_header(value: str | None, expected: float) -> None:
    assert deadline_from(value, CONFIG) == expected


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan", "inf"])
def test_bad_deadline_header(value: str) -> None:
    with pytest.raises(ValueError, match="X-Request-Timeout"):
        deadline_from(value, CONFIG)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "interactive"), ("bulk", "bulk"), (" BULK ", "bulk"), ("interactive", "interactive")],
)
def test_priority_header(value: str | None, expected: str) -> None:
    assert priority_from(value) == expected


def test_bad_priority_header() -> None:
    with pytest.raises(ValueError, match="X-Priority"):
        priority_from("urgent")


def test_costs_grow_with_size() -> None:
    assert speech_cost(0) == 1.0
    assert speech_cost(400) == 3.0
    assert text_cost(32) == 2.0
    assert retry_after(0.0) == 1
    assert retry_after(2.01) == 3
