"""What a SpeechBatch waits for before its RayJob is created: its VoiceModels (and the cluster of
``runOn.voiceModel``), its TextModel (``spec.generate.textModel``) and its audit key Secret.

- VoiceModels: their specs travel in the batch document; one that does not exist or is invalid is left
  out here and reported by the builder (retryable while it may still come).
- TextModel (:func:`voxray_operator.builders.generation_target`): looked up by name, else
  servedModelName; it must be Ready and its batch key Secret item must exist. Otherwise TextModelReady
  False with the reason (TextModelNotFound, TextModelNotReady, TextModelInvalid, NoBatchCredentials,
  SecretNotFound, SecretKeyNotFound), nothing is created, and it is retried.
- Audit key (:func:`voxray_operator.builders.batch_audit_key`): missing or without its key,
  CredentialsReady False (SecretNotFound / SecretKeyNotFound), nothing is created, and it is retried; the
  operator never generates a Secret for a batch (a VoiceModel's generated ``<name>-audit-key`` comes from
  that VoiceModel).
"""

from __future__ import annotations

from typing import Any

import kopf

from voxray_operator import k8s
from voxray_operator.builders import (
    BatchAuditKey,
    BuildError,
    GenerationTarget,
    TextModelInfo,
    TextModelUnavailableError,
    generation_target,
    parse_spec,
    rayservice_name,
    secret_problem,
)
from voxray_operator.context import OperatorContext
from voxray_operator.reconcile.batch_progress import pending_status, write_batch_status
from voxray_operator.status import batch_credentials_status, text_model_condition
from voxray_operator.status.kuberay import active_cluster_name
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec


async def voice_models(ctx: OperatorContext, ns: str, spec: SpeechBatchSpec) -> dict[str, VoiceModelSpec]:
    """Specs of the VoiceModels the batch names that exist and are valid (the builder reports the rest)."""
    run_on = [spec.run_on.voice_model] if spec.run_on.voice_model else []
    out: dict[str, VoiceModelSpec] = {}
    for vm_name in dict.fromkeys([*spec.voice_models, *run_on]):
        vm = await ctx.kube.get(k8s.VOICEMODELS, ns, vm_name)
        if vm is None:
            continue
        try:
            out[vm_name] = parse_spec("VoiceModel", vm.get("spec"))
        except BuildError:
            continue
    return out


async def voicemodel_cluster(ctx: OperatorContext, ns: str, voicemodel: str | None) -> str | None:
    """The RayCluster that serves ``voicemodel`` now (a batch with ``runOn.voiceModel`` runs there)."""
    if not voicemodel:
        return None
    return active_cluster_name(await ctx.kube.get(k8s.RAYSERVICES, ns, rayservice_name(voicemodel)))


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


async def text_model(
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
    new = text_model_condition(
        pending_status(sb, spec, ctx),
        generation=sb["metadata"].get("generation"),
        now=ctx.now(),
        problem=problem,
    )
    await write_batch_status(ctx, sb, new)
    raise kopf.TemporaryError(problem[1], delay=ctx.settings.retry_delay_seconds)


async def check_audit_key(
    ctx: OperatorContext, sb: dict[str, Any], spec: SpeechBatchSpec, audit: BatchAuditKey
) -> None:
    """Read the audit key Secret; when unusable write CredentialsReady False and retry (TemporaryError)."""
    if audit.secret is None:
        return
    ns = sb["metadata"]["namespace"]
    problem = secret_problem(await ctx.kube.get(k8s.SECRETS, ns, audit.secret.name), audit.secret, ns)
    if problem is None:
        return
    new = batch_credentials_status(
        pending_status(sb, spec, ctx),
        audit,
        generation=sb["metadata"].get("generation"),
        now=ctx.now(),
        problem=problem,
    )
    await write_batch_status(ctx, sb, new)
    raise kopf.TemporaryError(str(new.get("message")), delay=ctx.settings.retry_delay_seconds)
