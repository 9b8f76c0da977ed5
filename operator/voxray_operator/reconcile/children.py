"""The one create-or-patch of a child object (RayService, RayJob, ConfigMap), with the drift check.

The child is created when it does not exist (a 409 means someone was first: that one is used); an
existing child must be owned by the object being reconciled, else :class:`BuildError` on
``metadata.name``. Where the child no longer holds what the builder wants
(:func:`voxray_operator.drift.child_drift`), it is patched under its ``resourceVersion`` (a 409 goes back
to the caller, which reads again). A changed spec hash means the owner's spec changed (``Updated``);
the same hash means someone edited the child (``DriftCorrected``, a Warning and a metric).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voxray_operator import k8s
from voxray_operator.builders import SPEC_HASH_ANNOTATION, BuildError
from voxray_operator.context import OperatorContext, post_event
from voxray_operator.drift import child_drift, controller_owner, owned_by
from voxray_operator.status import EventReason, EventType

#: how many drifted paths an event names
SHOWN_PATHS = 5


def not_owned_error(child_kind: str, child_name: str, owner: Mapping[str, Any]) -> BuildError:
    return BuildError(
        f"{child_kind} {child_name} exists and is not owned by this {owner.get('kind')}; rename one of them",
        field="metadata.name",
    )


def _spec_hash(obj: Mapping[str, Any]) -> Any:
    return ((obj.get("metadata") or {}).get("annotations") or {}).get(SPEC_HASH_ANNOTATION)


async def ensure_child(
    ctx: OperatorContext,
    res: k8s.Resource,
    owner: dict[str, Any],
    desired: dict[str, Any],
    existing: dict[str, Any] | None,
    *,
    logger: Any,
    patch_drift: bool = True,
    announce_drift: bool = True,
) -> dict[str, Any]:
    """``desired`` created, or ``existing`` (as read by the caller) brought back to it. Returns the child.

    ``patch_drift`` False leaves an existing child as it is (a RayJob is a run, not a desired state);
    ``announce_drift`` False patches without events (a document no one has read yet).
    """
    ns, name = desired["metadata"]["namespace"], desired["metadata"]["name"]
    if existing is None:
        try:
            created = await ctx.kube.create(res, ns, desired)
        except k8s.ConflictError:
            # created meanwhile (a resumed operator racing its own watch): reconcile against it
            existing = await ctx.kube.get(res, ns, name)
            if existing is None:
                raise
        else:
            logger.info("created %s %s", res.kind, name)
            post_event(owner, EventType.NORMAL, EventReason.CREATED, f"created {res.kind} {name}")
            return created
    if not owned_by(existing, owner):
        raise not_owned_error(res.kind, name, owner)
    drift = child_drift(existing, desired) if patch_drift else None
    if drift is None:
        return existing
    patched = await ctx.kube.patch(res, ns, name, drift.patch)
    if not announce_drift:
        return patched
    if _spec_hash(existing) != _spec_hash(desired):
        logger.info("applied the new spec to %s %s", res.kind, name)
        message = f"applied the {owner.get('kind')} spec to {res.kind} {name}"
        post_event(owner, EventType.NORMAL, EventReason.UPDATED, message)
    else:
        where = ", ".join(drift.paths[:SHOWN_PATHS]) + (" ..." if len(drift.paths) > SHOWN_PATHS else "")
        logger.warning("%s %s drifted (%s): restored", res.kind, name, where)
        ctx.metrics.drift_corrections.labels(kind=res.kind).inc()
        post_event(
            owner, EventType.WARNING, EventReason.DRIFT_CORRECTED, f"restored {res.kind} {name}: {where}"
        )
    return patched


async def owner_of(
    ctx: OperatorContext, child: Mapping[str, Any], owner_res: k8s.Resource
) -> dict[str, Any] | None:
    """The object of ``owner_res``'s kind that controls ``child``, when it still exists (same uid)."""
    ref = controller_owner(child, owner_res.kind, owner_res.group)
    if ref is None:
        return None
    ns = (child.get("metadata") or {}).get("namespace")
    owner = await ctx.kube.get(owner_res, ns, ref["name"])
    if owner is None or (owner.get("metadata") or {}).get("uid") != ref["uid"]:
        return None  # the owner is gone: the garbage collector takes the child
    return owner
