"""VoiceModel -> RayService: create, update, resume, drift correction and status from KubeRay's status.

Thin on purpose: parse the spec (pydantic), build the RayService (pure builder), create it or patch what
drifted (pure :mod:`voxray_operator.drift`), derive the status (pure :mod:`voxray_operator.status`).

- Triggers: the VoiceModel's create / spec update / operator resume, and every watch event of a RayService
  that a VoiceModel controls. KubeRay writing status, someone editing the spec by hand, someone deleting
  it: each arrives as an event and runs the same idempotent reconciliation, so hand edits are put back
  (except the model replicas the autoscaler owns) and a deleted RayService is created again.
- Deletion: no finalizer and no on-delete handler. The RayService has a controller ownerReference and
  Kubernetes' garbage collector removes it; an autoscaled VoiceModel carries kopf's finalizer only so
  that kopf can stop its scaling timer first.
- Credentials (:mod:`voxray_operator.builders.security`): the Secrets the Ray pods mount are checked
  before the RayService is built. A generated one (``<name>-api-keys``, ``<name>-audit-key``) that does not
  exist yet is created, once: an existing Secret is never rewritten, so a key survives every reconcile
  and operator restart. A referenced Secret that is missing or lacks its key sets CredentialsReady False
  (SecretNotFound / SecretKeyNotFound), creates or changes nothing, and is retried.
- An invalid spec writes ValidationFailed (the field and message as ``voxray render`` prints them) and
  creates nothing; an earlier RayService keeps serving. No exception: nothing to retry until the spec
  changes, which triggers the update handler.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Literal

import kopf

from voxray_operator import k8s, status
from voxray_operator.builders import (
    SPEC_HASH_ANNOTATION,
    VOICEMODEL_LABEL,
    BuildError,
    build_rayservice,
    model_replicas,
    parse_spec,
    rayservice_name,
)
from voxray_operator.builders.security import (
    BATCH_KEY_ID,
    CREDENTIALS_REVISION_ANNOTATION,
    CredentialPlan,
    SecretUse,
    ServedKind,
    build_api_keys_secret,
    build_audit_key_secret,
    credential_plan,
    credentials_revision,
    read_key_command,
    secret_problem,
)
from voxray_operator.context import (
    OperatorContext,
    get_context,
    plain,
    post_event,
    reconcile_latest,
    write_status,
    write_validation_failed,
)
from voxray_operator.drift import child_drift, controller_owner, owned_by
from voxray_runtime.spec.common import GROUP, VERSION
from voxray_runtime.spec.voicemodel import VoiceModelSpec

KIND: Literal["VoiceModel"] = "VoiceModel"
PLURAL = "voicemodels"


def autoscaled_replicas(rayservice: Mapping[str, Any] | None, name: str, spec: VoiceModelSpec) -> int | None:
    """The replicas to keep when rebuilding: the RayService's, when the autoscaler owns the number."""
    if rayservice is None or not spec.autoscaling.enabled:
        return None
    return model_replicas(dict(rayservice), name)


async def reconcile(ctx: OperatorContext, body: Mapping[str, Any], *, trigger: str, logger: Any) -> None:
    async def step(fresh: dict[str, Any]) -> None:
        await _reconcile(ctx, fresh, logger)

    await reconcile_latest(ctx, k8s.VOICEMODELS, body, trigger, step)


