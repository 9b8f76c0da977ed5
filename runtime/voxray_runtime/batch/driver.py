"""The SpeechBatch driver: a plan rendered on Ray by a pool of synthesis workers, resumably.

Flow: validate + plan (plan.py) -> clean stray temp files -> skip files whose manifest entry matches
-> render the rest on a pool (feed.py: sizing under the utilisation ceiling, backpressure, retries;
raypool.py: the Ray connection and the pools) -> compact the manifest (verifying every file) ->
summary.json (state.py) and failures.jsonl.

Two execution designs share this loop: ``actors`` (the default: a pool of actors, each loading the
engines once) and ``tasks`` (stateless Ray tasks with a per-process engine cache). The benchmark
(benchmarks/bench_batch.py) measures both; results in benchmarks/results/batch.md.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from voxray_runtime.batch.audit import BatchAudit
from voxray_runtime.batch.feed import render
from voxray_runtime.batch.manifest import compact, complete_names, read_entries, write_jsonl
from voxray_runtime.batch.plan import Plan
from voxray_runtime.batch.quality import counts_of, quality_line
from voxray_runtime.batch.raypool import Design, ray_connection
from voxray_runtime.batch.report import Counters, Reporter
from voxray_runtime.batch.state import RunState, now_iso
from voxray_runtime.storage.atomic import clean_temp_files, make_dirs
from voxray_runtime.storage.location import ObjectPrefix
from voxray_runtime.storage.retention import BatchMarker
from voxray_runtime.storage.store import write_location

__all__ = ["RunOptions", "Summary", "run_plan"]


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
    #: custom Ray resources each worker asks for on top of its CPUs (e.g. a node label resource)
    worker_resources: dict[str, float] | None = None
    #: seconds one file may take before its call is abandoned and retried; default: from its text
    item_timeout_s: float | None = None
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


def run_plan(plan: Plan, options: RunOptions | None = None) -> Summary:
    """Render every file of ``plan`` not already complete; returns (and writes) the summary."""
    opts = options or RunOptions()
    t_start = time.monotonic()
    started_at = now_iso()
    prepare_output(plan)
    audit = BatchAudit(plan, name=opts.batch_name, namespace=opts.batch_namespace, run_id=opts.run_id)
    state = RunState(
        plan=plan,
        options=opts,
        audit=audit,
        counters=Counters(total=len(plan.work)),
        t_start=t_start,
        started_at=started_at,
    )
    try:
        with BatchMarker(plan.output_dir, manifest=plan.spec.output.manifest) as marker:
            summary = _run(state, marker)
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


def remove_unlisted(plan: Plan, final: dict[str, Any], failed: list[str]) -> int:
    """Delete the files of failed items that the manifest does not list: a worker given up on (its node
    declared dead, its call past its deadline) may still have written one. Returns how many."""
    out = plan.output_dir
    if isinstance(out, ObjectPrefix):  # not swept on object stores yet (a rerun overwrites such an object)
        return 0
    removed = 0
    for name in failed:
        path = out / name
        if name not in final and path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _run(state: RunState, marker: BatchMarker) -> dict[str, Any]:
    plan, opts, counters = state.plan, state.options, state.counters
    out = plan.output_dir
    stray = clean_temp_files(out) if not isinstance(out, ObjectPrefix) else []
    state.stray_removed = len(stray)
    entries = read_entries(plan.manifest_path)
    complete = complete_names(plan, entries)
    if opts.generation is not None:
        counters.posts_total = int(opts.generation.get("planned", 0))
        counters.posts_done = int(opts.generation.get("items", 0))
    counters.skipped = len(complete)
    counters.skipped_audio_seconds = sum(float(entries[n].get("duration_s", 0.0)) for n in complete)
    counters.qa = counts_of(entries[n] for n in complete)
    todo = [w for w in plan.work if w.name not in complete]
    state.audit.start(todo=len(todo), skipped=len(complete))
    reporter = Reporter(
        counters,
        mode=opts.progress,
        stream=opts.stream,
        interval_s=opts.progress_interval_s,
        on_progress=marker.progress,
    )
    with reporter:
        if stray:
            reporter.say(f"removed {len(stray)} stray temporary file(s) from an interrupted run")
        if complete:
            reporter.say(f"{len(complete)} of {len(plan.work)} files already complete; rendering {len(todo)}")
        reporter.update(force=True)
        if todo:
            with ray_connection(opts.address) as how:
                state.ray = how
                render(state, todo, reporter)
        final = compact(plan.manifest_path, out)
        if not isinstance(out, ObjectPrefix):
            clean_temp_files(out)
            state.orphans_removed = remove_unlisted(plan, final, [f["name"] for f in counters.failures])
        if state.orphans_removed:
            reporter.say(
                f"removed {state.orphans_removed} file(s) of failed items written by workers given up on "
                "(lost nodes, abandoned calls): a failed file is absent, a rerun renders it"
            )
        if plan.spec.quality.check:
            reporter.say(quality_line(counts_of(final.values())))
        reporter.update(finished=True)
    summary = state.summary(final, wall=time.monotonic() - state.t_start)
    write_jsonl(plan.failures_path, counters.failures)
    # the summary last: a reader that sees it sees the whole run (on objects, the manifest came before it)
    write_location(plan.summary_path, (json.dumps(summary, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return summary


def prepare_output(plan: Plan) -> None:
    """Create the output directory, or check that the object store prefix takes writes (a clear
    ObjectStoreError before any work when the bucket refuses)."""
    if isinstance(plan.output_dir, ObjectPrefix):
        from voxray_runtime.storage.objects import ObjectStore

        ObjectStore(plan.output_dir).check_writable()
    else:
        make_dirs(plan.output_dir)
