"""The SpeechBatch driver: a plan rendered on Ray by a pool of synthesis workers, resumably.

Flow: validate + plan (plan.py) -> clean stray temp files -> skip files whose manifest entry matches
-> size the pool under the utilisation ceiling -> feed work with backpressure (``DEPTH`` call in
flight per worker, ``ray.wait``), holding submissions while the measured utilisation is
over the ceiling -> append one manifest line per file -> retry failures with exponential backoff ->
compact the manifest (verifying every file) -> summary.json and failures.jsonl.

Two execution designs share this loop: ``actors`` (the default: a pool of actors, each loading the
engines once) and ``tasks`` (stateless Ray tasks with a per-process engine cache). The benchmark
(benchmarks/bench_batch.py) measures both; results in benchmarks/results/batch.md.
"""

from __future__ import annotations

import contextlib
import heapq
import importlib
import itertools
import json
import os
import shutil
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from voxray_runtime.batch.audit import audit_key, batch_actor, finish_event, item_event, start_event
from voxray_runtime.batch.manifest import (
    Entry,
    ManifestWriter,
    compact,
    complete_names,
    is_complete,
    read_entries,
    write_jsonl,
)
from voxray_runtime.batch.plan import Plan, WorkItem
from voxray_runtime.batch.policy import PoolSize, UtilisationMeter, next_attempt, size_pool
from voxray_runtime.batch.report import Counters, Reporter
from voxray_runtime.batch.worker import RenderResult, RenderSettings
from voxray_runtime.security.audit import emit
from voxray_runtime.storage.atomic import atomic_write_bytes, clean_temp_files, make_dirs
from voxray_runtime.storage.retention import BatchMarker

Design = Literal["actors", "tasks"]
#: calls in flight per worker. One: a file takes seconds and the driver hands the next one over within
#: milliseconds of ``ray.wait`` returning, so a deeper queue gains nothing and would only delay the
#: utilisation throttle (queued work runs even while submissions are held)
DEPTH = 1
#: seconds between utilisation samples / scheduling passes
TICK_S = 0.2
#: rounds of (render -> verify): a file found mismatched at compaction (a write from a killed run's
#: straggler, say) is rendered again
ROUNDS = 2
#: longest wait for the pool's workers to be scheduled and load their engines
START_TIMEOUT_S = 900.0


class WorkerStartError(RuntimeError):
    """The pool could not start (no resources in time, or engines that cannot load)."""


@dataclass
class RunOptions:
    address: str | None = None
    concurrency: int | None = None
    threads: int | None = None
    design: Design = "actors"
    #: CPUs given to the batch; default: the Ray CPUs available when it starts
    cpus: float | None = None
    progress: str = "auto"
    progress_interval_s: float = 5.0
    stream: TextIO | None = None
    #: the SpeechBatch's name and namespace: who the audit events name (see batch/audit.py)
    batch_name: str | None = None
    batch_namespace: str | None = None
    #: the run's id in audit events (shared with a generation step that ran first); default: a new one
    run_id: str | None = None
    #: what the generation step of a ``spec.generate`` batch did (``generation`` in summary.json)
    generation: dict[str, Any] | None = None


@dataclass
class Summary:
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return int(self.data.get("failed", 0))


# ---- Ray connection ----------------------------------------------------------------------------------
@contextlib.contextmanager
def ray_connection(address: str | None) -> Iterator[str]:
    """Use the Ray already initialised, or connect to ``address`` / RAY_ADDRESS, or start a private one.

    Yields a description (``existing``, ``address ...``, ``local``). Only what it started is shut down.
    """
    import ray

    if ray.is_initialized():
        yield "existing"
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    addr = address or os.environ.get("RAY_ADDRESS")
    if addr:
        ray.init(address=addr, log_to_driver=False, configure_logging=False)
        try:
            yield f"address {addr}"
        finally:
            ray.shutdown()
        return
    tmp = tempfile.mkdtemp(prefix="vxr-batch-", dir="/tmp")
    ray.init(
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=tmp,
        log_to_driver=False,
        configure_logging=False,
        runtime_env={"env_vars": {"RAY_USAGE_STATS_ENABLED": "0"}},
    )
    try:
        yield "local"
    finally:
        ray.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