async def _reconcile(ctx: OperatorContext, vm: dict[str, Any], logger: Any) -> None:
    meta = vm["metadata"]
    ns, name, generation = meta["namespace"], meta["name"], meta.get("generation")
    try:
        spec = parse_spec("VoiceModel", vm.get("spec"))
    except BuildError as exc:
        logger.warning("invalid spec: %s", exc)
        await write_validation_failed(ctx, k8s.VOICEMODELS, vm, str(exc))
        return

    rs_name = rayservice_name(name)
    plan = credential_plan(name, spec)
    problem = await ensure_credentials(ctx, vm, plan, logger)
    if problem is not None:
        old = vm.get("status") or {}
        existing = await ctx.kube.get(k8s.RAYSERVICES, ns, rs_name)
        current = existing if existing is not None and owned_by(existing, vm) else None
        new = status.voicemodel_status_from_rayservice(
            current, generation=generation, spec=spec, previous=old, now=ctx.now()
        )
        new = status.credentials_status(
            new, plan, namespace=ns, generation=generation, now=ctx.now(), problem=problem
        )
        await write_status(ctx, k8s.VOICEMODELS, vm, old, new)
        raise kopf.TemporaryError(problem[1], delay=ctx.settings.retry_delay_seconds)

    async def sync() -> dict[str, Any] | None:
        """Read, build, create or patch; again from the top when the RayService changed meanwhile."""
        existing = await ctx.kube.get(k8s.RAYSERVICES, ns, rs_name)
        if existing is not None and not owned_by(existing, vm):
            await write_validation_failed(
                ctx,
                k8s.VOICEMODELS,
                vm,
                str(
                    BuildError(
                        f"RayService {rs_name} exists and is not owned by this VoiceModel; "
                        "rename one of them",
                        field="metadata.name",
                    ),
                ),
            )
            return None
        try:
            desired = build_rayservice(
                name,
                ns,
                spec,
                ctx.build,
                replicas=autoscaled_replicas(existing, name, spec),
                owner=vm,
                credentials_revision=credentials_revision(vm),
            )
        except BuildError as exc:
            if exc.retryable:
                raise kopf.TemporaryError(str(exc), delay=ctx.settings.retry_delay_seconds) from exc
            await write_validation_failed(ctx, k8s.VOICEMODELS, vm, str(exc))
            return None
        return await ensure_rayservice(ctx, vm, existing, desired, logger)

    rayservice = await k8s.retry_on_conflict(sync)
    if rayservice is None:
        return
    old = vm.get("status") or {}
    new = status.voicemodel_status_from_rayservice(
        rayservice, generation=generation, spec=spec, previous=old, now=ctx.now()
    )
    new = status.credentials_status(new, plan, namespace=ns, generation=generation, now=ctx.now())
    await write_status(ctx, k8s.VOICEMODELS, vm, old, new)


async def ensure_credentials(
    ctx: OperatorContext, vm: dict[str, Any], plan: CredentialPlan, logger: Any
) -> tuple[str, str] | None:
    """Create the generated Secrets that do not exist yet; (reason, message) of the first unusable one."""
    ns = vm["metadata"]["namespace"]
    for use in plan.secrets:
        secret = await ctx.kube.get(k8s.SECRETS, ns, use.name)
        if secret is None and use.generated:
            secret = await create_generated_secret(ctx, vm, use, api_keys=use is plan.api_keys, logger=logger)
        problem = secret_problem(secret, use, ns)
        if problem is not None:
            return problem
    return None


async def create_generated_secret(
    ctx: OperatorContext, vm: dict[str, Any], use: SecretUse, *, api_keys: bool, logger: Any
) -> dict[str, Any] | None:
    """Create a generated Secret with fresh random bytes; the existing one when someone was first.

    ``vm`` is the VoiceModel or TextModel body; a TextModel's API keys Secret also holds the batch key
    that its generating SpeechBatches mount (:mod:`voxray_operator.builders.generate`).
    """
    meta = vm["metadata"]
    ns, name = meta["namespace"], meta["name"]
    kind: ServedKind = "TextModel" if vm.get("kind") == "TextModel" else "VoiceModel"
    batch_key = secrets.token_urlsafe(32) if kind == "TextModel" else None
    body = (
        build_api_keys_secret(name, ns, secrets.token_urlsafe(32), owner=vm, kind=kind, batch_key=batch_key)
        if api_keys
        else build_audit_key_secret(name, ns, secrets.token_urlsafe(32).encode("ascii"), owner=vm, kind=kind)
    )
    try:
        created = await ctx.kube.create(k8s.SECRETS, ns, body)
    except k8s.ConflictError:
        # created meanwhile (a racing reconcile, an operator restarted mid-way): keep that one
        return await ctx.kube.get(k8s.SECRETS, ns, use.name)
    if api_keys:
        logger.info("generated API keys Secret %s", use.name)
        batch = (
            f" and key id '{BATCH_KEY_ID}' (scope speech) for generating SpeechBatches" if batch_key else ""
        )
        post_event(
            vm,
            "Normal",
            "ApiKeyGenerated",
            f"generated Secret {use.name} with API key id 'default' (scopes speech, store){batch}; "
            f"read it with: {read_key_command(use.name, ns)}",
        )
    else:
        logger.info("generated audit key Secret %s", use.name)
        post_event(vm, "Normal", "AuditKeyGenerated", f"generated Secret {use.name} with the audit HMAC key")
    return created


