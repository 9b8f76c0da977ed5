"""SpeechBatch status from the RayJob's jobDeploymentStatus / jobStatus and the driver's progress."""

from __future__ import annotations

from typing import Any

import pytest

from tests.operator.unit.support import LATER, NOW
from voxray_operator.api import SpeechBatchStatus
from voxray_operator.status import get_condition, speechbatch_status_from_rayjob, validation_failed_status
from voxray_runtime.batch.progress import Progress, parse_progress
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

SPEC = SpeechBatchSpec.model_validate(
    {
        "input": {"file": "packaged:hospitality"},
        "variants": {"all": True},
        "output": {"volumeClaim": "audio", "path": "run-1"},
    }
)


def rayjob(deployment: str | None = None, job: str | None = None, **status: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": "b", "namespace": "t"},
    }
    st: dict[str, Any] = dict(status)
    if deployment is not None:
        st["jobDeploymentStatus"] = deployment
    if job is not None:
        st["jobStatus"] = job
    body["status"] = st
    return body


def derive(
    rj: dict[str, Any] | None,
    *,
    progress: Progress | None = None,
    previous: dict[str, Any] | None = None,
    generation: int = 2,
    now: Any = NOW,
) -> dict[str, Any]:
    out = speechbatch_status_from_rayjob(
        rj, generation=generation, progress=progress, previous=previous, now=now, spec=SPEC
    )
    SpeechBatchStatus.model_validate(out)
    return out


def cond(status: dict[str, Any], type_: str) -> str:
    found = get_condition(status["conditions"], type_)
    assert found is not None
    return str(found["status"])


@pytest.mark.parametrize(
    ("deployment", "job", "extra", "phase", "reason"),
    [
        (None, None, {}, "Pending", "Starting"),
        ("New", None, {}, "Pending", "Starting"),
        ("Initializing", "PENDING", {}, "Pending", "Starting"),
        ("Running", "PENDING", {}, "Pending", "Starting"),
        ("Running", "RUNNING", {}, "Running", "Running"),
        ("Complete", "SUCCEEDED", {}, "Succeeded", "Succeeded"),
        ("Complete", "STOPPED", {}, "Failed", "Stopped"),
        ("Failed", "FAILED", {"reason": "AppFailed", "message": "exit 1"}, "Failed", "AppFailed"),
        (
            "Failed",
            "RUNNING",
            {"reason": "DeadlineExceeded", "message": "too slow"},
            "Failed",
            "DeadlineExceeded",
        ),
        ("Failed", None, {"reason": "SubmissionFailed"}, "Failed", "SubmissionFailed"),
        ("ValidationFailed", None, {"message": "bad RayJob"}, "Failed", "KubeRayValidationFailed"),
        ("Retrying", "FAILED", {}, "Pending", "Retrying"),
        ("Suspended", "NEW", {}, "Pending", "Suspended"),
        ("Waiting", None, {}, "Pending", "Starting"),
    ],
)
def test_phase_table(
    deployment: str | None, job: str | None, extra: dict[str, Any], phase: str, reason: str
) -> None:
    out = derive(rayjob(deployment, job, **extra))
    assert out["phase"] == phase
    assert cond(out, "Running") == ("True" if phase == "Running" else "False")
    assert cond(out, "Complete") == ("True" if phase == "Succeeded" else "False")
    assert cond(out, "Failed") == ("True" if phase == "Failed" else "False")
    reasons = {c["reason"] for c in out["conditions"]}
    assert reason in reasons
    if "message" in extra:
        assert out["message"] == extra["message"]


def test_no_rayjob_yet() -> None:
    out = derive(None)
    assert out["phase"] == "Pending"
    assert "rayJobName" not in out
    assert out["output"] == {"volumeClaim": "audio", "path": "run-1", "manifest": "manifest.jsonl"}


def test_progress_fills_counts_and_message() -> None:
    line = Progress(total=1800, done=120, failed=2, skipped=30, audio_seconds=512.5).line()
    progress = parse_progress("driver starting\n" + line + "\n")
    out = derive(
        rayjob("Running", "RUNNING", jobId="b-x7k2p", startTime="2026-03-01T11:58:00Z"), progress=progress
    )
    assert out["counts"] == {"total": 1800, "done": 120, "failed": 2, "skipped": 30}
    assert out["audioSeconds"] == 512.5
    assert out["message"] == "120/1800 files done, 2 failed, 30 already present"
    assert (out["rayJobName"], out["rayJobId"], out["startTime"]) == ("b", "b-x7k2p", "2026-03-01T11:58:00Z")
    later = derive(rayjob("Running", "RUNNING"), previous=out, now=LATER)
    assert later["counts"] == out["counts"]  # no new progress line: keep the last counts
    assert later["rayJobId"] == "b-x7k2p"