def available_cpus(samples: int = 5, interval_s: float = 0.2) -> float:
    """The CPUs given to the batch: what Ray has free now, the best of a few readings (Ray reports
    resources freed a moment ago with a delay); the cluster's total when none is free."""
    ray: Any = importlib.import_module("ray")
    total = float(ray.cluster_resources().get("CPU", 1.0))
    avail = 0.0
    for i in range(samples):
        if i:
            time.sleep(interval_s)
        avail = max(avail, float(ray.available_resources().get("CPU", 0.0)))
        if avail >= total:
            break
    return min(avail, total) if avail > 0 else total


def driver_node() -> str:
    """The Ray node id of the driver (workers report theirs; equal means psutil can read them)."""
    ray: Any = importlib.import_module("ray")
    return str(ray.get_runtime_context().get_node_id())


# ---- worker pools --------------------------------------------------------------------------------------
class _Pool:
    """Slots that take work; ``submit`` returns an ObjectRef of a RenderResult."""

    size: PoolSize

    def free_slot(self, inflight: dict[int, int]) -> int | None:
        for slot in range(self.size.workers):
            if inflight.get(slot, 0) < DEPTH:
                return slot
        return None

    def start(self, say: Any = None, limit_s: float = 0.0) -> list[dict[str, Any]]:
        return []

    def submit(self, slot: int, work: WorkItem, attempt: int) -> Any:
        raise NotImplementedError

    def replace(self, slot: int) -> None:
        """The slot's worker died: start a new one (actors)."""

    def shutdown(self) -> None:
        """Release the workers."""


class ActorPool(_Pool):
    def __init__(self, plan: Plan, size: PoolSize, settings: RenderSettings) -> None:
        import ray

        from voxray_runtime.batch.worker import SynthWorker

        self.size = size
        self._cls = ray.remote(SynthWorker).options(
            num_cpus=size.cpus_per_worker, max_restarts=0, max_concurrency=1
        )
        self._args = (list(plan.models), settings)
        self._actors: list[Any] = [self._cls.remote(i, *self._args) for i in range(size.workers)]
        self._generation = [0] * size.workers

    def start(self, say: Any = None, limit_s: float = START_TIMEOUT_S) -> list[dict[str, Any]]:
        """Wait until every actor has loaded its engines; WorkerStartError when one cannot."""
        import ray

        refs = [a.info.remote() for a in self._actors]
        t0 = time.monotonic()
        while True:
            _ready, waiting = ray.wait(refs, num_returns=len(refs), timeout=30.0)
            if not waiting:
                break
            waited = time.monotonic() - t0
            if waited > limit_s:
                raise WorkerStartError(
                    f"{len(waiting)} of {len(refs)} workers did not start within {limit_s:.0f} s; Ray has "
                    f"{available_cpus(samples=1)} CPUs free and each worker asks for "
                    f"{self.size.cpus_per_worker}"
                )
            if say is not None:
                say(f"waiting for Ray to start {len(waiting)} worker(s) ({waited:.0f} s)")
        try:
            return list(ray.get(refs))
        except Exception as exc:
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
            raise WorkerStartError(f"a worker could not load its engines: {first}") from exc

    def submit(self, slot: int, work: WorkItem, attempt: int) -> Any:
        return self._actors[slot].render.remote(work, attempt)

    def replace(self, slot: int) -> None:
        import ray

        with contextlib.suppress(Exception):
            ray.kill(self._actors[slot], no_restart=True)
        self._generation[slot] += 1
        self._actors[slot] = self._cls.remote(slot + 100 * self._generation[slot], *self._args)

    def shutdown(self) -> None:
        import ray

        for a in self._actors:
            with contextlib.suppress(Exception):
                ray.kill(a, no_restart=True)


class TaskPool(_Pool):
    def __init__(self, plan: Plan, size: PoolSize, settings: RenderSettings) -> None:
        import ray

        from voxray_runtime.batch.worker import render_task

        self.size = size
        self._fn = ray.remote(render_task).options(num_cpus=size.cpus_per_worker, max_retries=0)
        self._models: Any = ray.put(list(plan.models))
        self._settings = settings

    def submit(self, slot: int, work: WorkItem, attempt: int) -> Any:
        return self._fn.remote(self._models, self._settings, work, attempt)


# ---- CPU accounting -----------------------------------------------------------------------------------
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


