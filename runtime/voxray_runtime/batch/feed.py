"""Rendering the files still to do on a pool of workers: size the pool under the utilisation ceiling,
feed it with backpressure (``DEPTH`` calls in flight per worker, ``ray.wait``), hold submissions while
the measured utilisation is over the ceiling, append one manifest line per file, retry failures with
exponential backoff, then render again what did not verify (``ROUNDS``).

Nothing is waited on forever: every call has a deadline from its text (deadline.py); a worker lost with
its node is replaced once per generation (raypool.py) and its files retried on the workers left; files
that wait while no worker can be placed fail with that reason. Retries and pool changes are said as
they happen and listed in summary.json (``retried``, ``pool_changes``, ``nodes``)."""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from voxray_runtime.batch.cpu import CpuTracker
from voxray_runtime.batch.deadline import Stall, item_deadline_s
from voxray_runtime.batch.manifest import ManifestWriter, is_complete, read_entries
from voxray_runtime.batch.plan import Plan, WorkItem
from voxray_runtime.batch.policy import PoolSize, UtilisationMeter, next_attempt, size_pool
from voxray_runtime.batch.publishing import settings_of
from voxray_runtime.batch.raypool import Pool, available_cpus, driver_node, is_actor_death, make_pool
from voxray_runtime.batch.report import Reporter
from voxray_runtime.batch.state import PoolInfo, RunState, UtilisationInfo
from voxray_runtime.batch.worker import RenderResult, RenderSettings

#: seconds between utilisation samples / scheduling passes
TICK_S = 0.2
#: rounds of (render -> verify): a file found mismatched at compaction (a write from a killed run's
#: straggler, say) is rendered again
ROUNDS = 2


@dataclass(frozen=True)
class PoolPlan:
    """The pool a run asks for: its size, what each worker renders with, the CPUs and ceiling."""

    size: PoolSize
    settings: RenderSettings
    cpus: float
    ceiling: float


def plan_pool(plan: Plan, state: RunState, items: int) -> PoolPlan:
    """Size the pool for ``items`` files under the plan's ceiling and the CPUs given to the batch."""
    opts = state.options
    free = available_cpus()
    cpus = opts.cpus if opts.cpus is not None else free
    ceiling = plan.spec.utilization_ceiling
    size = size_pool(
        cpus,
        ceiling,
        items=items,
        concurrency=opts.concurrency or plan.spec.concurrency,
        threads=opts.threads,
        ray_cpus=min(cpus, free),
    )
    captions, loudness = settings_of(plan.spec.output)
    settings = RenderSettings(
        output_dir=str(plan.output_dir.resolve()),
        format=plan.format,
        bitrate_kbps=plan.bitrate_kbps,
        speed=plan.speed,
        threads=size.threads,
        captions=captions,
        loudness=loudness,
        quality=dict(plan.spec.quality.bounds) if plan.spec.quality.check else None,
    )
    return PoolPlan(size=size, settings=settings, cpus=cpus, ceiling=ceiling)


def render(state: RunState, todo: Sequence[WorkItem], reporter: Reporter) -> None:
    """Render ``todo`` on a fresh pool; records its size, workers, work time and utilisation in ``state``."""
    plan, design = state.plan, state.options.design
    asked = plan_pool(plan, state, len(todo))
    size = asked.size
    state.pool = PoolInfo(
        design=design,
        workers=size.workers,
        threads_per_worker=size.threads,
        ray_cpus_per_worker=size.cpus_per_worker,
        cpus_given=asked.cpus,
        budget_cpus=round(size.budget_cpus, 3),
        throttled=size.throttled,
    )
    reporter.say(
        f"{design}: {size.workers} worker(s) x {size.threads} thread(s), {asked.cpus:g} CPUs, "
        f"ceiling {asked.ceiling:g}" + (" (throttled by measured utilisation)" if size.throttled else "")
    )
    pool = make_pool(design, plan, size, asked.settings, state.options.worker_resources)
    tracker = CpuTracker(driver_node())
    meter = UtilisationMeter(asked.cpus, asked.ceiling)
    held_s = 0.0
    t_work = time.monotonic()
    try:
        state.workers = pool.start(reporter.say)
        for started in state.workers:
            tracker.see(int(started["pid"]), str(started["node"]), float(started["cpu_seconds"]))
        t_work = time.monotonic()
        meter.add(t_work, tracker.total())
        with ManifestWriter(plan.manifest_path) as manifest:
            feeder = Feeder(state, reporter, pool, tracker, meter, manifest)
            for _round in range(ROUNDS):
                held_s += feeder.feed(todo)
                redo = unverified(state, todo)
                if not redo:
                    break
                reporter.say(f"{len(redo)} file(s) did not verify after writing; rendering them again")
                for again in redo:
                    state.counters.rendered_audio.pop(again.name, None)
                todo = redo
    finally:
        state.pool_changes = list(pool.events)
        pool.shutdown()
    state.work_seconds = round(time.monotonic() - t_work, 3)
    state.utilisation = UtilisationInfo(
        cpus_given=asked.cpus,
        ceiling=asked.ceiling,
        observed=round(meter.overall(extra_cpu=tracker.missed), 4),
        peak_window=round(meter.peak, 4),
        window_seconds=meter.window_s,
        held_seconds=round(held_s, 3),
        worker_cpu_seconds=round(tracker.total() + tracker.missed, 3),
    )


