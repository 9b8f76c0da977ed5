"""The ingress's admission queue: :mod:`voxray_runtime.api.admission`'s policy with asyncio around it.

- :class:`AdmissionMiddleware` reads a request's ``X-Request-Timeout`` and ``X-Priority`` (a bad value is a
  400) into a :class:`Ticket` that the request's task carries (a context variable);
- :class:`Admission` keeps a :class:`~voxray_runtime.api.admission.Lane` and a priority queue per model:
  :meth:`Admission.acquire` admits a request (or raises :class:`AdmissionRefusedError`: 429 with
  Retry-After), waits for a free slot (interactive first, then in arrival order), and hands back a
  :class:`Slot` whose release teaches the lane how long the work took. A waiting request whose client went
  away (its task cancelled) leaves the queue; one that can no longer make its deadline is refused (503);
- :class:`AdmittedSpeechBackend` and :class:`AdmittedTextBackend` put it in front of the model backends;
  identical non-streamed speech requests in flight at once share one synthesis
  (:mod:`voxray_runtime.api.coalesce`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import itertools
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.datastructures import Headers

from voxray_runtime.api.admission import (
    PRIORITY_HEADER,
    RANK,
    TIMEOUT_HEADER,
    AdmissionConfig,
    Lane,
    Priority,
    Waiting,
    deadline_from,
    priority_from,
    retry_after,
    shed_plan,
    speech_cost,
    text_cost,
)
from voxray_runtime.api.coalesce import SingleFlight
from voxray_runtime.api.errors import Problem
from voxray_runtime.api.guard import ASGIApp, Receive, Scope, Send, send_problem
from voxray_runtime.api.metrics import AdmissionMetrics, NullAdmissionMetrics
from voxray_runtime.api.schemas import ModelInfo
from voxray_runtime.api.service import Backend
from voxray_runtime.api.text_schemas import TextModelInfo
from voxray_runtime.api.text_service import TextBackend, TextJob
from voxray_runtime.speech.job import SpeechJob, SpeechResult

Clock = Callable[[], float]
#: waiting requests are re-checked against the estimates at most this often (per model)
SHED_EVERY_S = 0.25


@dataclass(frozen=True)
class Ticket:
    priority: Priority
    deadline_s: float
    #: when the request arrived (the admission clock)
    arrived: float


ticket_var: ContextVar[Ticket | None] = ContextVar("voxray_admission_ticket", default=None)


class AdmissionRefusedError(RuntimeError):
    """Not admitted (429) or refused while waiting (503), with the seconds after which to retry."""

    def __init__(self, status: int, slug: str, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail, self.retry_after_s = status, slug, detail, retry_after_s

    def problem(self) -> Problem:
        title = "Too many requests" if self.status == 429 else "Overloaded"
        return Problem(
            self.status, self.slug, title, self.detail, headers={"Retry-After": str(self.retry_after_s)}
        )

    def event(self) -> dict[str, Any]:
        """As a text backend's error event."""
        return {
            "event": "error",
            "status": self.status,
            "slug": self.slug,
            "detail": self.detail,
            "retry_after_s": self.retry_after_s,
        }


@dataclass(eq=False)
class _Entry:
    priority: Priority
    units: float
    deadline_at: float
    future: asyncio.Future[None]
    state: Literal["waiting", "started", "left"] = "waiting"


@dataclass
class _Queue:
    lane: Lane
    heap: list[tuple[int, int, _Entry]] = field(default_factory=list)
    last_shed: float = 0.0


class Slot:
    """A request's place with its model; :meth:`release` (idempotent) frees it, ``measured`` when the request
    completed so that its time teaches the estimate."""

    def __init__(self, admission: Admission | None, model: str, units: float, started: float) -> None:
        self._admission, self.model, self.units, self.started = admission, model, units, started

    def release(self, *, measured: bool) -> None:
        admission, self._admission = self._admission, None
        if admission is not None:
            admission.release(self, measured=measured)


