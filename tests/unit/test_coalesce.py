"""Single flight (voxray_runtime.api.coalesce): identical requests in flight share one piece of work."""

from __future__ import annotations

import asyncio

import pytest

from voxray_runtime.api.coalesce import SingleFlight


class Work:
    """Counts its runs; each run waits for ``gate`` and returns ``value`` (or raises ``error``)."""

    def __init__(self, value: str = "audio", error: Exception | None = None) -> None:
        self.runs, self.value, self.error = 0, value, error
        self.gate = asyncio.Event()

    async def __call__(self) -> str:
        self.runs += 1
        await self.gate.wait()
        if self.error is not None:
            raise self.error
        return self.value


async def test_identical_calls_in_flight_share_one_run() -> None:
    flights: SingleFlight[str] = SingleFlight()
    work = Work()
    calls = [asyncio.create_task(flights.run("k", 10.0 + i, work)) for i in range(20)]
    await asyncio.sleep(0)
    work.gate.set()
    out = await asyncio.gather(*calls)
    assert work.runs == 1
    assert [v for v, _ in out] == ["audio"] * 20
    assert [joined for _, joined in out] == [False] + [True] * 19
    assert len(flights) == 0  # forgotten once done


async def test_different_keys_run_apart_and_a_finished_flight_is_not_reused() -> None:
    flights: SingleFlight[str] = SingleFlight()
    work = Work()
    work.gate.set()
    a = await flights.run("a", 10.0, work)
    b = await flights.run("b", 10.0, work)
    again = await flights.run("a", 10.0, work)
    assert work.runs == 3
    assert (a[1], b[1], again[1]) == (False, False, False)


async def test_a_later_deadline_does_not_join_an_earlier_flight_and_an_earlier_one_does() -> None:
    flights: SingleFlight[str] = SingleFlight()
    work = Work()
    first = asyncio.create_task(flights.run("k", 10.0, work))
    await asyncio.sleep(0)
    shorter = asyncio.create_task(flights.run("k", 5.0, work))  # would wait past its own deadline
    longer = asyncio.create_task(flights.run("k", 20.0, work))
    await asyncio.sleep(0)
    work.gate.set()
    assert [(await t)[1] for t in (first, shorter, longer)] == [False, False, True]
    assert work.runs == 2


async def test_a_deadline_a_moment_earlier_still_joins() -> None:
    # requests sent together: their deadlines, set on arrival, differ by milliseconds, and they may reach
    # the coalescing point in another order
    flights: SingleFlight[str] = SingleFlight(join_slack_s=1.0)
    work = Work()
    first = asyncio.create_task(flights.run("k", 10.0, work))
    await asyncio.sleep(0)
    earlier = asyncio.create_task(flights.run("k", 9.995, work))
    much_earlier = asyncio.create_task(flights.run("k", 8.5, work))
    await asyncio.sleep(0)
    work.gate.set()
    assert [(await t)[1] for t in (first, earlier, much_earlier)] == [False, True, False]
    assert work.runs == 2


async def test_an_error_reaches_every_waiter() -> None:
    flights: SingleFlight[str] = SingleFlight()
    work = Work(error=RuntimeError("engine failed"))
    calls = [asyncio.create_task(flights.run("k", 10.0, work)) for _ in range(3)]
    await asyncio.sleep(0)
    work.gate.set()
    out = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(e, RuntimeError) for e in out)
    assert work.runs == 1


async def test_the_first_client_going_away_does_not_fail_the_others() -> None:
    flights: SingleFlight[str] = SingleFlight()
    work = Work()
    first = asyncio.create_task(flights.run("k", 10.0, work))
    await asyncio.sleep(0)
    second = asyncio.create_task(flights.run("k", 10.0, work))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    work.gate.set()
    assert await second == ("audio", True)
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_the_work_is_cancelled_when_every_waiter_has_gone() -> None:
    flights: SingleFlight[str] = SingleFlight()
    work = Work()
    calls = [asyncio.create_task(flights.run("k", 10.0, work)) for _ in range(2)]
    await asyncio.sleep(0)
    flight_task = next(iter(flights._flights.values())).task
    for c in calls:
        c.cancel()
    await asyncio.gather(*calls, return_exceptions=True)
    await asyncio.sleep(0)
    assert flight_task.cancelled()
    assert len(flights) == 0


async def test_bounded_beyond_max_flights_calls_run_alone() -> None:
    flights: SingleFlight[str] = SingleFlight(max_flights=1)
    work = Work()
    a = asyncio.create_task(flights.run("a", 10.0, work))
    await asyncio.sleep(0)
    b = asyncio.create_task(flights.run("b", 10.0, work))
    b2 = asyncio.create_task(flights.run("b", 10.0, work))
    await asyncio.sleep(0)
    assert len(flights) == 1
    work.gate.set()
    assert [(await t)[1] for t in (a, b, b2)] == [False, False, False]
    assert work.runs == 3