def unverified(state: RunState, todo: Sequence[WorkItem]) -> list[WorkItem]:
    """The files of ``todo`` neither failed for good nor matching their manifest entry."""
    entries = read_entries(state.plan.manifest_path)
    failed = {f["name"] for f in state.counters.failures}
    return [w for w in todo if w.name not in failed and not is_complete(state.plan, w, entries.get(w.name))]


@dataclass(frozen=True)
class Flight:
    """A call in flight: the slot and worker generation it went to, the file, its attempt, its deadline."""

    slot: int
    generation: int
    work: WorkItem
    attempt: int
    due: float
    deadline_s: float


@dataclass
class WorkQueue:
    """The files of one round: waiting, waiting out a backoff, and in flight (by Ray ObjectRef)."""

    pending: deque[tuple[WorkItem, int]]
    #: (due time, tie-break, work, attempt): a heap
    delayed: list[tuple[float, int, WorkItem, int]] = field(default_factory=list)
    inflight: dict[Any, Flight] = field(default_factory=dict)
    #: calls in flight per (pool slot, worker generation)
    per_slot: dict[tuple[int, int], int] = field(default_factory=dict)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    def of(cls, todo: Sequence[WorkItem]) -> WorkQueue:
        return cls(pending=deque((w, 1) for w in todo))

    def busy(self) -> bool:
        return bool(self.pending or self.delayed or self.inflight)

    def release_due(self, now: float) -> None:
        """Backoffs that have run out go back to the waiting line."""
        while self.delayed and self.delayed[0][0] <= now:
            _, _, work, attempt = heapq.heappop(self.delayed)
            self.pending.append((work, attempt))

    def land(self, ref: Any) -> Flight | None:
        """The call of ``ref`` is over (or abandoned): its flight, None when no longer waited on."""
        flight = self.inflight.pop(ref, None)
        if flight is not None:
            self.per_slot[(flight.slot, flight.generation)] -= 1
        return flight

    def overdue(self, now: float) -> list[Any]:
        return [ref for ref, f in self.inflight.items() if f.due <= now]

    def drain_waiting(self) -> list[tuple[WorkItem, int]]:
        """Every file waiting or backing off, removed from the queue."""
        out = list(self.pending) + [(w, a) for _, _, w, a in sorted(self.delayed)]
        self.pending.clear()
        self.delayed.clear()
        return out

    def retry_later(self, work: WorkItem, attempt: int, wait_s: float) -> None:
        heapq.heappush(self.delayed, (time.monotonic() + wait_s, next(self._seq), work, attempt))

    def idle_pause(self, now: float, hold: bool) -> float:
        """How long to sleep with nothing in flight: a tick while held, else until the next backoff ends."""
        if hold:
            return TICK_S
        return min(TICK_S, max(0.0, self.delayed[0][0] - now)) if self.delayed else 0.0


