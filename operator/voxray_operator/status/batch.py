"""PURE status of a SpeechBatch from its RayJob, and its TextModelReady condition. No I/O.

SpeechBatch ``TextModelReady`` (only for ``spec.generate.textModel``): False while the TextModel is
missing (TextModelNotFound), invalid (TextModelInvalid), not Ready (TextModelNotReady), has no key a batch
could send (NoBatchCredentials) or its batch key Secret is unusable (SecretNotFound / SecretKeyNotFound);
True (TextModelReady) once the RayJob was created against it.

A queued batch (``spec.queueName``): its RayJob is created with ``suspend: true`` and the Kueue label;
Kueue's mutating webhook and job reconciler keep it suspended until its Workload is admitted to the
LocalQueue's ClusterQueue, then set ``suspend: false`` (and suspend it again when the Workload is
preempted or evicted; KubeRay then deletes the cluster: Suspending, Suspended). So while the RayJob is
suspended and not finished the batch is ``Queued`` with ``Admitted`` False (reason Queued, or Requeued once
it had been admitted); once unsuspended ``Admitted`` is True and the phase follows KubeRay's
jobDeploymentStatus (Initializing: Pending, Running...). Batches without a queue carry no Admitted condition.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from voxray_operator.api.speechbatch import (
    BatchCounts,
    BatchOutputStatus,
    BatchQualityCounts,
    SpeechBatchStatus,
)
from voxray_operator.builders import GenerationTarget
from voxray_operator.builders.rayjob import KUEUE_QUEUE_LABEL
from voxray_operator.status.conditions import (
    Conditions,
    ConditionStatus,
    ConditionType,
    Reason,
    Status,
    get_condition,
    timestamp,
    with_condition,
)
from voxray_operator.status.kuberay import TERMINAL_JOB_DEPLOYMENTS, JobDeploymentStatus, JobStatus, dig
from voxray_runtime.batch.progress import Progress
from voxray_runtime.spec.speechbatch import SpeechBatchSpec


class BatchPhase(StrEnum):
    """``status.phase`` of a SpeechBatch (the CRD's enum)."""

    PENDING = "Pending"
    #: waiting for Kueue to admit its RayJob (spec.queueName)
    QUEUED = "Queued"
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


def _quality(progress: Progress | None, prev: Status) -> BatchQualityCounts | None:
    if progress is not None and progress.qa is not None:
        return BatchQualityCounts.model_validate(progress.qa)
    raw = prev.get("quality")
    return BatchQualityCounts.model_validate(raw) if isinstance(raw, dict) else None


def _quality_condition(conditions: Conditions, quality: BatchQualityCounts | None, finished: bool) -> None:
    """QualityChecked, once the driver reports quality counts: False while files failed their check
    (QualityFailed) or before the batch ends (QualityPending), True when it ended with none failed."""
    if quality is None:
        return
    tally = f"{quality.checked} checked, {quality.passed} passed, {quality.failed} failed, "
    tally += f"{quality.unchecked} unchecked"
    if quality.failed:
        message = f"{tally}: the failed files are listed with their transcripts in summary.json (quality)"
        conditions.set(ConditionType.QUALITY_CHECKED, False, Reason.QUALITY_FAILED, message)
    elif finished:
        conditions.set(ConditionType.QUALITY_CHECKED, True, Reason.QUALITY_PASSED, tally)
    else:
        conditions.set(ConditionType.QUALITY_CHECKED, False, Reason.QUALITY_PENDING, f"so far {tally}")


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


def queue_of(rayjob: dict[str, Any] | None, spec: SpeechBatchSpec | None) -> str | None:
    """The Kueue LocalQueue of the batch: its RayJob's label, else ``spec.queueName``."""
    labels = dig(rayjob, "metadata", "labels") or {}
    queue = labels.get(KUEUE_QUEUE_LABEL) if isinstance(labels, dict) else None
    return str(queue) if queue else (spec.queue_name if spec is not None else None)


def waits_for_kueue(rayjob: dict[str, Any] | None) -> bool:
    """The RayJob exists, is suspended (not admitted, or preempted) and has not finished."""
    return rayjob is not None and dig(rayjob, "spec", "suspend") is True and not _terminal(rayjob)


def _admission(
    conditions: Conditions, rayjob: dict[str, Any] | None, queue: str, prev: Status
) -> tuple[str, str] | None:
    """Set Admitted for a batch queued in ``queue``; (reason, message) of a batch still waiting, else None."""
    if rayjob is None:
        message = f"the RayJob is about to be created in Kueue LocalQueue {queue}"
        conditions.set(ConditionType.ADMITTED, False, Reason.QUEUED, message)
        return None
    if waits_for_kueue(rayjob):
        before = get_condition(prev.get("conditions"), ConditionType.ADMITTED) or {}
        if before.get("status") == ConditionStatus.TRUE or before.get("reason") == Reason.REQUEUED:
            reason, message = (
                Reason.REQUEUED,
                f"Kueue suspended the RayJob (preempted or evicted); waiting in LocalQueue {queue} to be "
                "admitted again",
            )
        else:
            reason, message = Reason.QUEUED, f"waiting for Kueue to admit the RayJob from LocalQueue {queue}"
        conditions.set(ConditionType.ADMITTED, False, reason, message)
        return reason, message
    conditions.set(
        ConditionType.ADMITTED, True, Reason.ADMITTED, f"Kueue admitted the RayJob from LocalQueue {queue}"
    )
    return None


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
    queue = queue_of(rayjob, spec)
    queued = _admission(conditions, rayjob, queue, prev) if queue else None
    if queued is not None:
        phase, (reason, message) = BatchPhase.QUEUED, queued
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

    quality = _quality(progress, prev)
    _quality_condition(conditions, quality, finished=succeeded)

    rj_status = (rayjob or {}).get("status") or {}
    start = rj_status.get("startTime") or prev.get("startTime")
    if start is None and phase not in (BatchPhase.PENDING, BatchPhase.QUEUED) and rayjob is not None:
        start = timestamp(now)
    finish: str | None = None
    if phase in FINAL_PHASES:
        finish = rj_status.get("endTime") or prev.get("finishTime") or timestamp(now)
    status = SpeechBatchStatus(
        observed_generation=generation,
        phase=phase.value,
        counts=counts,
        quality=quality,
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