class Admission:
    def __init__(
        self,
        slots: Mapping[str, int],
        config: AdmissionConfig | None = None,
        metrics: AdmissionMetrics | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.config = config or AdmissionConfig()
        self._queues = {m: _Queue(Lane(n, self.config)) for m, n in slots.items()}
        self._metrics = metrics or NullAdmissionMetrics()
        self._clock = clock
        self._seq = itertools.count()

    def lane(self, model: str) -> Lane | None:
        q = self._queues.get(model)
        return q.lane if q else None

    def coalesced(self, model: str, priority: Priority) -> None:
        """A request was answered by an identical one in flight (counted; it took no slot)."""
        self._metrics.admission(model, priority, "coalesced")

    def ticket(self) -> Ticket:
        """The current request's ticket (a default one outside a request)."""
        found = ticket_var.get()
        return found or Ticket("interactive", self.config.default_deadline_s, self._clock())

    async def acquire(self, model: str, units: float) -> Slot:
        """A slot with ``model`` for the current request, after waiting its turn; refused at once (429)
        when it cannot be answered within its deadline, or while waiting (503) when it no longer can."""
        q = self._queues.get(model)
        if q is None:  # not a model the ingress admits for (nothing to wait for)
            return Slot(None, model, units, self._clock())
        t, now = self.ticket(), self._clock()
        left = t.deadline_s - (now - t.arrived)
        lane = q.lane
        d = lane.decide(t.priority, units, left)
        if not d.admitted:
            self._metrics.admission(model, t.priority, f"refused-{d.reason}")
            slug = "queue-full" if d.reason == "queue-full" else "deadline-unreachable"
            raise AdmissionRefusedError(429, slug, d.detail(model, t.deadline_s), d.retry_after_s)
        self._metrics.admission(model, t.priority, "admitted")
        if lane.can_start(t.priority):
            lane.start()
        else:
            await self._wait(model, q, t.priority, units, now + left)
        self._report(model, q)
        return Slot(self, model, units, self._clock())

    async def _wait(
        self, model: str, q: _Queue, priority: Priority, units: float, deadline_at: float
    ) -> None:
        entry = _Entry(priority, units, deadline_at, asyncio.get_running_loop().create_future())
        heapq.heappush(q.heap, (RANK[priority], next(self._seq), entry))
        q.lane.enqueue(priority, units)
        self._report(model, q)
        # it must leave the queue in time to do its own work before the deadline
        patience = max(0.0, deadline_at - self._clock() - units * q.lane.slot_unit_s)
        try:
            await asyncio.wait_for(entry.future, timeout=patience)
        except TimeoutError:
            if entry.state == "started":  # it got its slot as the timer fired
                return
            self._leave(q, entry)
            self._metrics.admission(model, priority, "expired")
            wait = retry_after(q.lane.expected_wait(priority))
            raise AdmissionRefusedError(
                503,
                "deadline-unreachable",
                f"model {model} could not start this request in time for its deadline; retry in {wait} s",
                wait,
            ) from None
        except asyncio.CancelledError:  # the client went away (or the request was cancelled)
            if entry.state == "started":
                self.release(Slot(None, model, units, 0.0), measured=False)
            else:
                self._leave(q, entry)
                self._metrics.admission(model, priority, "gone")
            raise
        finally:
            if len(q.heap) > 2 * q.lane.waiting + 64:  # forget entries that left
                q.heap = [e for e in q.heap if e[2].state == "waiting"]
                heapq.heapify(q.heap)

    def _leave(self, q: _Queue, entry: _Entry) -> None:
        if entry.state == "waiting":
            entry.state = "left"
            q.lane.dequeue(entry.priority, entry.units)

    def release(self, slot: Slot, *, measured: bool) -> None:
        q = self._queues.get(slot.model)
        if q is None:
            return
        now = self._clock()
        q.lane.finish(slot.units, now - slot.started, measured=measured, now=now)
        self._wake(slot.model, q)

    def _wake(self, model: str, q: _Queue) -> None:
        lane = q.lane
        while lane.running < lane.slots and q.heap:
            _, _, entry = heapq.heappop(q.heap)
            if entry.state != "waiting":
                continue
            if entry.future.done():  # cancelled by its timer, not yet seen by its task
                self._leave(q, entry)
                continue
            entry.state = "started"
            lane.dequeue(entry.priority, entry.units)
            lane.start()
            entry.future.set_result(None)
        now = self._clock()
        if q.heap and now - q.last_shed >= SHED_EVERY_S:
            q.last_shed = now
            self._shed(model, q, now)
        self._report(model, q)

    def _shed(self, model: str, q: _Queue, now: float) -> None:
        """Refuse now the waiting requests that today's estimate says cannot make their deadline."""
        live = sorted(e for e in q.heap if e[2].state == "waiting")
        lane = q.lane
        plan = shed_plan(
            [Waiting(e.units, e.deadline_at - now) for _, _, e in live],
            lane.running,
            lane.slots,
            lane.slot_unit_s,
            self.config.optimism,
        )
        for i in plan:
            entry = live[i][2]
            self._leave(q, entry)
            self._metrics.admission(model, entry.priority, "shed")
            wait = retry_after(lane.expected_wait(entry.priority))
            detail = (
                f"model {model} is slower than estimated when this request was admitted and cannot "
                f"answer it within its deadline; retry in {wait} s"
            )
            entry.future.set_exception(AdmissionRefusedError(503, "deadline-unreachable", detail, wait))

    def _report(self, model: str, q: _Queue) -> None:
        lane = q.lane
        self._metrics.queue(model, lane.waiting, lane.running, lane.expected_wait("bulk"))


class AdmittedSpeechBackend:
    """A speech backend whose synthesis and streams wait their turn with :class:`Admission`."""

    def __init__(self, inner: Backend, admission: Admission, max_flights: int = 1024) -> None:
        self._inner, self._admission = inner, admission
        self._flights: SingleFlight[SpeechResult] = SingleFlight(max_flights)

    async def synthesize(self, job: SpeechJob) -> SpeechResult:
        """One synthesis for identical requests in flight at once (all but the request id alike, and of the
        same priority)."""
        t = self._admission.ticket()
        key = (t.priority, dataclasses.replace(job, request_id=""))
        try:
            hash(key)
        except TypeError:  # a field that cannot be compared safely: no coalescing
            return await self._synthesize(job)
        try:
            out, joined = await self._flights.run(
                key, t.arrived + t.deadline_s, lambda: self._synthesize(job)
            )
        except AdmissionRefusedError as exc:  # each waiter raises its own copy
            raise AdmissionRefusedError(exc.status, exc.slug, exc.detail, exc.retry_after_s) from None
        if joined:
            self._admission.coalesced(job.model, t.priority)
            return dataclasses.replace(out, coalesced=True)
        return out

    async def _synthesize(self, job: SpeechJob) -> SpeechResult:
        slot = await self._admission.acquire(job.model, speech_cost(job.chars))
        measured = False
        try:
            out = await self._inner.synthesize(job)
            measured = True
            return out
        finally:
            slot.release(measured=measured)

    async def stream(self, job: SpeechJob) -> AsyncIterator[bytes]:
        slot = await self._admission.acquire(job.model, speech_cost(job.chars))
        measured = False
        try:
            async for piece in self._inner.stream(job):
                yield piece
            measured = True
        finally:
            slot.release(measured=measured)

    async def models(self) -> list[ModelInfo]:
        return await self._inner.models()

    async def health(self) -> dict[str, bool]:
        return await self._inner.health()


class AdmittedTextBackend:
    """A text backend whose generations wait their turn with :class:`Admission` (a refusal is an error
    event, as the model's own are)."""

    def __init__(self, inner: TextBackend, admission: Admission) -> None:
        self._inner, self._admission = inner, admission

    async def generate(self, job: TextJob) -> AsyncGenerator[dict[str, Any]]:
        try:
            slot = await self._admission.acquire(job.model.name, text_cost(job.params.max_tokens))
        except AdmissionRefusedError as exc:
            yield exc.event()
            return
        measured = False
        try:
            async for ev in self._inner.generate(job):
                yield ev
            measured = True
        finally:
            slot.release(measured=measured)

    async def complete(self, job: TextJob) -> dict[str, Any]:
        try:
            slot = await self._admission.acquire(job.model.name, text_cost(job.params.max_tokens))
        except AdmissionRefusedError as exc:
            return exc.event()
        measured = False
        try:
            res = await self._inner.complete(job)
            measured = res.get("event") != "error"
            return res
        finally:
            slot.release(measured=measured)

    async def models(self) -> list[TextModelInfo]:
        return await self._inner.models()

    async def health(self) -> dict[str, bool]:
        return await self._inner.health()


class AdmissionMiddleware:
    """Reads ``X-Request-Timeout`` and ``X-Priority`` into the request's :class:`Ticket` (400 when bad)."""

    def __init__(self, app: ASGIApp, config: AdmissionConfig, clock: Clock = time.monotonic) -> None:
        self.app, self.config, self.clock = app, config, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            deadline = deadline_from(headers.get(TIMEOUT_HEADER), self.config)
            priority = priority_from(headers.get(PRIORITY_HEADER))
        except ValueError as exc:
            problem = Problem(400, "invalid-request", "Invalid request", str(exc))
            await send_problem(send, problem, str(scope.get("path", "")), scope)
            return
        token = ticket_var.set(Ticket(priority, deadline, self.clock()))
        try:
            await self.app(scope, receive, send)
        finally:
            ticket_var.reset(token)
