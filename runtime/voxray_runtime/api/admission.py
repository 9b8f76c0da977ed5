"""Deadline-based admission (pure: no I/O, no clock; the async queue is :mod:`voxray_runtime.api.admitting`).

Each model the ingress sends work to is a :class:`Lane`: ``slots`` requests may be with the model's replicas
at once (its Serve ``max_ongoing_requests`` times its replicas); the rest wait in the ingress, interactive
ones ahead of bulk ones. A request carries a deadline (``X-Request-Timeout`` seconds, else the default) and
a cost in work units (speech: its characters, text: its tokens, :func:`speech_cost`, :func:`text_cost`).

The lane learns the queue's drain rate (units per second) from completed requests, two ways, and takes the
faster (:attr:`Lane.drain_per_s`):

- by Little's law from the wall time of a request (an exponentially weighted moving average of seconds per
  unit, timed from leaving the queue to the last byte): ``slots / seconds_per_unit``. While a crowd arrives
  the proxy and the ingress take most of the CPU and these wall times read the model as several times
  slower than it is;
- as observed: the units completed over the last ``window_s`` seconds, per second. Under load this is the
  drain rate itself, whatever the replicas do inside (queue, batch).

A request is admitted unless it is clearly hopeless:

    wait = (units waiting ahead of it at its priority or better + one running request) / drain
    admit  when  wait + its own units x slots / drain <= deadline x optimism

otherwise it is refused at once with ``Retry-After``: the seconds until enough of the queue ahead has
drained for it to fit (:meth:`Lane.decide`). Being optimistic at admission costs no throughput: a waiting
request that turns out not to fit is refused before it reaches the model. :func:`shed_plan` re-checks the
waiting requests against the estimate (with the same optimism) and refuses at once those that can no longer
make their deadline; the queue's own timer refuses (503) the rest at the last moment they could still start
and finish in time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Priority = Literal["interactive", "bulk"]
#: queue order: lower first
RANK: dict[Priority, int] = {"interactive": 0, "bulk": 1}
#: why a request was refused (metrics label and problem slug suffix)
Reason = Literal["deadline", "deadline-too-short", "queue-full"]

#: a request's work units: one for the request itself plus its size
SPEECH_CHARS_PER_UNIT = 200.0
TEXT_TOKENS_PER_UNIT = 32.0


def speech_cost(chars: int) -> float:
    """Work units of a speech request of ``chars`` characters."""
    return 1.0 + max(0, chars) / SPEECH_CHARS_PER_UNIT


def text_cost(max_tokens: int) -> float:
    """Work units of a generation of at most ``max_tokens`` tokens."""
    return 1.0 + max(0, max_tokens) / TEXT_TOKENS_PER_UNIT


def retry_after(seconds: float) -> int:
    """``Retry-After`` in whole seconds: rounded up, at least 1."""
    return max(1, math.ceil(seconds - 1e-9))


@dataclass(frozen=True)
class AdmissionConfig:
    #: seconds a request may take (queue and service) when it sends no ``X-Request-Timeout``; with the
    #: longest service after a late start it stays within a client's two minutes (docs/capacity.md)
    default_deadline_s: float = 90.0
    #: the largest ``X-Request-Timeout`` honoured (larger values are taken as this)
    max_deadline_s: float = 600.0
    #: requests waiting per model in the ingress at most (memory bound); beyond: refused at once
    max_waiting: int = 2000
    #: seconds per work unit assumed before the first request of a model completes
    initial_unit_s: float = 1.0
    #: weight of the newest measurement in the moving average
    alpha: float = 0.2
    #: seconds of completions the observed drain rate looks back over
    window_s: float = 20.0
    #: completions in the window before the observed rate counts
    window_min: int = 4
    #: admission and the shed refuse only when the expected time exceeds the time left by this factor
    optimism: float = 2.0


@dataclass(frozen=True)
class Decision:
    admitted: bool
    #: the expected wait in the queue and the expected service time, in seconds
    wait_s: float
    service_s: float
    #: whole seconds after which the request would fit (0 when admitted)
    retry_after_s: int = 0
    reason: Reason | None = None

    def detail(self, model: str, deadline_s: float) -> str:
        """The refusal in words (the problem's detail)."""
        if self.reason == "queue-full":
            return (
                f"model {model} has as many requests waiting as it may hold; retry in {self.retry_after_s} s"
            )
        expected = f"expected wait {self.wait_s:.1f} s plus {self.service_s:.1f} s of work"
        if self.reason == "deadline-too-short":
            return (
                f"model {model} cannot answer within the deadline of {deadline_s:g} s even when idle "
                f"({expected}); send a longer X-Request-Timeout, or retry in {self.retry_after_s} s"
            )
        return (
            f"model {model} cannot answer within the deadline of {deadline_s:g} s ({expected}); "
            f"retry in {self.retry_after_s} s"
        )


@dataclass
class Lane:
    """One model's admission state: what runs, what waits (in units, by priority), seconds per unit."""

    slots: int
    config: AdmissionConfig
    running: int = 0
    #: requests and units waiting, by priority
    waiting_count: dict[Priority, int] = field(default_factory=lambda: {"interactive": 0, "bulk": 0})
    waiting_units: dict[Priority, float] = field(default_factory=lambda: {"interactive": 0.0, "bulk": 0.0})
    unit_s: float = 0.0
    samples: int = 0
    #: completions in the window: (when, units)
    done: deque[tuple[float, float]] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.slots = max(1, self.slots)
        self.unit_s = self.unit_s or self.config.initial_unit_s

    @property
    def waiting(self) -> int:
        return sum(self.waiting_count.values())

    @property
    def drain_per_s(self) -> float:
        """Units per second the queue drains at: the faster of Little's law on the wall times and the
        completions observed over the window."""
        little = self.slots / self.unit_s
        if len(self.done) < max(2, self.config.window_min):
            return little
        span = self.done[-1][0] - self.done[0][0]
        if span <= 0:
            return little
        # the first completion opens the window: the units after it completed within the span
        observed = (sum(u for _, u in self.done) - self.done[0][1]) / span
        return max(little, observed)

    @property
    def slot_unit_s(self) -> float:
        """Seconds a unit of work spends with the model, at today's drain rate (Little's law)."""
        return self.slots / self.drain_per_s

    def units_ahead(self, priority: Priority) -> float:
        """Units waiting that go before a new request of ``priority`` (its own priority or better)."""
        return sum(u for p, u in self.waiting_units.items() if RANK[p] <= RANK[priority])

    def can_start(self, priority: Priority) -> bool:
        """Whether a request of ``priority`` may go to the model now, without waiting."""
        return self.running < self.slots and self.units_ahead(priority) <= 0

    def expected_wait(self, priority: Priority) -> float:
        """Seconds a new request of ``priority`` is expected to wait before it reaches the model."""
        if self.can_start(priority):
            return 0.0
        # the units ahead of it, plus about one running request's worth before a slot frees
        return (self.units_ahead(priority) + 1.0) / self.drain_per_s

    def decide(self, priority: Priority, units: float, deadline_s: float) -> Decision:
        """Admit a new request unless it is clearly hopeless (its expected time exceeds ``deadline_s`` by
        the configured optimism), or refuse it with the seconds after which it would fit."""
        wait, service = self.expected_wait(priority), units * self.slot_unit_s
        drain_per_s = self.drain_per_s  # units per second
        hopeless_s = deadline_s * max(1.0, self.config.optimism)
        if service > hopeless_s:
            # no wait makes it fit: say when the queue ahead will have drained (the model is free then)
            return Decision(False, wait, service, retry_after(wait), "deadline-too-short")
        if self.waiting >= self.config.max_waiting:
            # the whole excess of the queue must drain; the oldest leave at the drain rate
            return Decision(False, wait, service, retry_after(1.0 / drain_per_s * units), "queue-full")
        if wait + service <= hopeless_s:
            return Decision(True, wait, service)
        # the work ahead must drain by (wait + service - deadline) seconds' worth before it fits
        return Decision(False, wait, service, retry_after(wait + service - deadline_s), "deadline")

    # ---- bookkeeping ------------------------------------------------------------------------------
    def enqueue(self, priority: Priority, units: float) -> None:
        self.waiting_count[priority] += 1
        self.waiting_units[priority] += units

    def dequeue(self, priority: Priority, units: float) -> None:
        """A waiting request left the queue (started, refused late, or its client went away)."""
        self.waiting_count[priority] = max(0, self.waiting_count[priority] - 1)
        left = self.waiting_units[priority] - units
        self.waiting_units[priority] = left if self.waiting_count[priority] and left > 1e-9 else 0.0

    def start(self) -> None:
        self.running += 1

    def finish(self, units: float, seconds: float, *, measured: bool, now: float | None = None) -> None:
        """A request left the model; ``measured``: it completed and its time teaches the estimate; ``now``
        (the admission clock) puts it in the window of the observed drain rate."""
        self.running = max(0, self.running - 1)
        if not measured or units <= 0 or seconds < 0:
            return
        if now is not None:
            self.done.append((now, units))
            while self.done and self.done[0][0] < now - self.config.window_s:
                self.done.popleft()
        per_unit = seconds / units
        if self.samples == 0:
            self.unit_s = per_unit
        else:
            self.unit_s += self.config.alpha * (per_unit - self.unit_s)
        self.unit_s = max(self.unit_s, 1e-4)
        self.samples += 1


@dataclass(frozen=True)
class Waiting:
    """A waiting request as :func:`shed_plan` sees it (in queue order)."""

    units: float
    #: seconds left until its deadline
    left_s: float


def shed_plan(
    queue: Sequence[Waiting], running: int, slots: int, unit_s: float, optimism: float = 1.0
) -> list[int]:
    """Positions in ``queue`` (queue order) that can no longer make their deadline with today's estimate:
    the work ahead of each (kept requests only) drains at ``slots / unit_s`` units per second (``unit_s``:
    :attr:`Lane.slot_unit_s`); hopeless: the expected time exceeds the time left by ``optimism``. Refusing
    them now lets the client retry or go elsewhere instead of timing out; those kept move up."""
    slots, optimism = max(1, slots), max(1.0, optimism)
    shed: list[int] = []
    ahead = 0.0
    busy = running >= slots
    for i, w in enumerate(queue):
        wait = 0.0 if not busy and ahead <= 0 else (ahead + 1.0) * unit_s / slots
        if wait + w.units * unit_s > w.left_s * optimism:
            shed.append(i)
            continue
        ahead += w.units
    return shed


# ---- request headers ----------------------------------------------------------------------------------
TIMEOUT_HEADER = "X-Request-Timeout"
PRIORITY_HEADER = "X-Priority"


def deadline_from(value: str | None, config: AdmissionConfig) -> float:
    """Seconds from ``X-Request-Timeout`` (absent: the default; above the maximum: the maximum); a value
    that is not a positive number raises ValueError."""
    if value is None or not value.strip():
        return config.default_deadline_s
    try:
        seconds = float(value.strip())
    except ValueError:
        raise ValueError(f"{TIMEOUT_HEADER} must be a number of seconds, not {value[:40]!r}") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{TIMEOUT_HEADER} must be a positive number of seconds, not {value[:40]!r}")
    return min(seconds, config.max_deadline_s)


def priority_from(value: str | None) -> Priority:
    """``X-Priority``: ``interactive`` (the default) or ``bulk``; anything else raises ValueError."""
    if value is None or not value.strip():
        return "interactive"
    v = value.strip().lower()
    if v == "interactive":
        return "interactive"
    if v == "bulk":
        return "bulk"
    raise ValueError(f"{PRIORITY_HEADER} must be interactive or bulk, not {value[:40]!r}")
