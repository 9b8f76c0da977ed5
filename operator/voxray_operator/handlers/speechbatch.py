"""SpeechBatch -> ConfigMap (the batch document) + RayJob; status and progress from KubeRay and Ray.

- Create / resume: parse the spec, read the VoiceModels it names (their specs travel in the document;
  ``runOn.voiceModel`` also needs that VoiceModel's current RayCluster), build, create what is missing.
  A VoiceModel that does not exist yet, or has no cluster yet, is retried with a Pending status saying so.
- A RayJob is a run, not a desired state: once created, spec changes are not pushed into it (KubeRay would
  not rerun the job anyway); the SpeechBatch says so with a Warning event. A finished batch whose
  RayJob was removed after ``ttlSecondsAfterFinished`` is not run again, not even on operator restart.
- Audit key (:func:`voxray_operator.builders.security.batch_audit_key`): before the RayJob is created,
  the Secret its driver's audit hashes use is read. Missing or without its key: CredentialsReady False
  (SecretNotFound / SecretKeyNotFound), nothing is created, and it is retried; the operator never
  generates a Secret for a batch (a VoiceModel's generated ``<name>-audit-key`` comes from that
  VoiceModel). Otherwise CredentialsReady True says which Secret, or that the key is random per run.
- ``spec.generate.textModel`` (:mod:`voxray_operator.builders.generate`): before the RayJob is created the
  TextModel is looked up (by name, else servedModelName) and must be Ready, and its batch key Secret item
  must exist. Otherwise the TextModelReady condition is False with the reason (TextModelNotFound,
  TextModelNotReady, TextModelInvalid, NoBatchCredentials, SecretNotFound, SecretKeyNotFound), nothing is
  created, and it is retried; once the RayJob exists, TextModelReady True names the TextModel and key.
- Status: every watch event of the RayJob (KubeRay's jobDeploymentStatus / jobStatus), plus a progress
  timer while the batch runs: it reads the driver's ``voxray-progress`` lines through the Ray dashboard's
  Jobs API and writes the counts. At the end the logs are read once more for the final counts.
- Metrics: every status the operator writes (or finds already written) sets the batch's
  ``voxray_operator_speechbatch_files`` / ``..._audio_seconds`` gauges from its counts.
- Deletion: the ConfigMap and RayJob go with their owner (ownerReferences); kopf keeps its finalizer on
  a SpeechBatch only while the progress timer runs. The batch's gauges go with its DELETED event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import kopf

from voxray_operator import k8s, status
from voxray_operator.builders import (
    SPEC_HASH_ANNOTATION,
    SPEECHBATCH_LABEL,
    BuildError,
    build_batch_configmap,
    build_rayjob,
    parse_spec,
    rayjob_name,
    rayservice_name,
    spec_hash,
)
from voxray_operator.builders.generate import (
    GenerationTarget,
    TextModelInfo,
    TextModelUnavailableError,
    generation_target,
)
from voxray_operator.builders.security import BatchAuditKey, batch_audit_key, secret_problem
from voxray_operator.context import OperatorContext, get_context, nap, plain, post_event, write_status
from voxray_operator.drift import child_drift, controller_owner, owned_by
from voxray_operator.status_text import text_model_condition
from voxray_runtime.batch.progress import Progress
from voxray_runtime.spec.common import GROUP, VERSION
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

KIND: Literal["SpeechBatch"] = "SpeechBatch"
PLURAL = "speechbatches"
FINAL_PHASES = frozenset({"Succeeded", "Failed"})
#: phases in which the progress timer does not run
IDLE_PHASES = frozenset({"Succeeded", "Failed", "ValidationFailed"})
#: RayJob states in which the dashboard has logs worth reading
LOG_STATES = frozenset({"Running", "Complete", "Failed"})


def finished(sb: Mapping[str, Any]) -> bool:
    st = sb.get("status") or {}
    generation = (sb.get("metadata") or {}).get("generation")
    return st.get("phase") in FINAL_PHASES and st.get("observedGeneration") == generation


async def reconcile(ctx: OperatorContext, body: Mapping[str, Any], *, trigger: str, logger: Any) -> None:
    meta = body.get("metadata") or {}
    ns, name = str(meta.get("namespace")), str(meta.get("name"))
    async with ctx.lock(KIND, ns, name):
        with ctx.metrics.reconciling(KIND, trigger):
            fresh = await ctx.kube.get(k8s.SPEECHBATCHES, ns, name)
            if fresh is None or (fresh.get("metadata") or {}).get("deletionTimestamp"):
                return
            await _reconcile(ctx, fresh, trigger, logger)


async def _write(ctx: OperatorContext, sb: dict[str, Any], new: status.Status) -> None:
    """Write the status when it changed (with its events) and export its counts as gauges."""
    await write_status(ctx, k8s.SPEECHBATCHES, sb, sb.get("status") or {}, new)
    _export(ctx, sb, new)


def _export(ctx: OperatorContext, sb: Mapping[str, Any], st: Mapping[str, Any]) -> None:
    meta = sb.get("metadata") or {}
    ctx.metrics.batch_progress(str(meta.get("namespace")), str(meta.get("name")), st)


async def _invalid(ctx: OperatorContext, sb: dict[str, Any], error: BuildError) -> None:
    new = status.validation_failed_status(
        KIND,
        message=str(error),
        generation=sb["metadata"].get("generation"),
        previous=sb.get("status") or {},
        now=ctx.now(),
    )
    await _write(ctx, sb, new)


async def _voice_models(ctx: OperatorContext, ns: str, spec: SpeechBatchSpec) -> dict[str, VoiceModelSpec]:
    """Specs of the VoiceModels the batch names that exist and are valid (the builder reports the rest)."""
    names = list(
        dict.fromkeys([*spec.voice_models, *([spec.run_on.voice_model] if spec.run_on.voice_model else [])])
    )
    out: dict[str, VoiceModelSpec] = {}
    for vm_name in names:
        vm = await ctx.kube.get(k8s.VOICEMODELS, ns, vm_name)
        if vm is None:
            continue
        try:
            out[vm_name] = parse_spec("VoiceModel", vm.get("spec"))
        except BuildError:
            continue
    return out


async def _text_models(ctx: OperatorContext, ns: str) -> dict[str, TextModelInfo]:
    """Every TextModel of the namespace: its parsed spec (None when invalid), phase and status message."""
    out: dict[str, TextModelInfo] = {}
    for tm in await ctx.kube.list(k8s.TEXTMODELS, ns):
        name = str((tm.get("metadata") or {}).get("name") or "")
        st = tm.get("status") or {}
        try:
            spec = parse_spec("TextModel", tm.get("spec"))
            message = str(st.get("message") or "")
        except BuildError as exc:
            spec, message = None, str(exc)
        out[name] = TextModelInfo(name, spec, phase=str(st.get("phase") or ""), message=message)
    return out


async def _generation(
    ctx: OperatorContext, sb: dict[str, Any], spec: SpeechBatchSpec
) -> GenerationTarget | None:
    """The batch's TextModel, checked usable (see the module docstring); TemporaryError while it is not."""
    if spec.generate is None or not spec.generate.text_model:
        return None
    ns = sb["metadata"]["namespace"]
    problem: tuple[str, str] | None = None
    target: GenerationTarget | None = None
    try:
        target = generation_target(spec, ns, await _text_models(ctx, ns))
    except TextModelUnavailableError as exc:
        problem = (exc.reason, str(exc))
    if target is not None and target.key is not None:
        secret = await ctx.kube.get(k8s.SECRETS, ns, target.key.name)
        found = secret_problem(secret, target.key, ns)
        if found is not None:
            problem = (found[0], f"{found[1]}: the batch key of TextModel {target.text_model}")
    if problem is None:
        return target
    generation = sb["metadata"].get("generation")
    new = status.speechbatch_status_from_rayjob(
        None, generation=generation, progress=None, previous=sb.get("status") or {}, now=ctx.now(), spec=spec
    )
    new = text_model_condition(new, generation=generation, now=ctx.now(), problem=problem)
    await _write(ctx, sb, new)
    raise kopf.TemporaryError(problem[1], delay=ctx.settings.retry_delay_seconds)


