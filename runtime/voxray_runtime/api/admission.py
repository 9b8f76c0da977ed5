"""Deadline-based admission (pure: no I/O, no clock; the async queue is :mod:`voxray_runtime.api.admitting`).

Each model the ingress sends work to is a :class:`Lane`: ``slots`` requests may be with the model's replicas
at once (its Serve ``max_ongoing_requests`` times its replicas); the rest wait in the ingress, interactive
ones ahead of bulk ones. A request carries a deadline (``X-Request-Timeout`` seconds, else the default) and
a cost in work units (speech: its characters, text: its tokens, :func:`speech_cost`, :func:`text_cost`).

The lane learns how long a unit of work takes from completed requests (an exponentially weighted moving
average of seconds per unit, timed from leaving the queue to the last byte). By Little's law the queue then
drains at ``slots / seconds_per_unit`` units per second, whether the replicas queue or batch internally or
not. A request is admitted when the work ahead of it drains and its own work fits in its deadline:

    wait = (units waiting ahead of it at its priority or better + one running request) x s/unit / slots
    admit  when  wait + its own units x s/unit <= deadline

otherwise it is refused at once with ``Retry-After``: the seconds until enough of the queue ahead has
drained for it to fit (:meth:`Lane.decide`). Estimates improve as requests complete; :func:`shed_plan`
re-checks the waiting requests against them and refuses at once those that can no longer make their
deadline, rather than letting them time out in the queue.
"""

from __future__ import annotations

import math
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
    #: seconds a request may take (queue and service) when it sends no ``X-Request-Timeout``
    default_deadline_s: float = 60.0
    #: the largest ``X-Request-Timeout`` honoured (larger values are taken as this)
    max_deadline_s: float = 600.0
    #: requests waiting per model in the ingress at most (memory bound); beyond: refused at once
    max_waiting: int = 2000
    #: seconds per work unit assumed before the first request of a model completes
    initial_unit_s: float = 1.0
    #: weight of the newest measurement in the moving average
    alpha: float = 0.2


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

    def __post_init__(self) -> None:
        self.slots = max(1, self.slots)
        self.unit_s = self.unit_s or self.config.initial_unit_s

    @property
    def waiting(self) -> int:
        return sum(self.waiting_count.values())

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
        return (self.units_ahead(priority) + 1.0) * self.unit_s / self.slots

    def decide(self, priority: Priority, units: float, deadline_s: float) -> Decision:
        """Admit a new request, or refuse it with the seconds after which it would fit."""
        wait, service = self.expected_wait(priority), units * self.unit_s
        drain_per_s = self.slots / self.unit_s  # units per second
        if service > deadline_s:
            # no wait makes it fit: say when the queue ahead will have drained (the model is free then)
            return Decision(False, wait, service, retry_after(wait), "deadline-too-short")
        if self.waiting >= self.config.max_waiting:
            # the whole excess of the queue must drain; the oldest leave at the drain rate
            return Decision(False, wait, service, retry_after(1.0 / drain_per_s * units), "queue-full")
        if wait + service <= deadline_s:
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

    def finish(self, units: float, seconds: float, *, measured: bool) -> None:
        """A request left the model; ``measured``: it completed and its time teaches the estimate."""
        self.running = max(0, self.running - 1)
        if not measured or units <= 0 or seconds < 0:
            return
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


def shed_plan(queue: Sequence[Waiting], running: int, slots: int, unit_s: float) -> list[int]:
    """Positions in ``queue`` (queue order) that can no longer make their deadline with today's estimate:
    the work ahead of each (kept requests only) drains at ``slots / unit_s`` units per second. Refusing them
    now lets the client retry or go elsewhere instead of timing out; those kept move up."""
    slots = max(1, slots)
    shed: list[int] = []
    ahead = 0.0
    busy = running >= slots
    for i, w in enumerate(queue):
        wait = 0.0 if not busy and ahead <= 0 else (ahead + 1.0) * unit_s / slots
        if wait + w.units * unit_s > w.left_s:
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
