"""Single flight: identical requests in flight at once share one piece of work (pure asyncio, no I/O).

The ingress coalesces identical non-streamed speech requests (:class:`~voxray_runtime.api.admitting.
AdmittedSpeechBackend`): the first starts the synthesis as a task of its own (so that its client going away
does not fail the others), the identical ones that arrive while it runs wait for the same result, and every
one of them gets the same bytes. A joined request costs no admission capacity. The work is cancelled only
when every waiter has gone. Bounded: at most ``max_flights`` keys at once (beyond, a request runs alone).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass(eq=False)
class _Flight(Generic[V]):
    task: asyncio.Future[V]
    #: the flight's own deadline (admission clock): a request joins only a flight that ends before its own
    deadline_at: float
    waiters: int = 0


def _retrieve(task: asyncio.Future[object]) -> None:
    """Mark a finished flight's exception seen (its waiters may all have gone)."""
    if not task.cancelled():
        task.exception()


#: seconds a flight's deadline may lie past a joining request's own: requests sent together reach the
#: coalescing point in another order than they arrived (their deadlines are set on arrival), and a
#: millisecond's inversion must not make identical requests run alone
JOIN_SLACK_S = 1.0


class SingleFlight(Generic[V]):
    def __init__(self, max_flights: int = 1024, join_slack_s: float = JOIN_SLACK_S) -> None:
        self.max_flights = max_flights
        self.join_slack_s = join_slack_s
        self._flights: dict[Hashable, _Flight[V]] = {}

    def __len__(self) -> int:
        return len(self._flights)

    async def run(
        self, key: Hashable, deadline_at: float, work: Callable[[], Awaitable[V]]
    ) -> tuple[V, bool]:
        """``work()``'s result and whether this call joined a flight already under way for ``key`` (one
        whose deadline is no later than ``deadline_at`` plus ``join_slack_s``, so that it answers, or is
        refused, in time)."""
        flight = self._flights.get(key)
        joined = flight is not None and flight.deadline_at <= deadline_at + self.join_slack_s
        if flight is None or not joined:
            if flight is not None or len(self._flights) >= self.max_flights:
                return await work(), False  # a later deadline than the flight's, or too many flights
            flight = self._start(key, deadline_at, work)
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task), joined
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                flight.task.cancel()  # everyone waiting for it went away

    def _start(self, key: Hashable, deadline_at: float, work: Callable[[], Awaitable[V]]) -> _Flight[V]:
        # the task copies the current context: the first request's admission ticket
        task: asyncio.Future[V] = asyncio.ensure_future(work())
        flight = _Flight(task, deadline_at)
        self._flights[key] = flight

        def done(t: asyncio.Future[V]) -> None:
            if self._flights.get(key) is flight:
                del self._flights[key]
            _retrieve(t)  # type: ignore[arg-type]

        task.add_done_callback(done)
        return flight