# ---- audit ---------------------------------------------------------------------------------------------
class BatchAudit:
    """Emits the run's audit events (batch/audit.py builds them); counts the bytes written."""

    def __init__(self, plan: Plan, opts: RunOptions) -> None:
        self.plan = plan
        self.batch = f"{opts.batch_namespace}/{opts.batch_name}" if opts.batch_namespace else opts.batch_name
        self.actor = batch_actor(opts.batch_name, opts.batch_namespace)
        self.run_id = opts.run_id or uuid.uuid4().hex[:16]
        self.key = audit_key()
        self.bytes_written = 0

    def start(self, todo: int, skipped: int) -> None:
        emit(start_event(self.actor, self.run_id, self.plan, batch=self.batch, todo=todo, skipped=skipped))

    def item(self, work: WorkItem, entry: Entry | None, error_type: str = "", attempts: int = 1) -> None:
        if entry is not None:
            self.bytes_written += int(entry.get("size_bytes", 0))
        emit(
            item_event(
                self.actor,
                self.run_id,
                self.plan,
                work,
                self.key,
                entry=entry,
                error_type=error_type,
                attempts=attempts,
            )
        )

    def finish(self, summary: dict[str, Any], stopped: str | None = None) -> None:
        emit(finish_event(self.actor, self.run_id, self.plan, summary, batch=self.batch, stopped=stopped))


# ---- the run -------------------------------------------------------------------------------------------
def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _failure_row(
    work: WorkItem, result: RenderResult | None, error_type: str, error: str, attempts: int
) -> dict[str, Any]:
    return {
        "name": work.name,
        "index": work.index,
        "id": work.id,
        "avatar": work.binding.avatar.name,
        "model": work.binding.model,
        "error_type": error_type,
        "error": error,
        "attempts": attempts,
        "worker": result.worker if result else None,
    }


def run_plan(plan: Plan, options: RunOptions | None = None) -> Summary:
    """Render every file of ``plan`` not already complete; returns (and writes) the summary."""
    opts = options or RunOptions()
    t_start = time.monotonic()
    started_at = _now_iso()
    out = plan.output_dir
    make_dirs(out)
    audit = BatchAudit(plan, opts)
    try:
        with BatchMarker(out, manifest=plan.spec.output.manifest) as marker:
            summary = _run(plan, opts, audit, t_start, started_at, marker)
    except BaseException as exc:  # interrupted, workers that cannot start, an unsafe path: said, then raised
        audit.finish(
            {
                "total": len(plan.work),
                "bytes_written": audit.bytes_written,
                "wall_seconds": time.monotonic() - t_start,
            },
            stopped=f"{type(exc).__name__}: {exc}",
        )
        raise
    audit.finish(summary)
    return Summary(summary)


def _run(
    plan: Plan, opts: RunOptions, audit: BatchAudit, t_start: float, started_at: str, marker: BatchMarker
) -> dict[str, Any]:
    out = plan.output_dir
    stray = clean_temp_files(out)
    entries = read_entries(plan.manifest_path)
    complete = complete_names(plan, entries)
    counters = Counters(total=len(plan.work))
    if opts.generation is not None:
        counters.posts_total = int(opts.generation.get("planned", 0))
        counters.posts_done = int(opts.generation.get("items", 0))
    counters.skipped = len(complete)
    counters.skipped_audio_seconds = sum(float(entries[n].get("duration_s", 0.0)) for n in complete)
    todo = [w for w in plan.work if w.name not in complete]
    audit.start(todo=len(todo), skipped=len(complete))
    reporter = Reporter(
        counters,
        mode=opts.progress,
        stream=opts.stream,
        interval_s=opts.progress_interval_s,
        on_progress=marker.progress,
    )
    info: dict[str, Any] = {"ray": None, "pool": None, "workers": [], "utilisation": None}
    with reporter:
        if stray:
            reporter.say(f"removed {len(stray)} stray temporary file(s) from an interrupted run")
        if complete:
            reporter.say(f"{len(complete)} of {len(plan.work)} files already complete; rendering {len(todo)}")
        reporter.update(force=True)
        if todo:
            with ray_connection(opts.address) as how:
                info["ray"] = how
                _render(plan, todo, opts, counters, reporter, info, audit)
        final = compact(plan.manifest_path, out)
        clean_temp_files(out)
        reporter.update(finished=True)
    wall = time.monotonic() - t_start
    summary = _summary(plan, opts, counters, final, info, wall, started_at, stray_removed=len(stray))
    summary["bytes_written"] = audit.bytes_written
    summary["audit"] = {"run_id": audit.run_id, "actor": audit.actor}
    if opts.generation is not None:
        summary["generation"] = opts.generation
    write_jsonl(plan.failures_path, counters.failures)
    atomic_write_bytes(
        plan.summary_path, (json.dumps(summary, indent=2, sort_keys=True) + "\n").encode("utf-8")
    )
    return summary