def test_finish_time_from_kuberay_or_now() -> None:
    out = derive(rayjob("Complete", "SUCCEEDED", endTime="2026-03-01T12:30:00Z"))
    assert out["finishTime"] == "2026-03-01T12:30:00Z"
    out = derive(rayjob("Failed", "FAILED"))
    assert out["finishTime"] == "2026-03-01T12:00:00Z"
    assert out["startTime"] == "2026-03-01T12:00:00Z"
    assert "finishTime" not in derive(rayjob("Running", "RUNNING"))


@pytest.mark.parametrize("later_rayjob", [None, rayjob("Initializing", "PENDING"), rayjob()])
def test_a_finished_batch_stays_finished(later_rayjob: dict[str, Any] | None) -> None:
    done = derive(rayjob("Complete", "SUCCEEDED", endTime="2026-03-01T12:30:00Z"))
    again = derive(later_rayjob, previous=done, now=LATER)
    assert again == done


def test_a_new_generation_starts_over() -> None:
    done = derive(rayjob("Complete", "SUCCEEDED"), generation=2)
    again = derive(None, previous=done, generation=3, now=LATER)
    assert again["phase"] == "Pending"


@pytest.mark.parametrize(("kind", "phase"), [("VoiceModel", "Failed"), ("SpeechBatch", "ValidationFailed")])
def test_validation_failed_status(kind: Any, phase: str) -> None:
    prev = {
        "phase": "Running",
        "rayJobName": "b",
        "counts": {"total": 4, "done": 1, "failed": 0, "skipped": 0},
    }
    out = validation_failed_status(
        kind,
        message="spec.replicas: replicas.min (3) must not exceed replicas.max (2)",
        generation=5,
        previous=prev,
        now=NOW,
    )
    assert out["phase"] == phase
    assert out["observedGeneration"] == 5
    assert out["message"] == "spec.replicas: replicas.min (3) must not exceed replicas.max (2)"
    found = get_condition(out["conditions"], "ValidationFailed")
    assert found is not None
    assert (found["status"], found["reason"], found["observedGeneration"]) == ("True", "InvalidSpec", 5)
    assert found["message"] == out["message"]


def test_validation_failure_keeps_a_serving_voicemodel_ready_condition() -> None:
    prev = {
        "phase": "Ready",
        "endpoint": "http://m-serve-svc.t.svc:8000",
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "Serving",
                "message": "",
                "lastTransitionTime": "2026-03-01T11:00:00Z",
            }
        ],
    }
    out = validation_failed_status("VoiceModel", message="spec: bad", generation=3, previous=prev, now=NOW)
    ready = get_condition(out["conditions"], "Ready")
    assert ready is not None
    assert ready["status"] == "True"
    assert out["endpoint"] == prev["endpoint"]


def qa_progress(checked: int, passed: int, failed: int, unchecked: int, finished: bool) -> Progress:
    qa = {"checked": checked, "passed": passed, "failed": failed, "unchecked": unchecked}
    return Progress(total=4, done=4 if finished else 2, failed=0, finished=finished, qa=qa)


@pytest.mark.parametrize(
    ("deployment", "job", "counts", "status", "reason", "said"),
    [
        ("Running", "RUNNING", (2, 2, 0, 0), "False", "QualityPending", "so far 2 checked"),
        (
            "Complete",
            "SUCCEEDED",
            (3, 3, 0, 1),
            "True",
            "QualityPassed",
            "3 checked, 3 passed, 0 failed, 1 unchecked",
        ),
        ("Running", "RUNNING", (2, 1, 1, 0), "False", "QualityFailed", "summary.json"),
        ("Complete", "SUCCEEDED", (4, 3, 1, 0), "False", "QualityFailed", "summary.json"),
    ],
)
def test_quality_counts_and_condition(
    deployment: str, job: str, counts: tuple[int, int, int, int], status: str, reason: str, said: str
) -> None:
    """The driver's ``qa`` counts become status.quality and the QualityChecked condition: pending while
    it runs, failed as soon as one file failed its check, passed when it ends with none failed."""
    out = derive(rayjob(deployment, job), progress=qa_progress(*counts, finished=deployment == "Complete"))
    assert out["quality"] == dict(zip(("checked", "passed", "failed", "unchecked"), counts, strict=True))
    cond = get_condition(out["conditions"], "QualityChecked")
    assert cond is not None
    assert (cond["status"], cond["reason"]) == (status, reason)
    assert said in cond["message"]


def test_no_quality_counts_no_condition() -> None:
    """No counts from the driver (quality.check off, or an older driver): no condition, no field."""
    plain = derive(rayjob("Running", "RUNNING"), progress=Progress(total=4, done=1, failed=0))
    assert "quality" not in plain
    assert get_condition(plain["conditions"], "QualityChecked") is None