async def ensure_rayservice(
    ctx: OperatorContext,
    vm: dict[str, Any],
    existing: dict[str, Any] | None,
    desired: dict[str, Any],
    logger: Any,
) -> dict[str, Any]:
    """Create the RayService, or patch it where it no longer holds the built spec. Returns it."""
    ns, rs_name = desired["metadata"]["namespace"], desired["metadata"]["name"]
    if existing is None:
        try:
            created = await ctx.kube.create(k8s.RAYSERVICES, ns, desired)
        except k8s.ConflictError:
            # created meanwhile (a resumed operator racing its own watch): reconcile against it
            existing = await ctx.kube.get(k8s.RAYSERVICES, ns, rs_name)
            if existing is None:
                raise
        else:
            logger.info("created RayService %s", rs_name)
            post_event(vm, "Normal", "Created", f"created RayService {rs_name}")
            return created

    drift = child_drift(existing, desired)
    if drift is None:
        return existing
    old_hash = (existing["metadata"].get("annotations") or {}).get(SPEC_HASH_ANNOTATION)
    new_hash = (desired["metadata"].get("annotations") or {}).get(SPEC_HASH_ANNOTATION)
    patched = await ctx.kube.patch(k8s.RAYSERVICES, ns, rs_name, drift.patch)
    where = ", ".join(drift.paths[:5]) + (" ..." if len(drift.paths) > 5 else "")
    if old_hash != new_hash:
        logger.info("applied the new spec to RayService %s", rs_name)
        post_event(
            vm, "Normal", "Updated", f"applied the {vm.get('kind', KIND)} spec to RayService {rs_name}"
        )
    else:
        logger.warning("RayService %s drifted (%s): restored", rs_name, where)
        ctx.metrics.drift_corrections.labels(kind="RayService").inc()
        post_event(vm, "Warning", "DriftCorrected", f"restored RayService {rs_name}: {where}")
    return patched


# ---- kopf wiring --------------------------------------------------------------------------------------


@kopf.on.resume(GROUP, VERSION, PLURAL, id="voicemodel-resume")
@kopf.on.create(GROUP, VERSION, PLURAL, id="voicemodel-create")
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec", id="voicemodel-update")
async def voicemodel_changed(
    body: kopf.Body, reason: str, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    await reconcile(get_context(memo), plain(body), trigger=str(reason), logger=logger)


@kopf.on.update(
    GROUP,
    VERSION,
    PLURAL,
    field=("metadata", "annotations", CREDENTIALS_REVISION_ANNOTATION),
    id="voicemodel-credentials-revision",
)
async def credentials_revision_changed(
    body: kopf.Body, reason: str, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    """``kubectl annotate voicemodel X voxray.io/credentials-revision=...``: restart the ingress replicas."""
    await reconcile(get_context(memo), plain(body), trigger="credentials-revision", logger=logger)


@kopf.on.event("ray.io", "v1", "rayservices", labels={VOICEMODEL_LABEL: kopf.PRESENT})
async def rayservice_event(
    body: kopf.Body, event: kopf.RawEvent, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    """KubeRay's status updates, hand edits and deletions of a VoiceModel's RayService."""
    owner = controller_owner(body, KIND, GROUP)
    if owner is None:
        return
    ctx = get_context(memo)
    ns = body.get("metadata", {}).get("namespace")
    vm = await ctx.kube.get(k8s.VOICEMODELS, ns, owner["name"])
    if vm is None or vm["metadata"].get("uid") != owner["uid"]:
        return  # the owner is gone: the garbage collector takes the RayService
    await reconcile(ctx, vm, trigger=f"rayservice-{str(event.get('type', '')).lower()}", logger=logger)


@kopf.on.event(GROUP, VERSION, PLURAL, id="voicemodel-gone")
async def voicemodel_gone(
    event: kopf.RawEvent, name: str, namespace: str | None, memo: kopf.Memo, **_: Any
) -> None:
    """Forget in-memory state of a deleted VoiceModel (an event handler: no finalizer needed for this)."""
    if event.get("type") == "DELETED" and namespace:
        ctx = get_context(memo)
        ctx.forget(KIND, namespace, name)
        ctx.metrics.forget_model(namespace, name)
