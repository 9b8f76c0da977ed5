"""TextModel -> RayService: create, update, resume, drift correction and status, as for a VoiceModel.

The same reconciliation as :mod:`voxray_operator.handlers.voicemodel` (one truth: its credential and
RayService helpers are used as they are), with the TextModel's builder
(:func:`voxray_operator.builders.textservice.build_text_rayservice`) and status
(:mod:`voxray_operator.status_text`). The generated ``<name>-api-keys`` Secret of a TextModel also holds
the batch key its generating SpeechBatches mount. Deletion: the RayService and the generated Secrets go
with their owner (ownerReferences); kopf's finalizer is on autoscaled TextModels only, so that it can stop
their scaling daemon first (:mod:`voxray_operator.handlers.autoscaling`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import kopf

from voxray_operator import k8s, status, status_text
from voxray_operator.builders import BuildError, model_replicas, parse_spec, rayservice_name
from voxray_operator.builders.common import TEXTMODEL_LABEL
from voxray_operator.builders.security import (
    CREDENTIALS_REVISION_ANNOTATION,
    credential_plan,
    credentials_revision,
)
from voxray_operator.builders.textservice import build_text_rayservice
from voxray_operator.context import (
    OperatorContext,
    get_context,
    plain,
    reconcile_latest,
    write_status,
    write_validation_failed,
)
from voxray_operator.drift import controller_owner, owned_by
from voxray_operator.handlers.voicemodel import ensure_credentials, ensure_rayservice
from voxray_runtime.serve.args import text_deployment_name
from voxray_runtime.spec.common import GROUP, VERSION
from voxray_runtime.spec.textmodel import TextModelSpec

KIND: Literal["TextModel"] = "TextModel"
PLURAL = "textmodels"


def autoscaled_replicas(rayservice: Mapping[str, Any] | None, name: str, spec: TextModelSpec) -> int | None:
    """The replicas to keep when rebuilding: the RayService's, when the autoscaler owns the number."""
    if rayservice is None or not spec.autoscaling.enabled:
        return None
    return model_replicas(dict(rayservice), deployment=text_deployment_name(name))


async def reconcile(ctx: OperatorContext, body: Mapping[str, Any], *, trigger: str, logger: Any) -> None:
    async def step(fresh: dict[str, Any]) -> None:
        await _reconcile(ctx, fresh, logger)

    await reconcile_latest(ctx, k8s.TEXTMODELS, body, trigger, step)


async def _reconcile(ctx: OperatorContext, tm: dict[str, Any], logger: Any) -> None:
    meta = tm["metadata"]
    ns, name, generation = meta["namespace"], meta["name"], meta.get("generation")
    try:
        spec = parse_spec("TextModel", tm.get("spec"))
    except BuildError as exc:
        logger.warning("invalid spec: %s", exc)
        await write_validation_failed(ctx, k8s.TEXTMODELS, tm, str(exc))
        return

    rs_name = rayservice_name(name)
    plan = credential_plan(name, spec)

    def derive(rayservice: dict[str, Any] | None, problem: tuple[str, str] | None = None) -> status.Status:
        new = status_text.textmodel_status_from_rayservice(
            rayservice, name=name, generation=generation, spec=spec, previous=tm.get("status"), now=ctx.now()
        )
        return status.credentials_status(
            new, plan, namespace=ns, generation=generation, now=ctx.now(), problem=problem
        )

    problem = await ensure_credentials(ctx, tm, plan, logger)
    if problem is not None:
        existing = await ctx.kube.get(k8s.RAYSERVICES, ns, rs_name)
        current = existing if existing is not None and owned_by(existing, tm) else None
        await write_status(ctx, k8s.TEXTMODELS, tm, tm.get("status") or {}, derive(current, problem))
        raise kopf.TemporaryError(problem[1], delay=ctx.settings.retry_delay_seconds)

    async def sync() -> dict[str, Any] | None:
        existing = await ctx.kube.get(k8s.RAYSERVICES, ns, rs_name)
        if existing is not None and not owned_by(existing, tm):
            await write_validation_failed(
                ctx,
                k8s.TEXTMODELS,
                tm,
                str(
                    BuildError(
                        f"RayService {rs_name} exists and is not owned by this TextModel; rename one of them",
                        field="metadata.name",
                    ),
                ),
            )
            return None
        desired = build_text_rayservice(
            name,
            ns,
            spec,
            ctx.build,
            replicas=autoscaled_replicas(existing, name, spec),
            owner=tm,
            credentials_revision=credentials_revision(tm),
        )
        return await ensure_rayservice(ctx, tm, existing, desired, logger)

    rayservice = await k8s.retry_on_conflict(sync)
    if rayservice is None:
        return
    await write_status(ctx, k8s.TEXTMODELS, tm, tm.get("status") or {}, derive(rayservice))


# ---- kopf wiring --------------------------------------------------------------------------------------


@kopf.on.resume(GROUP, VERSION, PLURAL, id="textmodel-resume")
@kopf.on.create(GROUP, VERSION, PLURAL, id="textmodel-create")
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec", id="textmodel-update")
async def textmodel_changed(
    body: kopf.Body, reason: str, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    await reconcile(get_context(memo), plain(body), trigger=str(reason), logger=logger)


@kopf.on.update(
    GROUP,
    VERSION,
    PLURAL,
    field=("metadata", "annotations", CREDENTIALS_REVISION_ANNOTATION),
    id="textmodel-credentials-revision",
)
async def text_credentials_revision_changed(
    body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    """``kubectl annotate textmodel X voxray.io/credentials-revision=...``: restart the ingress replicas."""
    await reconcile(get_context(memo), plain(body), trigger="credentials-revision", logger=logger)


@kopf.on.event(
    "ray.io", "v1", "rayservices", labels={TEXTMODEL_LABEL: kopf.PRESENT}, id="textmodel-rayservice-event"
)
async def text_rayservice_event(
    body: kopf.Body, event: kopf.RawEvent, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    """KubeRay's status updates, hand edits and deletions of a TextModel's RayService."""
    owner = controller_owner(body, KIND, GROUP)
    if owner is None:
        return
    ctx = get_context(memo)
    ns = body.get("metadata", {}).get("namespace")
    tm = await ctx.kube.get(k8s.TEXTMODELS, ns, owner["name"])
    if tm is None or tm["metadata"].get("uid") != owner["uid"]:
        return  # the owner is gone: the garbage collector takes the RayService
    await reconcile(ctx, tm, trigger=f"rayservice-{str(event.get('type', '')).lower()}", logger=logger)


@kopf.on.event(GROUP, VERSION, PLURAL, id="textmodel-gone")
async def textmodel_gone(
    event: kopf.RawEvent, name: str, namespace: str | None, memo: kopf.Memo, **_: Any
) -> None:
    """Forget the in-memory lock of a deleted TextModel."""
    if event.get("type") == "DELETED" and namespace:
        get_context(memo).forget(KIND, namespace, name)