async def _cluster_of(ctx: OperatorContext, ns: str, voicemodel: str | None) -> str | None:
    if not voicemodel:
        return None
    rs = await ctx.kube.get(k8s.RAYSERVICES, ns, rayservice_name(voicemodel))
    name = (((rs or {}).get("status") or {}).get("activeServiceStatus") or {}).get("rayClusterName")
    return name if isinstance(name, str) and name else None


async def _pending(ctx: OperatorContext, sb: dict[str, Any], spec: SpeechBatchSpec, why: str) -> None:
    new = status.speechbatch_status_from_rayjob(
        None,
        generation=sb["metadata"].get("generation"),
        progress=None,
        previous=sb.get("status") or {},
        now=ctx.now(),
        spec=spec,
    )
    new["message"] = why
    await _write(ctx, sb, new)


async def _ensure(
    ctx: OperatorContext,
    res: k8s.Resource,
    owner: dict[str, Any],
    desired: dict[str, Any],
    *,
    update: bool = False,
) -> Any:
    """Create the child, or return the existing one we own (brought up to date with ``update``)."""
    ns, name = desired["metadata"]["namespace"], desired["metadata"]["name"]
    existing = await ctx.kube.get(res, ns, name)
    if existing is None:
        try:
            created = await ctx.kube.create(res, ns, desired)
        except k8s.ConflictError:
            existing = await ctx.kube.get(res, ns, name)
            if existing is None:
                raise
        else:
            post_event(owner, "Normal", "Created", f"created {res.kind} {name}")
            return created
    if not owned_by(existing, owner):
        raise BuildError(
            f"{res.kind} {name} already exists and is not owned by this SpeechBatch; rename one of them",
            field="metadata.name",
        )
    drift = child_drift(existing, desired) if update else None
    if drift is not None:
        return await ctx.kube.patch(res, ns, name, drift.patch)
    return existing


