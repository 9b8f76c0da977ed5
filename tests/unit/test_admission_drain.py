"""The admission lane's drain-rate estimate (observed completions over a window) and its optimism: pure."""

from __future__ import annotations

import pytest

from voxray_runtime.api.admission import AdmissionConfig, Lane, Waiting, shed_plan


def busy_lane(config: AdmissionConfig, *, slots: int = 4, unit_s: float = 8.0, waiting: int = 0) -> Lane:
    """A lane whose wall times read 8 s a unit (a crowd arriving), all slots busy, ``waiting`` requests."""
    out = Lane(slots, config, unit_s=unit_s, samples=1)
    for _ in range(slots):
        out.start()
    for _ in range(waiting):
        out.enqueue("interactive", 1.0)
    return out


def test_without_completions_in_the_window_the_rate_is_littles_law() -> None:
    state = busy_lane(AdmissionConfig())
    assert state.drain_per_s == pytest.approx(4 / 8.0)
    assert state.slot_unit_s == pytest.approx(8.0)


@pytest.mark.parametrize(
    ("completions", "expected"),
    [
        # 11 completions of one unit, 1 s apart: 10 units in 10 s after the first
        ([(float(t), 1.0) for t in range(11)], 1.0),
        # 4 per second over 5 s: faster than the wall times say
        ([(t / 4, 1.0) for t in range(21)], 4.0),
        # too few to count: Little's law (4 slots / 8 s)
        ([(0.0, 1.0), (0.1, 1.0)], 0.5),
    ],
)
def test_observed_drain_rate(completions: list[tuple[float, float]], expected: float) -> None:
    state = Lane(4, AdmissionConfig(initial_unit_s=8.0, window_s=20.0, window_min=4), unit_s=8.0)
    for now, units in completions:
        state.start()
        state.finish(units, 8.0, measured=True, now=now)
    assert state.drain_per_s == pytest.approx(max(expected, 0.5), rel=1e-3)


def test_the_window_forgets_old_completions() -> None:
    state = Lane(1, AdmissionConfig(window_s=5.0, window_min=2), unit_s=100.0)
    for now in (0.0, 0.1, 0.2, 0.3, 10.0, 12.0, 14.0):
        state.start()
        state.finish(1.0, 100.0, measured=True, now=now)
    assert [t for t, _ in state.done] == [10.0, 12.0, 14.0]
    assert state.drain_per_s == pytest.approx(2 / 4.0)


def test_unmeasured_completions_do_not_count() -> None:
    state = Lane(1, AdmissionConfig(window_min=2), unit_s=1.0)
    state.start()
    state.finish(1.0, 1.0, measured=False, now=1.0)
    assert not state.done


def test_a_crowd_is_admitted_at_the_observed_rate_not_the_inflated_wall_time() -> None:
    config = AdmissionConfig(optimism=1.0, window_s=20.0, window_min=4)
    state = busy_lane(config, waiting=200)
    # wall times: 8 s a unit at 4 slots = 0.5 units/s: 201 units ahead take 402 s
    assert not state.decide("interactive", 1.0, 60.0).admitted
    # the replicas actually complete 5 units a second: 201 units ahead take about 40 s
    for i in range(51):
        state.start()
        state.finish(1.0, 8.0, measured=True, now=i / 5)
    d = state.decide("interactive", 1.0, 60.0)
    assert d.admitted, d
    assert d.wait_s == pytest.approx(201 / 5.0)


@pytest.mark.parametrize(
    ("optimism", "deadline", "admitted", "retry"),
    [
        # 40 ahead at 1 unit/s: 41 s of wait + 4 s of work = 45 s
        (1.0, 30.0, False, 15),
        (2.0, 30.0, True, 0),  # not hopeless: the shed refuses it later if it still does not fit
        (2.0, 20.0, False, 25),  # hopeless: 45 s > 2 x 20 s; Retry-After from the plain estimate
    ],
)
def test_admission_refuses_only_the_clearly_hopeless(
    optimism: float, deadline: float, admitted: bool, retry: int
) -> None:
    state = busy_lane(AdmissionConfig(optimism=optimism), unit_s=4.0, waiting=40)
    d = state.decide("interactive", 1.0, deadline)
    assert (d.admitted, d.retry_after_s) == (admitted, retry), d


def test_the_shed_uses_the_same_optimism() -> None:
    queue = [Waiting(1, 20)] * 6
    # 2 slots at 8 s a unit: the 4th waits 16 s + works 8 s = 24 s > 20 s; with optimism 1.5, 30 s allowed
    assert shed_plan(queue, 2, 2, 8.0) == [3, 4, 5]
    assert shed_plan(queue, 2, 2, 8.0, optimism=1.5) == [5]
