"""kopf wiring of the served kinds (VoiceModel, TextModel, TranscriptionModel -> RayService), one set of
handlers per kind.

The reconcile itself is :func:`voxray_operator.reconcile.served.reconcile_served`, parameterised by the
kind's :class:`~voxray_operator.reconcile.kinds.ServedModelKind`. Triggers, per kind:

- create / spec update / operator resume;
- the credentials-revision annotation (``kubectl annotate voicemodel X voxray.io/credentials-revision=...``
  restarts the ingress replicas);
- every watch event of a RayService that an object of the kind controls (KubeRay's status, hand edits,
  deletion);
- DELETED: the object's in-memory lock (and a VoiceModel's scaling gauge) are forgotten.

An autoscaled object carries kopf's finalizer only so that kopf can stop its scaling daemon first
(:mod:`voxray_operator.handlers.autoscaling`).
"""

from __future__ import annotations

from typing import Any

import kopf

from voxray_operator.builders import CREDENTIALS_REVISION_ANNOTATION
from voxray_operator.context import get_context, plain
from voxray_operator.reconcile.children import owner_of
from voxray_operator.reconcile.kinds import TEXTMODEL, TRANSCRIPTIONMODEL, VOICEMODEL, ServedModelKind
from voxray_operator.reconcile.served import reconcile_served
from voxray_runtime.spec.common import GROUP, VERSION


def register(kind: ServedModelKind) -> None:
    """Register the handlers of ``kind`` with kopf's default registry (ids ``<kind>-...``)."""
    plural = kind.resource.plural
    prefix = kind.kind.lower()

    @kopf.on.resume(GROUP, VERSION, plural, id=f"{prefix}-resume")
    @kopf.on.create(GROUP, VERSION, plural, id=f"{prefix}-create")
    @kopf.on.update(GROUP, VERSION, plural, field="spec", id=f"{prefix}-update")
    async def changed(body: kopf.Body, reason: str, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
        await reconcile_served(get_context(memo), kind, plain(body), trigger=str(reason), logger=logger)

    @kopf.on.update(
        GROUP,
        VERSION,
        plural,
        field=("metadata", "annotations", CREDENTIALS_REVISION_ANNOTATION),
        id=f"{prefix}-credentials-revision",
    )
    async def credentials_revision_changed(
        body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any
    ) -> None:
        ctx = get_context(memo)
        await reconcile_served(ctx, kind, plain(body), trigger="credentials-revision", logger=logger)

    @kopf.on.event(
        "ray.io", "v1", "rayservices", labels={kind.label: kopf.PRESENT}, id=f"{prefix}-rayservice-event"
    )
    async def rayservice_event(
        body: kopf.Body, event: kopf.RawEvent, memo: kopf.Memo, logger: kopf.Logger, **_: Any
    ) -> None:
        ctx = get_context(memo)
        owner = await owner_of(ctx, body, kind.resource)
        if owner is not None:
            trigger = f"rayservice-{str(event.get('type', '')).lower()}"
            await reconcile_served(ctx, kind, owner, trigger=trigger, logger=logger)

    @kopf.on.event(GROUP, VERSION, plural, id=f"{prefix}-gone")
    async def gone(event: kopf.RawEvent, name: str, namespace: str | None, memo: kopf.Memo, **_: Any) -> None:
        if event.get("type") == "DELETED" and namespace:
            ctx = get_context(memo)
            ctx.forget(kind.kind, namespace, name)
            if kind is VOICEMODEL:
                ctx.metrics.forget_model(namespace, name)


register(VOICEMODEL)
register(TEXTMODEL)
register(TRANSCRIPTIONMODEL)
