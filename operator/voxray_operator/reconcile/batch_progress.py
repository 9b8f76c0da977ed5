"""A SpeechBatch's status from its RayJob and the driver's progress, written and exported as metrics.

Every watch event of the RayJob (KubeRay's jobDeploymentStatus / jobStatus), plus a progress timer while
the batch runs: it reads the driver's ``voxray-progress`` lines through the Ray dashboard's Jobs API
(:mod:`voxray_operator.ray_dashboard`) and writes the counts. At the end the logs are read once more for
the final counts. Every status the operator writes (or finds already written) sets the batch's
``voxray_operator_speechbatch_files`` / ``..._audio_seconds`` gauges from its counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voxray_operator import k8s
from voxray_operator.builders import BatchAuditKey, BuildError, GenerationTarget, parse_spec, rayjob_name
from voxray_operator.context import OperatorContext, write_status
from voxray_operator.status import (
    Status,
    batch_credentials_status,
    speechbatch_status_from_rayjob,
    text_model_condition,
)
from voxray_operator.status.kuberay import LOG_JOB_DEPLOYMENTS, dig
from voxray_runtime.batch.progress import Progress
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

KIND = k8s.SPEECHBATCHES.kind


def export_counts(ctx: OperatorContext, sb: Mapping[str, Any], st: Mapping[str, Any]) -> None:
    meta = sb.get("metadata") or {}
    ctx.metrics.batch_progress(str(meta.get("namespace")), str(meta.get("name")), st)


async def write_batch_status(ctx: OperatorContext, sb: dict[str, Any], new: Status) -> None:
    """Write the status when it changed (with its events) and export its counts as gauges."""
    await write_status(ctx, k8s.SPEECHBATCHES, sb, sb.get("status") or {}, new)
    export_counts(ctx, sb, new)


def pending_status(sb: dict[str, Any], spec: SpeechBatchSpec, ctx: OperatorContext) -> Status:
    """The status of a batch whose RayJob does not exist yet."""
    return speechbatch_status_from_rayjob(
        None,
        generation=sb["metadata"].get("generation"),
        progress=None,
        previous=sb.get("status") or {},
        now=ctx.now(),
        spec=spec,
    )


async def refresh_status(
    ctx: OperatorContext,
    sb: dict[str, Any],
    rayjob: dict[str, Any] | None,
    spec: SpeechBatchSpec | None,
    *,
    progress: Progress | None,
    audit: BatchAuditKey | None = None,
    text: GenerationTarget | None = None,
) -> Status:
    """Derive and write the status; ``audit``: the audit key of a RayJob just created (CredentialsReady),
    ``text``: its TextModel (TextModelReady)."""
    generation = sb["metadata"].get("generation")
    new = speechbatch_status_from_rayjob(
        rayjob,
        generation=generation,
        progress=progress,
        previous=sb.get("status") or {},
        now=ctx.now(),
        spec=spec,
    )
    if audit is not None:
        new = batch_credentials_status(new, audit, generation=generation, now=ctx.now())
    if text is not None:
        new = text_model_condition(new, generation=generation, now=ctx.now(), target=text)
    await write_batch_status(ctx, sb, new)
    return new


async def poll_progress(ctx: OperatorContext, namespace: str, name: str, logger: Any) -> Status | None:
    """Read the RayJob and (while it has logs) the driver's progress; write the status. Returns it."""
    async with ctx.lock(KIND, namespace, name):
        sb = await ctx.kube.get(k8s.SPEECHBATCHES, namespace, name)
        if sb is None or sb["metadata"].get("deletionTimestamp"):
            return None
        try:
            spec = parse_spec("SpeechBatch", sb.get("spec"))
        except BuildError:
            return None
        rayjob = await ctx.kube.get(k8s.RAYJOBS, namespace, rayjob_name(name))
        if rayjob is None:
            # nothing new to report: before the RayJob exists the reconciler says why (waiting for a
            # VoiceModel...), and after its TTL a finished batch keeps its final status
            return dict(sb.get("status") or {})
        progress = None
        if dig(rayjob, "status", "jobDeploymentStatus") in LOG_JOB_DEPLOYMENTS:
            poll = await ctx.dashboard.rayjob_progress(rayjob)
            ctx.metrics.progress_polls.labels(result=poll.kind.replace("-", "_")).inc()
            if poll.kind == "error":
                logger.info("no progress from the Ray dashboard: %s", poll.reason)
            progress = poll.progress
        return await refresh_status(ctx, sb, rayjob, spec, progress=progress)
