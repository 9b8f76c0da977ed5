"""A callback once a server goes quiet after a burst: what hands the heap a crowd left behind back to the
operating system (``serve/heap.py``).

After thousands of requests at once a Python process keeps the memory their buffers took: freed, but held
by the allocator's arenas, so resident memory stays at the burst's peak for good. Giving it back costs a
few milliseconds to a few hundred (a garbage collection and ``malloc_trim``), which is why it runs only
when nothing is in flight, ``quiet_s`` after the last request ended, and only after at least
``min_requests`` requests since the last time: a steady trickle never pays for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

_log = logging.getLogger("voxray.api")

#: seconds with nothing in flight before the callback runs
QUIET_S = 5.0
#: requests since the last run that make a run worth it
MIN_REQUESTS = 32


class IdleTrigger:
    """Counts work in flight (``enter``/``exit`` on one event loop) and runs ``on_idle`` in a worker thread
    once ``quiet_s`` have passed with nothing in flight after ``min_requests`` or more since the last run."""

    def __init__(
        self, on_idle: Callable[[], object], quiet_s: float = QUIET_S, min_requests: int = MIN_REQUESTS
    ) -> None:
        self.on_idle = on_idle
        self.quiet_s = quiet_s
        self.min_requests = min_requests
        self.inflight = 0
        self.since_last = 0
        self.runs = 0
        self._timer: asyncio.TimerHandle | None = None

    def enter(self) -> None:
        self.inflight += 1
        self.since_last += 1

    def exit(self) -> None:
        self.inflight -= 1
        if self.inflight == 0 and self.since_last >= self.min_requests:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = asyncio.get_running_loop().call_later(self.quiet_s, self._fire)

    def _fire(self) -> None:
        self._timer = None
        if self.inflight or self.since_last < self.min_requests:
            return  # busy again: the next quiet moment will do
        self.since_last = 0
        self.runs += 1
        future = asyncio.get_running_loop().run_in_executor(None, self.on_idle)
        future.add_done_callback(_logged)


def _logged(future: asyncio.Future[object]) -> None:
    exc = future.exception()
    if exc is not None:
        _log.warning("idle callback failed: %s: %s", type(exc).__name__, exc)


class IdleMiddleware:
    """ASGI middleware around an :class:`IdleTrigger`: every HTTP request counts as work in flight."""

    def __init__(self, app: ASGIApp, trigger: IdleTrigger) -> None:
        self.app = app
        self.trigger = trigger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.trigger.enter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.trigger.exit()
