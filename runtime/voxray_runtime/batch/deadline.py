"""How long the driver waits for one file, and for a pool that has no worker left. Pure: table-tested.

A call in flight is never waited on forever: a worker whose node died, a replacement that no node can
place, a task queued for resources that left with a node all look the same from the driver (an
ObjectRef that does not resolve). Each file gets a deadline from its text (engines take time in
proportion to the characters they speak), after which its call is abandoned (the worker killed, the
task cancelled) and the file retried elsewhere or failed with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass

#: seconds every file is allowed whatever its length (a worker's first call, a slow shared node)
BASE_S = 120.0
#: seconds per character of text on top (CPU engines speak well over 20 characters a second; this is
#: a bound on a stuck call, not an estimate of a slow one)
PER_CHAR_S = 0.5
#: the longest deadline a file gets from its text
MAX_S = 3600.0


def item_deadline_s(chars: int, fixed: float | None = None) -> float:
    """Seconds a call rendering ``chars`` characters may take: ``fixed`` when given, else
    ``BASE_S + PER_CHAR_S x chars`` up to ``MAX_S``."""
    if fixed is not None:
        if fixed <= 0:
            raise ValueError("the item deadline must be positive")
        return float(fixed)
    return min(MAX_S, BASE_S + PER_CHAR_S * max(0, chars))


@dataclass
class Stall:
    """Whether a pool with work waiting has had no worker able to take it for too long (the nodes that
    could place one are gone): then the waiting files fail with the reason instead of waiting forever."""

    since: float | None = None

    def see(self, now: float, waiting: bool, workers: int) -> float:
        """Record a pass; returns the seconds the pool has stood with work waiting and no worker."""
        if not waiting or workers > 0:
            self.since = None
            return 0.0
        if self.since is None:
            self.since = now
        return now - self.since
