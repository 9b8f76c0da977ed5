"""The engine sessions of one model replica, shared by its calls (threads, no Ray)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
W = TypeVar("W")


class SessionPool(Generic[W]):
    """Engine sessions (one ModelWorker each) shared by the replica's calls, one call per session at a time.

    As many threads as sessions take calls in the order they come; each borrows a free session. A call
    marked ``lead`` runs on the ``lead`` session (every core) instead, holding every other session, when
    it finds them all free and no call waiting; otherwise it runs like any other call.
    """

    def __init__(self, workers: Sequence[W], name: str, lead: W | None = None) -> None:
        if not workers:
            raise ValueError("a session pool needs at least one session")
        self.size = len(workers)
        self._free: list[W] = list(workers)
        self._lead = lead
        self._waiting = 0
        self._slots = threading.Condition()
        self._threads = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix=f"engine-{name}")
        #: calls that ran on the lead session (for tests and metrics)
        self.lead_calls = 0

    def _call(self, fn: Callable[[W], T], lead: bool, started: Callable[[], None] | None) -> T:
        with self._slots:
            wide = lead and self._lead is not None and len(self._free) == self.size and not self._waiting
            if wide:
                held, self._free = self._free, []
                self.lead_calls += 1
            else:
                self._waiting += 1
                while not self._free:
                    self._slots.wait()
                self._waiting -= 1
                held = [self._free.pop()]
        session = self._lead if wide and self._lead is not None else held[0]
        if started is not None:
            started()
        try:
            return fn(session)
        finally:
            with self._slots:
                self._free.extend(held)
                self._slots.notify_all()

    async def run(
        self, fn: Callable[[W], T], *, lead: bool = False, started: Callable[[], None] | None = None
    ) -> T:
        """``fn`` on a session; ``started`` is called (on the engine thread) once it has its session."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._call, fn, lead, started)
