"""The ingress's admission queue (voxray_runtime.api.admitting) on asyncio alone: order, departures,
refusals and what it teaches itself. No Ray, no HTTP."""

from __future__ import annotations

import asyncio
import time

import pytest

from voxray_runtime.api.admission import AdmissionConfig
from voxray_runtime.api.admitting import Admission, AdmissionRefusedError, Slot, Ticket, ticket_var


class Recorder:
    def __init__(self) -> None:
        self.outcomes: list[tuple[str, str, str]] = []
        self.waiting: list[int] = []

    def admission(self, model: str, priority: str, outcome: str) -> None:
        self.outcomes.append((model, priority, outcome))

    def queue(self, model: str, waiting: int, running: int, expected_wait_s: float) -> None:
        self.waiting.append(waiting)


def admission(
    slots: int = 1, unit_s: float = 0.01, metrics: Recorder | None = None, optimism: float = 1.0
) -> Admission:
    """The queue's mechanics (optimism 1: admitted only when the estimate fits the deadline)."""
    config = AdmissionConfig(initial_unit_s=unit_s, max_waiting=50, optimism=optimism)
    return Admission({"m": slots}, config, metrics)


async def take(a: Admission, priority: str = "interactive", deadline: float = 30.0) -> Slot:
    ticket_var.set(Ticket(priority, deadline, time.monotonic()))  # type: ignore[arg-type]
    return await a.acquire("m", 1.0)


async def test_interactive_requests_go_before_bulk_ones_then_arrival_order() -> None:
    a = admission()
    first = await take(a)
    started: list[str] = []

    async def one(name: str, priority: str) -> None:
        slot = await take(a, priority)
        started.append(name)
        await asyncio.sleep(0)
        slot.release(measured=True)

    tasks = []
    for name, priority in [("b1", "bulk"), ("b2", "bulk"), ("i1", "interactive"), ("i2", "interactive")]:
        tasks.append(asyncio.create_task(one(name, priority)))
        await asyncio.sleep(0)
    lane = a.lane("m")
    assert lane is not None
    assert lane.waiting == 4
    first.release(measured=True)
    await asyncio.gather(*tasks)
    assert started == ["i1", "i2", "b1", "b2"]
    assert (lane.running, lane.waiting) == (0, 0)


async def test_a_waiting_request_whose_client_left_leaves_the_queue() -> None:
    rec = Recorder()
    a = admission(metrics=rec)
    first = await take(a)
    gone = asyncio.create_task(take(a))
    await asyncio.sleep(0.01)
    kept = asyncio.create_task(take(a))
    await asyncio.sleep(0.01)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    lane = a.lane("m")
    assert lane is not None
    assert lane.waiting == 1
    first.release(measured=True)
    slot = await asyncio.wait_for(kept, 5)
    slot.release(measured=True)
    assert ("m", "interactive", "gone") in rec.outcomes
    assert (lane.running, lane.waiting) == (0, 0)


async def test_an_impossible_deadline_is_refused_at_once_with_a_retry_after() -> None:
    a = admission(slots=1, unit_s=2.0)
    t0 = time.monotonic()
    with pytest.raises(AdmissionRefusedError) as refused:
        await take(a, deadline=0.5)
    assert time.monotonic() - t0 < 0.1
    assert refused.value.status == 429
    problem = refused.value.problem()
    assert int(problem.headers["Retry-After"]) >= 1
    assert "X-Request-Timeout" in problem.detail


async def test_a_long_queue_refuses_at_once_with_the_seconds_to_drain() -> None:
    a = admission(slots=1, unit_s=1.0)
    first = await take(a)
    waiting = [asyncio.create_task(take(a, deadline=600)) for _ in range(3)]
    await asyncio.sleep(0.01)
    with pytest.raises(AdmissionRefusedError) as refused:
        await take(a, deadline=3.0)  # 3 ahead + 1 running at 1 s each: 4 s of wait, then 1 s of work
    assert refused.value.status == 429
    assert refused.value.retry_after_s in (2, 3)  # 2 s of the queue must drain (the clock moved on)
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    first.release(measured=False)


async def test_optimism_admits_what_may_fit_and_the_queue_refuses_it_in_time_if_it_does_not() -> None:
    a = admission(slots=1, unit_s=1.0, optimism=2.0)
    first = await take(a)
    waiting = [asyncio.create_task(take(a, deadline=600)) for _ in range(3)]
    await asyncio.sleep(0.01)
    # 4 s of wait + 1 s of work against 3 s: not hopeless (<= 2 x 3 s), admitted; it waits until its
    # deadline less its work, then 503 with Retry-After (nothing drained meanwhile)
    t0 = time.monotonic()
    with pytest.raises(AdmissionRefusedError) as refused:
        await take(a, deadline=3.0)
    assert refused.value.status == 503
    assert 1.5 < time.monotonic() - t0 < 2.5
    assert refused.value.retry_after_s >= 1
    # 2 x 2 s < 5 s: hopeless, refused at once
    with pytest.raises(AdmissionRefusedError) as hopeless:
        await take(a, deadline=2.0)
    assert hopeless.value.status == 429
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    first.release(measured=False)


async def test_requests_that_can_no_longer_make_their_deadline_are_refused_while_waiting() -> None:
    rec = Recorder()
    a = admission(slots=1, unit_s=0.01, metrics=rec)  # a wildly optimistic first estimate
    first = await take(a)
    waiting = [asyncio.create_task(take(a, deadline=1.0)) for _ in range(5)]
    await asyncio.sleep(0.3)
    first.release(measured=True)  # 0.3 s for one unit: the queue of 5 cannot be done within 1 s
    results = await asyncio.gather(*waiting, return_exceptions=True)
    refused = [r for r in results if isinstance(r, AdmissionRefusedError)]
    served = [r for r in results if isinstance(r, Slot)]
    assert refused, results
    assert served, results
    assert all(r.status == 503 and r.retry_after_s >= 1 for r in refused)
    assert ("m", "interactive", "shed") in rec.outcomes
    for s in served:
        s.release(measured=False)


async def test_models_without_a_lane_pass_straight_through() -> None:
    a = admission()
    slot = await a.acquire("other", 1.0)
    slot.release(measured=True)
    slot.release(measured=True)  # idempotent
