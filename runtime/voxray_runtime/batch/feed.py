"""Rendering the files still to do on a pool of workers: size the pool under the utilisation ceiling,
feed it with backpressure (``DEPTH`` calls in flight per worker, ``ray.wait``), hold submissions while
the measured utilisation is over the ceiling, append one manifest line per file, retry failures with
exponential backoff, then render again what did not verify (``ROUNDS``)."""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from voxray_runtime.batch.cpu import CpuTracker
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
    pool = make_pool(design, plan, size, asked.settings)
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


@dataclass
class WorkQueue:
    """The files of one round: waiting, waiting out a backoff, and in flight (by Ray ObjectRef)."""

    pending: deque[tuple[WorkItem, int]]
    #: (due time, tie-break, work, attempt): a heap
    delayed: list[tuple[float, int, WorkItem, int]] = field(default_factory=list)
    inflight: dict[Any, tuple[int, WorkItem, int]] = field(default_factory=dict)
    #: calls in flight per pool slot
    per_slot: dict[int, int] = field(default_factory=dict)
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
        held = 0.0
        while queue.busy():
            now = time.monotonic()
            queue.release_due(now)
            self.meter.add(now, self.tracker.total())
            # over the ceiling: start nothing new (with nothing in flight the window only falls, so this ends)
            hold = bool(queue.pending) and self.meter.over_ceiling()
            if not hold:
                self._submit(queue)
            if not queue.inflight:
                time.sleep(queue.idle_pause(now, hold))
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

    def _submit(self, queue: WorkQueue) -> None:
        """Hand waiting files to free slots."""
        while queue.pending:
            slot = self.pool.free_slot(queue.per_slot)
            if slot is None:
                break
            work, attempt = queue.pending.popleft()
            queue.inflight[self.pool.submit(slot, work, attempt)] = (slot, work, attempt)
            queue.per_slot[slot] = queue.per_slot.get(slot, 0) + 1

    def _collect(self, queue: WorkQueue, ref: Any) -> None:
        """A call finished: record the file, or schedule its retry, or record its failure."""
        import ray

        slot, work, attempt = queue.inflight.pop(ref)
        queue.per_slot[slot] -= 1
        result: RenderResult | None = None
        try:
            result = ray.get(ref)
        except Exception as exc:
            error_type, error = type(exc).__name__, str(exc).splitlines()[0] if str(exc) else repr(exc)
            if is_actor_death(exc):
                self.pool.replace(slot)
        else:
            assert result is not None
            self.tracker.see(result.pid, result.node, result.cpu_seconds, since=result.cpu_start_seconds)
            if result.ok:
                self._written(work, result, attempt)
                return
            error_type, error = result.error_type, result.error
        retries = self.state.plan.spec.retries
        wait = next_attempt(error_type, attempt, retries.max_attempts, retries.backoff_seconds)
        if wait is None:
            self.state.record_failure(work, result, error_type, error, attempt)
            self.state.audit.item(work, None, error_type=error_type, attempts=attempt)
            self.reporter.say(f"failed: {work.name}: {error_type}: {error} (attempt {attempt})")
        else:
            queue.retry_later(work, attempt + 1, wait)

    def _written(self, work: WorkItem, result: RenderResult, attempt: int) -> None:
        self.manifest.append(result.entry)
        self.state.counters.rendered_audio[work.name] = float(result.entry.get("duration_s", 0.0))
        self.state.audit.item(work, result.entry, attempts=attempt)
