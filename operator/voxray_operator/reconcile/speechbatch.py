"""SpeechBatch -> ConfigMap (the batch document) + RayJob.

- Create / resume: parse the spec, gather what it waits for (:mod:`voxray_operator.reconcile.batch_inputs`:
  VoiceModels, the cluster of ``runOn.voiceModel``, the TextModel, the audit key), build, create what is
  missing. A VoiceModel that does not exist yet, or has no cluster yet, is retried with a Pending status
  saying so.
- A RayJob is a run, not a desired state: once created, spec changes are not pushed into it (KubeRay would
  not rerun the job anyway); the SpeechBatch says so with a Warning event. A finished batch whose
  RayJob was removed after ``ttlSecondsAfterFinished`` is not run again, not even on operator restart.
- Status: :mod:`voxray_operator.reconcile.batch_progress`.
- Deletion: the ConfigMap and RayJob go with their owner (ownerReferences).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import kopf

from voxray_operator import k8s
from voxray_operator.builders import (
    SPEC_HASH_ANNOTATION,
    BatchAuditKey,
    BuildError,
    GenerationTarget,
    batch_audit_key,
    build_batch_configmap,
    build_rayjob,
    parse_spec,
    rayjob_name,
    spec_hash,
)
from voxray_operator.context import OperatorContext, post_event, reconcile_latest
from voxray_operator.drift import owned_by
from voxray_operator.reconcile.batch_inputs import (
    check_audit_key,
    text_model,
    voice_models,
    voicemodel_cluster,
)
from voxray_operator.reconcile.batch_progress import (
    export_counts,
    pending_status,
    refresh_status,
    write_batch_status,
)
from voxray_operator.reconcile.children import ensure_child, not_owned_error
from voxray_operator.reconcile.lexicons import named_lexicons
from voxray_operator.status import FINAL_PHASES, EventReason, EventType, validation_failed_status
from voxray_runtime.spec.speechbatch import SpeechBatchSpec


def finished(sb: Mapping[str, Any]) -> bool:
    """Whether the batch is done for its current generation (Succeeded or Failed)."""
    st = sb.get("status") or {}
    generation = (sb.get("metadata") or {}).get("generation")
    return st.get("phase") in FINAL_PHASES and st.get("observedGeneration") == generation


async def reconcile_speechbatch(
    ctx: OperatorContext, body: Mapping[str, Any], *, trigger: str, logger: Any
) -> None:
    """Reconcile the SpeechBatch of ``body`` as it is now, under its lock (see the module docstring)."""

    async def step(fresh: dict[str, Any]) -> None:
        await _reconcile(ctx, fresh, trigger, logger)

    await reconcile_latest(ctx, k8s.SPEECHBATCHES, body, trigger, step)


async def _invalid(ctx: OperatorContext, sb: dict[str, Any], error: BuildError) -> None:
    new = validation_failed_status(
        "SpeechBatch",
        message=str(error),
        generation=sb["metadata"].get("generation"),
        previous=sb.get("status") or {},
        now=ctx.now(),
    )
    await write_batch_status(ctx, sb, new)


async def _create_children(
    ctx: OperatorContext, sb: dict[str, Any], spec: SpeechBatchSpec, logger: Any
) -> tuple[dict[str, Any], BatchAuditKey, GenerationTarget | None]:
    """Build and create the batch document and the RayJob: (RayJob, its audit key, its TextModel)."""
    ns, name = sb["metadata"]["namespace"], sb["metadata"]["name"]
    models = await voice_models(ctx, ns, spec)
    cluster = await voicemodel_cluster(ctx, ns, spec.run_on.voice_model)
    text_target = await text_model(ctx, sb, spec)
    lexicons = await named_lexicons(ctx, ns, spec.lexicons)
    configmap = build_batch_configmap(name, ns, spec, voice_models=models, lexicons=lexicons, owner=sb)
    job = build_rayjob(
        name, ns, spec, ctx.build, voice_models=models, cluster_name=cluster, owner=sb, generation=text_target
    )
    audit = batch_audit_key(spec, models)
    await check_audit_key(ctx, sb, spec, audit)
    # no RayJob has read it yet: the document may still follow the spec
    existing_cm = await ctx.kube.get(k8s.CONFIGMAPS, ns, configmap["metadata"]["name"])
    await ensure_child(ctx, k8s.CONFIGMAPS, sb, configmap, existing_cm, logger=logger, announce_drift=False)
    existing_job = await ctx.kube.get(k8s.RAYJOBS, ns, job["metadata"]["name"])
    rayjob = await ensure_child(ctx, k8s.RAYJOBS, sb, job, existing_job, logger=logger, patch_drift=False)
    return rayjob, audit, text_target


async def _reconcile(ctx: OperatorContext, sb: dict[str, Any], trigger: str, logger: Any) -> None:
    meta = sb["metadata"]
    ns, name = meta["namespace"], meta["name"]
    try:
        spec = parse_spec("SpeechBatch", sb.get("spec"))
    except BuildError as exc:
        logger.warning("invalid spec: %s", exc)
        await _invalid(ctx, sb, exc)
        return

    job_name = rayjob_name(name)
    rayjob = await ctx.kube.get(k8s.RAYJOBS, ns, job_name)
    if rayjob is None and finished(sb):
        export_counts(ctx, sb, sb.get("status") or {})  # a restarted operator still shows the final counts
        return  # removed after its TTL: the batch is done, never run it again
    audit: BatchAuditKey | None = None
    text_target: GenerationTarget | None = None
    if rayjob is None:
        try:
            rayjob, audit, text_target = await _create_children(ctx, sb, spec, logger)
        except BuildError as exc:
            if exc.retryable:
                pending = pending_status(sb, spec, ctx)
                pending["message"] = str(exc)
                await write_batch_status(ctx, sb, pending)
                raise kopf.TemporaryError(str(exc), delay=ctx.settings.retry_delay_seconds) from exc
            await _invalid(ctx, sb, exc)
            return
    elif not owned_by(rayjob, sb):
        await _invalid(ctx, sb, not_owned_error(k8s.RAYJOBS.kind, job_name, sb))
        return
    elif trigger == "update" and (rayjob["metadata"].get("annotations") or {}).get(
        SPEC_HASH_ANNOTATION
    ) != spec_hash(spec):
        post_event(
            sb,
            EventType.WARNING,
            EventReason.SPEC_CHANGE_IGNORED,
            f"RayJob {job_name} already runs the earlier spec; delete and re-create the "
            "SpeechBatch to render with the new one",
        )
    await refresh_status(ctx, sb, rayjob, spec, progress=None, audit=audit, text=text_target)
