"""kopf wiring of TextModel -> RayService; the reconcile itself is
:func:`voxray_operator.reconcile.served.reconcile_served` with
:data:`~voxray_operator.reconcile.kinds.TEXTMODEL`
(the VoiceModel's, with the TextModel's builder and status).

Triggers as for a VoiceModel (:mod:`voxray_operator.handlers.voicemodel`). The generated
``<name>-api-keys`` Secret of a TextModel also holds the batch key its generating SpeechBatches mount.
"""

from __future__ import annotations

from typing import Any

import kopf

from voxray_operator.builders import CREDENTIALS_REVISION_ANNOTATION, TEXTMODEL_LABEL
from voxray_operator.context import get_context, plain
from voxray_operator.reconcile.children import owner_of
from voxray_operator.reconcile.kinds import TEXTMODEL
from voxray_operator.reconcile.served import reconcile_served
from voxray_runtime.spec.common import GROUP, VERSION

PLURAL = TEXTMODEL.resource.plural


@kopf.on.resume(GROUP, VERSION, PLURAL, id="textmodel-resume")
@kopf.on.create(GROUP, VERSION, PLURAL, id="textmodel-create")
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec", id="textmodel-update")
async def textmodel_changed(
    body: kopf.Body, reason: str, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    await reconcile_served(get_context(memo), TEXTMODEL, plain(body), trigger=str(reason), logger=logger)


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
    await reconcile_served(
        get_context(memo), TEXTMODEL, plain(body), trigger="credentials-revision", logger=logger
    )


@kopf.on.event(
    "ray.io", "v1", "rayservices", labels={TEXTMODEL_LABEL: kopf.PRESENT}, id="textmodel-rayservice-event"
)
async def text_rayservice_event(
    body: kopf.Body, event: kopf.RawEvent, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    """KubeRay's status updates, hand edits and deletions of a TextModel's RayService."""
    ctx = get_context(memo)
    owner = await owner_of(ctx, body, TEXTMODEL.resource)
    if owner is not None:
        trigger = f"rayservice-{str(event.get('type', '')).lower()}"
        await reconcile_served(ctx, TEXTMODEL, owner, trigger=trigger, logger=logger)


@kopf.on.event(GROUP, VERSION, PLURAL, id="textmodel-gone")
async def textmodel_gone(
    event: kopf.RawEvent, name: str, namespace: str | None, memo: kopf.Memo, **_: Any
) -> None:
    """Forget the in-memory lock of a deleted TextModel."""
    if event.get("type") == "DELETED" and namespace:
        get_context(memo).forget(TEXTMODEL.kind, namespace, name)
