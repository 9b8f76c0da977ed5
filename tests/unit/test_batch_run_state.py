"""The batch run's state and its pure seams: the summary a RunState becomes, failures it records, and
the work queue the feeder drives (backoffs, idle pauses). No Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.audit import BatchAudit
from voxray_runtime.batch.driver import RunOptions
from voxray_runtime.batch.feed import TICK_S, Flight, WorkQueue
from voxray_runtime.batch.plan import Plan, build_plan
from voxray_runtime.batch.report import Counters
from voxray_runtime.batch.state import UTILISATION_METHOD, PoolInfo, RunState, UtilisationInfo
from voxray_runtime.models import default_models
from voxray_runtime.spec.documents import parse_document
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

POSTS: list[dict[str, Any]] = [
    {"index": 1, "id": "post_01", "texts": {"en": "Welcome to our hotel.", "es": "Bienvenidos."}},
    {"index": 2, "id": "post_02", "texts": {"en": "The spa is open.", "es": "El spa está abierto."}},
]


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    doc = parse_document(
        {
            "apiVersion": "voxray.io/v1alpha1",
            "kind": "SpeechBatch",
            "metadata": {"name": "state-test"},
            "spec": {
                "input": {"items": POSTS},
                "variants": {"avatars": ["female_en-GB", "male_es"]},
                "output": {"path": "audio-output"},
            },
        }
    )
    assert isinstance(doc.spec, SpeechBatchSpec)
    return build_plan(doc.spec, models=default_models(), output_dir=tmp_path / "out")


def _state(plan: Plan, generation: dict[str, Any] | None = None) -> RunState:
    options = RunOptions(batch_name="state-test", run_id="run-1", generation=generation)
    audit = BatchAudit(plan, name="state-test", namespace=None, run_id="run-1")
    return RunState(
        plan=plan,
        options=options,
        audit=audit,
        counters=Counters(total=len(plan.work)),
        t_start=0.0,
        started_at="2026-01-01T00:00:00+00:00",
    )


def test_summary_of_a_run_that_rendered_nothing(plan: Plan) -> None:
    state = _state(plan)
    summary = state.summary({}, wall=2.0)
    assert summary["total"] == len(plan.work) == 4
    assert (summary["files"], summary["missing"], summary["rendered"]) == (0, 4, 0)
    assert summary["ray"] is None
    assert summary["pool"] is None
    assert summary["utilisation"] is None
    assert summary["workers"] == []
    assert summary["work_seconds"] == 0.0
    assert summary["audio_seconds_per_work_second"] == 0.0
    assert summary["audit"] == {"run_id": "run-1", "actor": state.audit.actor}
    assert "generation" not in summary


def test_summary_carries_what_the_run_learned(plan: Plan) -> None:
    state = _state(plan, generation={"planned": 2, "items": 2, "failed": 0})
    names = [w.name for w in plan.work]
    state.counters.rendered_audio = {names[0]: 1.5, names[1]: 2.5}
    state.counters.skipped = 1
    state.ray = "local"
    state.work_seconds = 2.0
    state.stray_removed = 3
    state.pool = PoolInfo("actors", 2, 1, 1.0, 2.0, 1.6, True)
    state.utilisation = UtilisationInfo(2.0, 0.8, 0.5, 0.7, 10.0, 0.0, 2.0)
    final = {n: {"name": n, "duration_s": 1.0} for n in names[:3]}
    final[names[0]]["fallback"] = True
    summary = state.summary(final, wall=4.0)
    assert (summary["files"], summary["missing"], summary["rendered"], summary["skipped"]) == (3, 1, 2, 1)
    assert summary["audio_seconds"] == 4.0
    assert summary["audio_seconds_all_files"] == 3.0
    assert summary["audio_seconds_per_wall_second"] == 1.0
    assert summary["audio_seconds_per_work_second"] == 2.0
    assert summary["files_per_minute"] == 30.0
    assert summary["fallback_files"] == 1
    assert summary["stray_temp_files_removed"] == 3
    assert summary["pool"] == {
        "design": "actors",
        "workers": 2,
        "threads_per_worker": 1,
        "ray_cpus_per_worker": 1.0,
        "cpus_given": 2.0,
        "budget_cpus": 1.6,
        "throttled": True,
    }
    assert summary["utilisation"]["method"] == UTILISATION_METHOD
    assert summary["utilisation"]["observed"] == 0.5
    assert summary["generation"] == {"planned": 2, "items": 2, "failed": 0}


def test_record_failure(plan: Plan) -> None:
    state = _state(plan)
    work = plan.work[0]
    state.record_failure(work, None, "EmptyTextError", "nothing to say", 2)
    assert state.counters.failed == 1
    assert state.counters.failures == [
        {
            "name": work.name,
            "index": work.index,
            "id": work.id,
            "avatar": work.binding.avatar.name,
            "model": work.binding.model,
            "error_type": "EmptyTextError",
            "error": "nothing to say",
            "attempts": 2,
            "worker": None,
            "node": None,
        }
    ]


def test_record_retry_keeps_the_reason_and_the_summary_lists_it(plan: Plan) -> None:
    state = _state(plan)
    work = plan.work[1]
    state.record_retry(work, None, "ActorDiedError", "The actor died because its node died", 1)
    state.nodes = {"node-b": 2, "node-a": 1}
    state.pool_changes = [{"event": "lost", "slot": 0, "reason": "ActorDiedError", "at": 1.0}]
    summary = state.summary({}, wall=1.0)
    assert summary["retried"] == [
        {
            "name": work.name,
            "index": work.index,
            "id": work.id,
            "avatar": work.binding.avatar.name,
            "model": work.binding.model,
            "error_type": "ActorDiedError",
            "error": "The actor died because its node died",
            "attempt": 1,
            "worker": None,
            "node": None,
        }
    ]
    assert list(summary["nodes"]) == ["node-a", "node-b"]
    assert summary["pool_changes"][0]["event"] == "lost"
    assert state.counters.failed == 0


def test_work_queue_backoff_and_pauses(plan: Plan) -> None:
    queue = WorkQueue.of(plan.work[:2])
    assert queue.busy()
    assert [a for _, a in queue.pending] == [1, 1]
    first, _ = queue.pending.popleft()
    second, _ = queue.pending.popleft()
    assert not queue.busy()
    assert queue.idle_pause(0.0, hold=False) == 0.0
    assert queue.idle_pause(0.0, hold=True) == TICK_S
    queue.retry_later(second, 3, wait_s=1000.0)
    queue.retry_later(first, 2, wait_s=0.0)
    assert queue.busy()
    assert queue.idle_pause(0.0, hold=False) == TICK_S  # the next backoff ends later than a tick
    queue.release_due(queue.delayed[0][0])
    assert list(queue.pending) == [(first, 2)]
    queue.release_due(float("inf"))
    assert list(queue.pending) == [(first, 2), (second, 3)]
    assert not queue.delayed


def test_work_queue_flights_land_once_and_expire_by_deadline(plan: Plan) -> None:
    queue = WorkQueue.of(plan.work[2:4])
    a, b = plan.work[:2]
    queue.inflight["ref-a"] = Flight(slot=0, generation=0, work=a, attempt=1, due=10.0, deadline_s=10.0)
    queue.inflight["ref-b"] = Flight(slot=0, generation=1, work=b, attempt=2, due=30.0, deadline_s=20.0)
    queue.per_slot = {(0, 0): 1, (0, 1): 1}
    assert queue.overdue(9.9) == []
    assert queue.overdue(10.0) == ["ref-a"]
    flight = queue.land("ref-a")
    assert flight is not None
    assert flight.work == a
    assert queue.per_slot == {(0, 0): 0, (0, 1): 1}
    # a ref abandoned at its deadline that resolves later is no longer waited on
    assert queue.land("ref-a") is None
    assert queue.per_slot == {(0, 0): 0, (0, 1): 1}
    queue.retry_later(a, 2, wait_s=1000.0)
    waiting = queue.drain_waiting()
    assert [w.name for w, _ in waiting] == [plan.work[2].name, plan.work[3].name, a.name]
    assert not queue.pending
    assert not queue.delayed
    assert queue.busy()  # b is still in flight