@dataclass
class Feeder:
    """Feeds one pool until every file is rendered or failed for good."""

    state: RunState
    reporter: Reporter
    pool: Pool
    tracker: CpuTracker
    meter: UtilisationMeter
    manifest: ManifestWriter

    def feed(self, todo: Sequence[WorkItem]) -> float:
        """One round over ``todo``; returns the seconds submissions were held by the ceiling."""
        import ray

        queue = WorkQueue.of(todo)
        stall = Stall()
        held = 0.0
        while queue.busy():
            now = time.monotonic()
            queue.release_due(now)
            for info in self.pool.poll(self.reporter.say):
                self.state.workers.append(info)
                self.tracker.see(int(info["pid"]), str(info["node"]), float(info["cpu_seconds"]))
            self._expire(queue, now)
            self._stalled(queue, stall, now)
            self.meter.add(now, self.tracker.total())
            # over the ceiling: start nothing new (with nothing in flight the window only falls, so this ends)
            hold = bool(queue.pending) and self.meter.over_ceiling()
            if not hold:
                self._submit(queue)
            if not queue.inflight:
                time.sleep(queue.idle_pause(now, hold or bool(queue.pending)))
                if hold:
                    held += time.monotonic() - now
                continue
            ready, _ = ray.wait(list(queue.inflight), num_returns=1, timeout=TICK_S)
            if hold:
                held += time.monotonic() - now
            for ref in ready:
                self._collect(queue, ref)
            self.reporter.update()
        return held

    def deadline_s(self, work: WorkItem) -> float:
        return item_deadline_s(len(work.text), self.state.options.item_timeout_s)

    def _submit(self, queue: WorkQueue) -> None:
        """Hand waiting files to free slots (of live workers)."""
        while queue.pending:
            slot = self.pool.free_slot(queue.per_slot)
            if slot is None:
                break
            work, attempt = queue.pending.popleft()
            gen = self.pool.generation(slot)
            limit = self.deadline_s(work)
            ref = self.pool.submit(slot, work, attempt)
            queue.inflight[ref] = Flight(slot, gen, work, attempt, time.monotonic() + limit, limit)
            queue.per_slot[(slot, gen)] = queue.per_slot.get((slot, gen), 0) + 1

    def _expire(self, queue: WorkQueue, now: float) -> None:
        """Calls past their deadline are abandoned (worker killed, task cancelled) and retried or failed."""
        for ref in queue.overdue(now):
            flight = queue.land(ref)
            assert flight is not None
            error = f"no result within {flight.deadline_s:.0f} s (worker slot {flight.slot}); abandoned"
            self.pool.abandon(flight.slot, flight.generation, ref, f"DeadlineExceeded: {error}")
            self._retry_or_fail(queue, flight, None, "DeadlineExceeded", error)

    def _stalled(self, queue: WorkQueue, stall: Stall, now: float) -> None:
        """Files waiting with no worker to take them for longer than their deadline fail with the reason."""
        waiting = bool(queue.pending or queue.delayed) and not queue.inflight
        stood = stall.see(now, waiting, len(self.pool.live()))
        if not waiting or not stood:
            return
        first = queue.pending[0][0] if queue.pending else queue.delayed[0][2]
        if stood < self.deadline_s(first):
            return
        reason = f"no worker for {stood:.0f} s: {self.pool.waiting_reason()}"
        for work, attempt in queue.drain_waiting():
            self._fail(work, None, "NoWorkerPlaceable", reason, attempt)

    def _collect(self, queue: WorkQueue, ref: Any) -> None:
        """A call finished: record the file, or schedule its retry, or record its failure."""
        import ray

        flight = queue.land(ref)
        if flight is None:  # abandoned at its deadline: already retried or failed
            return
        result: RenderResult | None = None
        try:
            result = ray.get(ref)
        except Exception as exc:
            error_type, error = type(exc).__name__, str(exc).splitlines()[0] if str(exc) else repr(exc)
            lost = f"{error_type}: {error}"
            if is_actor_death(exc) and self.pool.replace(flight.slot, flight.generation, lost):
                self.reporter.say(f"worker slot {flight.slot} lost ({error_type}); starting a replacement")
        else:
            assert result is not None
            self.tracker.see(result.pid, result.node, result.cpu_seconds, since=result.cpu_start_seconds)
            if result.ok:
                self._written(flight.work, result, flight.attempt)
                return
            error_type, error = result.error_type, result.error
        self._retry_or_fail(queue, flight, result, error_type, error)

    def _retry_or_fail(
        self, queue: WorkQueue, flight: Flight, result: RenderResult | None, error_type: str, error: str
    ) -> None:
        work, attempt = flight.work, flight.attempt
        retries = self.state.plan.spec.retries
        wait = next_attempt(error_type, attempt, retries.max_attempts, retries.backoff_seconds)
        if wait is None:
            self._fail(work, result, error_type, error, attempt)
            return
        self.state.record_retry(work, result, error_type, error, attempt)
        self.reporter.say(f"retrying {work.name} (attempt {attempt + 1}): {error_type}: {error}")
        queue.retry_later(work, attempt + 1, wait)

    def _fail(
        self, work: WorkItem, result: RenderResult | None, error_type: str, error: str, attempt: int
    ) -> None:
        self.state.record_failure(work, result, error_type, error, attempt)
        self.state.audit.item(work, None, error_type=error_type, attempts=attempt)
        self.reporter.say(f"failed: {work.name}: {error_type}: {error} (attempt {attempt})")

    def _written(self, work: WorkItem, result: RenderResult, attempt: int) -> None:
        self.manifest.append(result.entry)
        qa = result.entry.get("qa")
        self.state.counters.qa.add(qa)
        if isinstance(qa, dict) and qa.get("verdict") == "failed":
            self.reporter.say(
                f"quality failed: {work.name}: CER {qa.get('cer')} > {qa.get('bound')} after "
                f"{qa.get('renders')} render(s); heard: {qa.get('transcript', '')!r}"
            )
        self.state.counters.rendered_audio[work.name] = float(result.entry.get("duration_s", 0.0))
        self.state.nodes[result.node] = self.state.nodes.get(result.node, 0) + 1
        self.state.audit.item(work, result.entry, attempts=attempt)