def _render(
    plan: Plan,
    todo: Sequence[WorkItem],
    opts: RunOptions,
    counters: Counters,
    reporter: Reporter,
    info: dict[str, Any],
    audit: BatchAudit,
) -> None:
    free = available_cpus()
    cpus = opts.cpus if opts.cpus is not None else free
    ceiling = plan.spec.utilization_ceiling
    size = size_pool(
        cpus,
        ceiling,
        items=len(todo),
        concurrency=opts.concurrency or plan.spec.concurrency,
        threads=opts.threads,
        ray_cpus=min(cpus, free),
    )
    settings = RenderSettings(
        output_dir=str(plan.output_dir.resolve()),
        format=plan.format,
        bitrate_kbps=plan.bitrate_kbps,
        speed=plan.speed,
        threads=size.threads,
    )
    info["pool"] = {
        "design": opts.design,
        "workers": size.workers,
        "threads_per_worker": size.threads,
        "ray_cpus_per_worker": size.cpus_per_worker,
        "cpus_given": cpus,
        "budget_cpus": round(size.budget_cpus, 3),
        "throttled": size.throttled,
    }
    reporter.say(
        f"{opts.design}: {size.workers} worker(s) x {size.threads} thread(s), {cpus:g} CPUs, "
        f"ceiling {ceiling:g}" + (" (throttled by measured utilisation)" if size.throttled else "")
    )
    pool: _Pool = (
        ActorPool(plan, size, settings) if opts.design == "actors" else TaskPool(plan, size, settings)
    )
    tracker = CpuTracker(driver_node())
    meter = UtilisationMeter(cpus, ceiling)
    held_s = 0.0
    t_work = time.monotonic()
    try:
        workers = pool.start(reporter.say)
        info["workers"] = workers
        for started in workers:
            tracker.see(int(started["pid"]), str(started["node"]), float(started["cpu_seconds"]))
        t_work = time.monotonic()
        meter.add(t_work, tracker.total())
        with ManifestWriter(plan.manifest_path) as manifest:
            for _round in range(ROUNDS):
                held_s += _loop(plan, todo, pool, tracker, meter, manifest, counters, reporter, audit)
                entries = read_entries(plan.manifest_path)
                failed = {f["name"] for f in counters.failures}
                redo = [
                    w for w in todo if w.name not in failed and not is_complete(plan, w, entries.get(w.name))
                ]
                if not redo:
                    break
                reporter.say(f"{len(redo)} file(s) did not verify after writing; rendering them again")
                for again in redo:
                    counters.rendered_audio.pop(again.name, None)
                todo = redo
    finally:
        pool.shutdown()
    work_s = time.monotonic() - t_work
    info["work_seconds"] = round(work_s, 3)
    info["utilisation"] = {
        "method": (
            "CPU seconds (user+system, all threads, finished child processes included) of the synthesis "
            "worker processes, sampled with psutil on the driver's node (worker-reported elsewhere), "
            "divided by wall seconds x CPUs given to the batch"
        ),
        "cpus_given": cpus,
        "ceiling": ceiling,
        "observed": round(meter.overall(extra_cpu=tracker.missed), 4),
        "peak_window": round(meter.peak, 4),
        "window_seconds": meter.window_s,
        "held_seconds": round(held_s, 3),
        "worker_cpu_seconds": round(tracker.total() + tracker.missed, 3),
    }


