"""What one batch run knows as it goes (``RunState``), and the ``summary.json`` it becomes.

The run state replaces a loose dict: the driver fills it step by step (the Ray connection, the pool
it sized, the workers that started, the utilisation measured) and ``summary`` turns it into the
summary's fields. Pure: no Ray, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from voxray_runtime.batch.plan import Plan, WorkItem
from voxray_runtime.batch.quality import quality_summary
from voxray_runtime.batch.report import Counters

if TYPE_CHECKING:
    from voxray_runtime.batch.audit import BatchAudit
    from voxray_runtime.batch.driver import RunOptions
    from voxray_runtime.batch.manifest import Entry
    from voxray_runtime.batch.worker import RenderResult

UTILISATION_METHOD = (
    "CPU seconds (user+system, all threads, finished child processes included) of the synthesis "
    "worker processes, sampled with psutil on the driver's node (worker-reported elsewhere), "
    "divided by wall seconds x CPUs given to the batch"
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class PoolInfo:
    """The pool a run sized (``pool`` in summary.json)."""

    design: str
    workers: int
    threads_per_worker: int
    ray_cpus_per_worker: float
    cpus_given: float
    budget_cpus: float
    throttled: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UtilisationInfo:
    """The CPU utilisation a run measured against its ceiling (``utilisation`` in summary.json)."""

    cpus_given: float
    ceiling: float
    observed: float
    peak_window: float
    window_seconds: float
    held_seconds: float
    worker_cpu_seconds: float
    method: str = UTILISATION_METHOD

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunState:
    """One run of a plan: its inputs, its counters and what it learned on the way."""

    plan: Plan
    options: RunOptions
    audit: BatchAudit
    counters: Counters
    #: ``time.monotonic()`` and the wall clock when the run began
    t_start: float
    started_at: str
    stray_removed: int = 0
    #: files of failed items removed because no manifest entry vouches for them (written by lost workers)
    orphans_removed: int = 0
    #: how Ray was reached (``existing``, ``address ...``, ``local``); None when nothing was rendered
    ray: str | None = None
    pool: PoolInfo | None = None
    #: what each worker reported when it started (actors)
    workers: list[dict[str, Any]] = field(default_factory=list)
    utilisation: UtilisationInfo | None = None
    #: seconds from the pool's start to its shutdown
    work_seconds: float = 0.0
    #: failed attempts that were retried, with their reason (``retried`` in summary.json)
    retried: list[dict[str, Any]] = field(default_factory=list)
    #: workers lost, replaced, back or retired (``pool_changes``)
    pool_changes: list[dict[str, Any]] = field(default_factory=list)
    #: Ray node id -> files rendered there in this run (``nodes``)
    nodes: dict[str, int] = field(default_factory=dict)

    def record_retry(
        self, work: WorkItem, result: RenderResult | None, error_type: str, error: str, attempt: int
    ) -> None:
        """Attempt ``attempt`` of a file failed and the file is tried again."""
        row = failure_row(work, result, error_type, error, attempt)
        row["attempt"] = row.pop("attempts")
        self.retried.append(row)

    def record_failure(
        self, work: WorkItem, result: RenderResult | None, error_type: str, error: str, attempts: int
    ) -> None:
        """A file failed for good: counted and listed (``failures.jsonl``, the summary)."""
        self.counters.failed += 1
        self.counters.failures.append(failure_row(work, result, error_type, error, attempts))

    def summary(self, final: dict[str, Entry], wall: float) -> dict[str, Any]:
        """summary.json's fields, given the compacted manifest and the run's wall seconds."""
        plan, counters = self.plan, self.counters
        planned = {w.name for w in plan.work}
        present = planned & set(final)
        work_s = self.work_seconds
        summary: dict[str, Any] = {
            "batch": {
                "output_dir": str(plan.output_dir),
                "manifest": plan.spec.output.manifest,
                "format": plan.format,
                "bitrate_kbps": plan.bitrate_kbps,
                "items": len(plan.items),
                "avatars": [a.name for a in plan.avatars],
                "models": [m.name for m in plan.models],
            },
            "started_at": self.started_at,
            "finished_at": now_iso(),
            "total": len(plan.work),
            "files": len(present),
            "rendered": counters.rendered,
            "skipped": counters.skipped,
            "failed": counters.failed,
            "missing": len(planned - present),
            "stray_temp_files_removed": self.stray_removed,
            "unlisted_files_of_failed_items_removed": self.orphans_removed,
            "audio_seconds": round(counters.audio_seconds, 3),
            "audio_seconds_all_files": round(sum(float(final[n].get("duration_s", 0.0)) for n in present), 3),
            "wall_seconds": round(wall, 3),
            "work_seconds": round(work_s, 3),
            "audio_seconds_per_wall_second": round(counters.audio_seconds / wall, 4) if wall > 0 else 0.0,
            "files_per_minute": round(counters.rendered * 60.0 / wall, 3) if wall > 0 else 0.0,
            "audio_seconds_per_work_second": round(counters.audio_seconds / work_s, 4) if work_s > 0 else 0.0,
            "fallback_files": sum(1 for n in present if final[n].get("fallback")),
            "ray": self.ray,
            "pool": self.pool.as_dict() if self.pool is not None else None,
            "workers": self.workers,
            "utilisation": self.utilisation.as_dict() if self.utilisation is not None else None,
            "failures": counters.failures,
            "retried": self.retried,
            "pool_changes": self.pool_changes,
            "nodes": dict(sorted(self.nodes.items())),
            "bytes_written": self.audit.bytes_written,
            "audit": {"run_id": self.audit.run_id, "actor": self.audit.actor},
        }
        quality = plan.spec.quality
        summary["quality"] = quality_summary(
            (final[n] for n in sorted(present)), enabled=quality.check, overrides=quality.bounds
        )
        summary["quality"]["cpu_seconds"] = step_cpu(final, counters.rendered_audio)
        if self.options.generation is not None:
            summary["generation"] = self.options.generation
        return summary


def failure_row(
    work: WorkItem, result: RenderResult | None, error_type: str, error: str, attempts: int
) -> dict[str, Any]:
    """One line of ``failures.jsonl``."""
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
        "node": result.node if result else None,
    }


def step_cpu(final: dict[str, Entry], rendered: Iterable[str]) -> dict[str, float]:
    """CPU seconds of the files rendered in this run, by step: rendering (synthesis, loudness,
    captions, encoding, writing: every render of a file) and the quality check."""
    rows = [final[n].get("timings", {}) for n in rendered if n in final]
    render_s = sum(float(t.get("cpu_s", 0.0)) for t in rows)
    qa_s = sum(float(t.get("qa_cpu_s", 0.0)) for t in rows)
    return {"render": round(render_s, 3), "check": round(qa_s, 3)}
