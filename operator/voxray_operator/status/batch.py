"""PURE status of a SpeechBatch from its RayJob, and its TextModelReady condition. No I/O.

SpeechBatch ``TextModelReady`` (only for ``spec.generate.textModel``): False while the TextModel is
missing (TextModelNotFound), invalid (TextModelInvalid), not Ready (TextModelNotReady), has no key a batch
could send (NoBatchCredentials) or its batch key Secret is unusable (SecretNotFound / SecretKeyNotFound);
True (TextModelReady) once the RayJob was created against it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from voxray_operator.api.speechbatch import BatchCounts, BatchOutputStatus, SpeechBatchStatus
from voxray_operator.builders import GenerationTarget
from voxray_operator.status.conditions import (
    Conditions,
    ConditionType,
    Reason,
    Status,
    timestamp,
    with_condition,
)
from voxray_operator.status.kuberay import TERMINAL_JOB_DEPLOYMENTS, JobDeploymentStatus, JobStatus, dig
from voxray_runtime.batch.progress import Progress
from voxray_runtime.spec.speechbatch import SpeechBatchSpec


class BatchPhase(StrEnum):
    """``status.phase`` of a SpeechBatch (the CRD's enum)."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    VALIDATION_FAILED = "ValidationFailed"


#: a batch in these phases is done for its generation
FINAL_PHASES = frozenset({BatchPhase.SUCCEEDED, BatchPhase.FAILED})
#: phases in which nothing more happens until the spec changes
IDLE_PHASES = frozenset({*FINAL_PHASES, BatchPhase.VALIDATION_FAILED})


def _counts(progress: Progress | None, prev: Status) -> BatchCounts | None:
    if progress is not None:
        return BatchCounts(
            total=progress.total, done=progress.done, failed=progress.failed, skipped=progress.skipped
        )
    raw = prev.get("counts")
    return BatchCounts.model_validate(raw) if isinstance(raw, dict) else None


def _progress_message(counts: BatchCounts | None) -> str:
    if counts is None or counts.total == 0:
        return ""
    text = f"{counts.done}/{counts.total} files done"
    if counts.failed:
        text += f", {counts.failed} failed"
    if counts.skipped:
        text += f", {counts.skipped} already present"
    return text


def _terminal(rayjob: dict[str, Any]) -> bool:
    return dig(rayjob, "status", "jobDeploymentStatus") in TERMINAL_JOB_DEPLOYMENTS


def _output(spec: SpeechBatchSpec | None, prev: Status) -> BatchOutputStatus | None:
    if spec is not None:
        return BatchOutputStatus(
            volume_claim=spec.output.volume_claim, path=spec.output.path, manifest=spec.output.manifest
        )
    raw = prev.get("output")
    return BatchOutputStatus.model_validate(raw) if isinstance(raw, dict) else None


def _phase(rayjob: dict[str, Any] | None, counts: BatchCounts | None) -> tuple[BatchPhase, str, str]:
    """(phase, reason, message) for KubeRay's jobDeploymentStatus / jobStatus."""
    rj_status = (rayjob or {}).get("status") or {}
    deployment = str(rj_status.get("jobDeploymentStatus") or "")
    job = str(rj_status.get("jobStatus") or "")
    rj_reason = str(rj_status.get("reason") or "")
    rj_message = str(rj_status.get("message") or "")
    complete = deployment == JobDeploymentStatus.COMPLETE
    if rayjob is None:
        return BatchPhase.PENDING, Reason.RAYJOB_PENDING, "waiting for the RayJob to be created"
    if complete and job == JobStatus.SUCCEEDED:
        return BatchPhase.SUCCEEDED, Reason.SUCCEEDED, _progress_message(counts) or "the batch finished"
    if complete and job == JobStatus.STOPPED:
        return BatchPhase.FAILED, Reason.STOPPED, rj_message or "the Ray job was stopped"
    if deployment in (JobDeploymentStatus.FAILED, JobDeploymentStatus.VALIDATION_FAILED) or (
        complete and job == JobStatus.FAILED
    ):
        validation = deployment == JobDeploymentStatus.VALIDATION_FAILED
        reason = rj_reason or (Reason.KUBERAY_VALIDATION_FAILED if validation else Reason.JOB_FAILED)
        return BatchPhase.FAILED, reason, rj_message or "the Ray job failed"
    if deployment == JobDeploymentStatus.RUNNING and job == JobStatus.RUNNING:
        return BatchPhase.RUNNING, Reason.RUNNING, _progress_message(counts) or "the batch is running"
    if deployment in (JobDeploymentStatus.SUSPENDED, JobDeploymentStatus.SUSPENDING):
        return BatchPhase.PENDING, Reason.SUSPENDED, "the RayJob is suspended"
    if deployment == JobDeploymentStatus.RETRYING:
        return BatchPhase.PENDING, Reason.RETRYING, rj_message or "the Ray job failed and is retried"
    message = "waiting for the Ray cluster and the job submission" + (
        f" ({deployment})" if deployment else ""
    )
    return BatchPhase.PENDING, Reason.STARTING, message


def speechbatch_status_from_rayjob(
    rayjob: dict[str, Any] | None,
    *,
    generation: int | None,
    progress: Progress | None,
    previous: Status | None,
    now: datetime,
    spec: SpeechBatchSpec | None = None,
) -> Status:
    """The SpeechBatch status for its RayJob (None: not created yet, or deleted after retention).

    A finished batch stays finished: once Succeeded/Failed for this generation, a missing or reset
    RayJob does not take it back to Pending. ``progress``: the last line the driver logged, if any.
    """
    prev = previous or {}
    same_generation = prev.get("observedGeneration") == generation
    if prev.get("phase") in FINAL_PHASES and same_generation and (rayjob is None or not _terminal(rayjob)):
        return dict(prev)

    counts = _counts(progress, prev)
    phase, reason, message = _phase(rayjob, counts)
    conditions = Conditions(prev, generation=generation, now=now)
    conditions.set(ConditionType.VALIDATION_FAILED, False, Reason.SPEC_VALID, "the spec is valid")
    running = phase == BatchPhase.RUNNING
    conditions.set(ConditionType.RUNNING, running, reason, message if running else "")
    succeeded = phase == BatchPhase.SUCCEEDED
    conditions.set(
        ConditionType.COMPLETE,
        succeeded,
        reason if succeeded else Reason.NOT_FINISHED,
        message if succeeded else "",
    )
    failed = phase == BatchPhase.FAILED
    conditions.set(
        ConditionType.FAILED, failed, reason if failed else Reason.NO_FAILURE, message if failed else ""
    )

    rj_status = (rayjob or {}).get("status") or {}
    start = rj_status.get("startTime") or prev.get("startTime")
    if start is None and phase != BatchPhase.PENDING and rayjob is not None:
        start = timestamp(now)
    finish: str | None = None
    if phase in FINAL_PHASES:
        finish = rj_status.get("endTime") or prev.get("finishTime") or timestamp(now)
    status = SpeechBatchStatus(
        observed_generation=generation,
        phase=phase.value,
        counts=counts,
        audio_seconds=progress.audio_seconds if progress is not None else prev.get("audioSeconds"),
        ray_job_name=dig(rayjob, "metadata", "name") or prev.get("rayJobName"),
        ray_job_id=rj_status.get("jobId") or prev.get("rayJobId"),
        output=_output(spec, prev),
        start_time=start,
        finish_time=finish,
        message=message,
    )
    out = status.to_wire()
    out["conditions"] = conditions.items
    return out


def text_model_condition(
    previous: Status | None,
    *,
    generation: int | None,
    now: datetime,
    target: GenerationTarget | None = None,
    problem: tuple[str, str] | None = None,
) -> Status:
    """The previous SpeechBatch status with TextModelReady: False with ``problem`` (reason, message),
    else True for ``target``. With a problem the status message says it too."""
    if problem is not None:
        reason, message = problem
        out = with_condition(
            previous, ConditionType.TEXT_MODEL_READY, False, reason, message, generation=generation, now=now
        )
        out["message"] = message
        return out
    if target is not None:
        return with_condition(
            previous,
            ConditionType.TEXT_MODEL_READY,
            True,
            Reason.TEXT_MODEL_READY,
            target.describe(),
            generation=generation,
            now=now,
        )
    return dict(previous or {})