def _loop(
    plan: Plan,
    todo: Sequence[WorkItem],
    pool: _Pool,
    tracker: CpuTracker,
    meter: UtilisationMeter,
    manifest: ManifestWriter,
    counters: Counters,
    reporter: Reporter,
    audit: BatchAudit,
) -> float:
    """Feed the pool until every item is rendered or failed for good; returns seconds held by the ceiling."""
    import ray

    retries = plan.spec.retries
    pending: deque[tuple[WorkItem, int]] = deque((w, 1) for w in todo)
    delayed: list[tuple[float, int, WorkItem, int]] = []
    seq = itertools.count()
    inflight: dict[Any, tuple[int, WorkItem, int]] = {}
    per_slot: dict[int, int] = {}
    held = 0.0
    while pending or delayed or inflight:
        now = time.monotonic()
        while delayed and delayed[0][0] <= now:
            _, _, w, a = heapq.heappop(delayed)
            pending.append((w, a))
        meter.add(now, tracker.total())
        # over the ceiling: start nothing new (with nothing in flight the window only falls, so this ends)
        hold = bool(pending) and meter.over_ceiling()
        while pending and not hold:
            slot = pool.free_slot(per_slot)
            if slot is None:
                break
            work, attempt = pending.popleft()
            inflight[pool.submit(slot, work, attempt)] = (slot, work, attempt)
            per_slot[slot] = per_slot.get(slot, 0) + 1
        if not inflight:
            pause = TICK_S if hold else min(TICK_S, max(0.0, delayed[0][0] - now)) if delayed else 0.0
            time.sleep(pause)
            if hold:
                held += time.monotonic() - now
            continue
        ready, _ = ray.wait(list(inflight), num_returns=1, timeout=TICK_S)
        if hold:
            held += time.monotonic() - now
        for ref in ready:
            slot, work, attempt = inflight.pop(ref)
            per_slot[slot] -= 1
            result: RenderResult | None = None
            try:
                result = ray.get(ref)
            except Exception as exc:
                error_type, error = type(exc).__name__, str(exc).splitlines()[0] if str(exc) else repr(exc)
                if opts_actor_died(exc):
                    pool.replace(slot)
            else:
                assert result is not None
                tracker.see(result.pid, result.node, result.cpu_seconds, since=result.cpu_start_seconds)
                if result.ok:
                    manifest.append(result.entry)
                    counters.rendered_audio[work.name] = float(result.entry.get("duration_s", 0.0))
                    audit.item(work, result.entry, attempts=attempt)
                    continue
                error_type, error = result.error_type, result.error
            wait = next_attempt(error_type, attempt, retries.max_attempts, retries.backoff_seconds)
            if wait is None:
                counters.failed += 1
                counters.failures.append(_failure_row(work, result, error_type, error, attempt))
                audit.item(work, None, error_type=error_type, attempts=attempt)
                reporter.say(f"failed: {work.name}: {error_type}: {error} (attempt {attempt})")
            else:
                heapq.heappush(delayed, (time.monotonic() + wait, next(seq), work, attempt + 1))
        reporter.update()
    return held


def opts_actor_died(exc: BaseException) -> bool:
    from ray.exceptions import RayActorError

    return isinstance(exc, RayActorError)


def _summary(
    plan: Plan,
    opts: RunOptions,
    counters: Counters,
    final: dict[str, Entry],
    info: dict[str, Any],
    wall: float,
    started_at: str,
    *,
    stray_removed: int,
) -> dict[str, Any]:
    planned = {w.name for w in plan.work}
    present = planned & set(final)
    work_s = float(info.get("work_seconds") or 0.0)
    return {
        "batch": {
            "output_dir": str(plan.output_dir),
            "manifest": plan.spec.output.manifest,
            "format": plan.format,
            "bitrate_kbps": plan.bitrate_kbps,
            "items": len(plan.items),
            "avatars": [a.name for a in plan.avatars],
            "models": [m.name for m in plan.models],
        },
        "started_at": started_at,
        "finished_at": _now_iso(),
        "total": len(plan.work),
        "files": len(present),
        "rendered": counters.rendered,
        "skipped": counters.skipped,
        "failed": counters.failed,
        "missing": len(planned - present),
        "stray_temp_files_removed": stray_removed,
        "audio_seconds": round(counters.audio_seconds, 3),
        "audio_seconds_all_files": round(sum(float(final[n].get("duration_s", 0.0)) for n in present), 3),
        "wall_seconds": round(wall, 3),
        "work_seconds": round(work_s, 3),
        "audio_seconds_per_wall_second": round(counters.audio_seconds / wall, 4) if wall > 0 else 0.0,
        "files_per_minute": round(counters.rendered * 60.0 / wall, 3) if wall > 0 else 0.0,
        "audio_seconds_per_work_second": round(counters.audio_seconds / work_s, 4) if work_s > 0 else 0.0,
        "fallback_files": sum(1 for n in present if final[n].get("fallback")),
        "ray": info.get("ray"),
        "pool": info.get("pool"),
        "workers": info.get("workers"),
        "utilisation": info.get("utilisation"),
        "failures": counters.failures,
    }
