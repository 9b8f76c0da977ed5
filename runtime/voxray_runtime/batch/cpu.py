"""CPU accounting of the synthesis worker processes (the utilisation the ceiling applies to)."""

from __future__ import annotations

import contextlib
import importlib
from typing import Any


class CpuTracker:
    """Summed CPU seconds of the worker processes since each was first seen.

    Local workers (on the driver's node) are read live with psutil; remote ones through the
    cumulative value each reports with its results.
    """

    def __init__(self, local_node: str) -> None:
        self.local_node = local_node
        self._base: dict[int, float] = {}
        self._latest: dict[int, float] = {}
        self._procs: dict[int, Any] = {}
        #: CPU seconds of work that began before its process was first seen
        self.missed = 0.0

    def see(self, pid: int, node: str, cpu_seconds: float, since: float | None = None) -> None:
        """Record a worker's cumulative CPU; ``since``: its value when the work first seen here began.

        The CPU a process spent before it was first seen (a task worker's first file) cannot be placed
        in time: it counts in ``missed`` (the run's total) rather than as a jump in the window.
        """
        if pid not in self._base:
            self._base[pid] = cpu_seconds
            if since is not None and since < cpu_seconds:
                self.missed += cpu_seconds - since
            if node == self.local_node:
                with contextlib.suppress(Exception):
                    psutil: Any = importlib.import_module("psutil")
                    self._procs[pid] = psutil.Process(pid)
        self._latest[pid] = max(self._latest.get(pid, cpu_seconds), cpu_seconds)

    def total(self) -> float:
        for pid, proc in list(self._procs.items()):
            try:
                t = proc.cpu_times()
                used = t.user + t.system + t.children_user + t.children_system
                self._latest[pid] = max(self._latest[pid], float(used))
            except Exception:
                self._procs.pop(pid, None)
        return sum(self._latest[p] - self._base[p] for p in self._base)