async def _reconcile(ctx: OperatorContext, sb: dict[str, Any], trigger: str, logger: Any) -> None:
    meta = sb["metadata"]
    ns, name = meta["namespace"], meta["name"]
    try:
        spec = parse_spec("SpeechBatch", sb.get("spec"))
    except BuildError as exc:
        logger.warning("invalid spec: %s", exc)
        await _invalid(ctx, sb, exc)
        return

    rayjob = await ctx.kube.get(k8s.RAYJOBS, ns, rayjob_name(name))
    if rayjob is None and finished(sb):
        _export(ctx, sb, sb.get("status") or {})  # a restarted operator still shows the final counts
        return  # removed after its TTL: the batch is done, never run it again
    audit: BatchAuditKey | None = None
    generation: GenerationTarget | None = None
    if rayjob is None:
        models = await _voice_models(ctx, ns, spec)
        cluster = await _cluster_of(ctx, ns, spec.run_on.voice_model)
        generation = await _generation(ctx, sb, spec)
        try:
            configmap = build_batch_configmap(name, ns, spec, voice_models=models, owner=sb)
            job = build_rayjob(
                name,
                ns,
                spec,
                ctx.build,
                voice_models=models,
                cluster_name=cluster,
                owner=sb,
                generation=generation,
            )
            audit = batch_audit_key(spec, models)
            await _check_audit_key(ctx, sb, spec, audit)
            # no RayJob has read it yet: the document may still follow the spec
            await _ensure(ctx, k8s.CONFIGMAPS, sb, configmap, update=True)
            rayjob = await _ensure(ctx, k8s.RAYJOBS, sb, job)
        except BuildError as exc:
            if exc.retryable:
                await _pending(ctx, sb, spec, str(exc))
                raise kopf.TemporaryError(str(exc), delay=ctx.settings.retry_delay_seconds) from exc
            await _invalid(ctx, sb, exc)
            return
    elif not owned_by(rayjob, sb):
        await _invalid(
            ctx,
            sb,
            BuildError(
                f"RayJob {rayjob_name(name)} exists and is not owned by this SpeechBatch",
                field="metadata.name",
            ),
        )
        return
    elif trigger == "update" and (rayjob["metadata"].get("annotations") or {}).get(
        SPEC_HASH_ANNOTATION
    ) != spec_hash(spec):
        post_event(
            sb,
            "Warning",
            "SpecChangeIgnored",
            f"RayJob {rayjob_name(name)} already runs the earlier spec; delete and re-create the "
            "SpeechBatch to render with the new one",
        )
    await refresh_status(ctx, sb, rayjob, spec, progress=None, audit=audit, text=generation)


async def _check_audit_key(
    ctx: OperatorContext, sb: dict[str, Any], spec: SpeechBatchSpec, audit: BatchAuditKey
) -> None:
    """Read the audit key Secret; when unusable write CredentialsReady False and retry (TemporaryError)."""
    if audit.secret is None:
        return
    ns = sb["metadata"]["namespace"]
    problem = secret_problem(await ctx.kube.get(k8s.SECRETS, ns, audit.secret.name), audit.secret, ns)
    if problem is None:
        return
    generation = sb["metadata"].get("generation")
    new = status.speechbatch_status_from_rayjob(
        None, generation=generation, progress=None, previous=sb.get("status") or {}, now=ctx.now(), spec=spec
    )
    new = status.batch_credentials_status(new, audit, generation=generation, now=ctx.now(), problem=problem)
    await _write(ctx, sb, new)
    raise kopf.TemporaryError(str(new.get("message")), delay=ctx.settings.retry_delay_seconds)


