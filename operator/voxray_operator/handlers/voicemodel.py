"""kopf wiring of VoiceModel -> RayService; the reconcile itself is
:func:`voxray_operator.reconcile.served.reconcile_served` with
:data:`~voxray_operator.reconcile.kinds.VOICEMODEL`.

Triggers: create / spec update / operator resume, the credentials-revision annotation (``kubectl annotate
voicemodel X voxray.io/credentials-revision=...`` restarts the ingress replicas), and every watch event of
a RayService that a VoiceModel controls. An autoscaled VoiceModel carries kopf's finalizer only so that
kopf can stop its scaling daemon first (:mod:`voxray_operator.handlers.autoscaling`).
"""

from __future__ import annotations

from typing import Any

import kopf

from voxray_operator.builders import CREDENTIALS_REVISION_ANNOTATION, VOICEMODEL_LABEL
from voxray_operator.context import get_context, plain
from voxray_operator.reconcile.children import owner_of
from voxray_operator.reconcile.kinds import VOICEMODEL
from voxray_operator.reconcile.served import reconcile_served
from voxray_runtime.spec.common import GROUP, VERSION

PLURAL = VOICEMODEL.resource.plural


@kopf.on.resume(GROUP, VERSION, PLURAL, id="voicemodel-resume")
@kopf.on.create(GROUP, VERSION, PLURAL, id="voicemodel-create")
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec", id="voicemodel-update")
async def voicemodel_changed(
    body: kopf.Body, reason: str, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    await reconcile_served(get_context(memo), VOICEMODEL, plain(body), trigger=str(reason), logger=logger)


@kopf.on.update(
    GROUP,
    VERSION,
    PLURAL,
    field=("metadata", "annotations", CREDENTIALS_REVISION_ANNOTATION),
    id="voicemodel-credentials-revision",
)
async def credentials_revision_changed(
    body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    await reconcile_served(
        get_context(memo), VOICEMODEL, plain(body), trigger="credentials-revision", logger=logger
    )


@kopf.on.event("ray.io", "v1", "rayservices", labels={VOICEMODEL_LABEL: kopf.PRESENT}, id="rayservice_event")
async def rayservice_event(
    body: kopf.Body, event: kopf.RawEvent, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    """KubeRay's status updates, hand edits and deletions of a VoiceModel's RayService."""
    ctx = get_context(memo)
    owner = await owner_of(ctx, body, VOICEMODEL.resource)
    if owner is not None:
        trigger = f"rayservice-{str(event.get('type', '')).lower()}"
        await reconcile_served(ctx, VOICEMODEL, owner, trigger=trigger, logger=logger)


@kopf.on.event(GROUP, VERSION, PLURAL, id="voicemodel-gone")
async def voicemodel_gone(
    event: kopf.RawEvent, name: str, namespace: str | None, memo: kopf.Memo, **_: Any
) -> None:
    """Forget in-memory state of a deleted VoiceModel (an event handler: no finalizer needed for this)."""
    if event.get("type") == "DELETED" and namespace:
        ctx = get_context(memo)
        ctx.forget(VOICEMODEL.kind, namespace, name)
        ctx.metrics.forget_model(namespace, name)