async def refresh_status(
    ctx: OperatorContext,
    sb: dict[str, Any],
    rayjob: dict[str, Any] | None,
    spec: SpeechBatchSpec | None,
    *,
    progress: Progress | None,
    audit: BatchAuditKey | None = None,
    text: GenerationTarget | None = None,
) -> dict[str, Any]:
    """Derive and write the status; ``audit``: the audit key of a RayJob just created (CredentialsReady),
    ``text``: its TextModel (TextModelReady)."""
    generation = sb["metadata"].get("generation")
    new = status.speechbatch_status_from_rayjob(
        rayjob,
        generation=generation,
        progress=progress,
        previous=sb.get("status") or {},
        now=ctx.now(),
        spec=spec,
    )
    if audit is not None:
        new = status.batch_credentials_status(new, audit, generation=generation, now=ctx.now())
    if text is not None:
        new = text_model_condition(new, generation=generation, now=ctx.now(), target=text)
    await _write(ctx, sb, new)
    return new


async def poll_progress(
    ctx: OperatorContext, namespace: str, name: str, logger: Any
) -> dict[str, Any] | None:
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
        progress = None
        if rayjob is not None and (rayjob.get("status") or {}).get("jobDeploymentStatus") in LOG_STATES:
            poll = await ctx.dashboard.rayjob_progress(rayjob)
            ctx.metrics.progress_polls.labels(result=poll.kind.replace("-", "_")).inc()
            if poll.kind == "error":
                logger.info("no progress from the Ray dashboard: %s", poll.reason)
            progress = poll.progress
        if rayjob is None:
            # nothing new to report: before the RayJob exists the reconciler says why (waiting for a
            # VoiceModel...), and after its TTL a finished batch keeps its final status
            return dict(sb.get("status") or {})
        return await refresh_status(ctx, sb, rayjob, spec, progress=progress)


# ---- kopf wiring --------------------------------------------------------------------------------------


@kopf.on.resume(GROUP, VERSION, PLURAL, id="speechbatch-resume")
@kopf.on.create(GROUP, VERSION, PLURAL, id="speechbatch-create")
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec", id="speechbatch-update")
async def speechbatch_changed(
    body: kopf.Body, reason: str, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    await reconcile(get_context(memo), plain(body), trigger=str(reason), logger=logger)


@kopf.on.event("ray.io", "v1", "rayjobs", labels={SPEECHBATCH_LABEL: kopf.PRESENT})
async def rayjob_event(
    body: kopf.Body, event: kopf.RawEvent, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    """KubeRay's status updates of a SpeechBatch's RayJob; the final one also reads the final counts."""
    owner = controller_owner(body, KIND, GROUP)
    if owner is None:
        return
    ctx = get_context(memo)
    ns = body.get("metadata", {}).get("namespace")
    if event.get("type") == "DELETED":
        # after ttlSecondsAfterFinished, or by hand: a running batch gets a new RayJob from reconcile
        sb = await ctx.kube.get(k8s.SPEECHBATCHES, ns, owner["name"])
        if sb is not None and sb["metadata"].get("uid") == owner["uid"] and not finished(sb):
            await reconcile(ctx, sb, trigger="rayjob-deleted", logger=logger)
        return
    with ctx.metrics.reconciling(KIND, "rayjob-event"):
        await poll_progress(ctx, ns, owner["name"], logger)


def progress_wanted(status: kopf.Status, **_: Any) -> bool:
    return status.get("phase") not in IDLE_PHASES


@kopf.daemon(
    GROUP,
    VERSION,
    PLURAL,
    id="progress",
    when=progress_wanted,
    cancellation_backoff=2.0,
    cancellation_timeout=10.0,
)
async def progress_timer(
    name: str,
    namespace: str | None,
    stopped: kopf.DaemonStopped,
    memo: kopf.Memo,
    logger: kopf.Logger,
    **_: Any,
) -> None:
    """Every ``progressIntervalSeconds`` while the batch runs; ends with the batch."""
    ctx = get_context(memo)
    if namespace is None:
        return
    while not stopped and not ctx.closed:
        try:
            st = await poll_progress(ctx, namespace, name, logger)
        except Exception:  # a failed poll must not end progress reporting
            if ctx.closed:
                return
            logger.exception("progress poll failed")
            ctx.metrics.reconcile_errors.labels(kind=KIND, trigger="progress").inc()
        else:
            if st is None or st.get("phase") in IDLE_PHASES:
                return
        await nap(stopped, ctx.settings.progress_interval_seconds)


@kopf.on.event(GROUP, VERSION, PLURAL, id="speechbatch-gone")
async def speechbatch_gone(
    event: kopf.RawEvent, name: str, namespace: str | None, memo: kopf.Memo, **_: Any
) -> None:
    """Forget in-memory state of a deleted SpeechBatch: its lock and its gauges."""
    if event.get("type") == "DELETED" and namespace:
        ctx = get_context(memo)
        # after a poll or reconcile that is still running (it finds the batch gone and exports nothing)
        async with ctx.lock(KIND, namespace, name):
            ctx.metrics.forget_batch(namespace, name)
        ctx.forget(KIND, namespace, name)
