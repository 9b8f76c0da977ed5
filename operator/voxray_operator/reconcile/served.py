"""One reconcile for the served kinds (VoiceModel, TextModel -> RayService), parameterised by
:class:`~voxray_operator.reconcile.kinds.ServedModelKind`:

parse -> validate -> credentials -> build -> ensure the RayService -> status.

- Every trigger (create, spec update, operator resume, the credentials-revision annotation, and every
  watch event of the RayService it controls) runs the same idempotent reconcile on the object as the API
  server has it now: hand edits of the RayService are put back (except the model replicas the autoscaler
  owns) and a deleted RayService is created again.
- An invalid spec writes ValidationFailed (the field and message as ``voxray render`` prints them) and
  creates nothing; an earlier RayService keeps serving. Nothing to retry until the spec changes.
- Lexicons a VoiceModel names are read from the namespace; one missing (or invalid) writes ValidationFailed
  with reason LexiconNotFound, changes nothing and is retried; a Lexicon event reconciles the VoiceModels
  naming it (:mod:`voxray_operator.handlers.lexicon`).
- Credentials (:mod:`voxray_operator.reconcile.credentials`): a missing or unusable Secret sets
  CredentialsReady False, creates or changes nothing, and is retried (``kopf.TemporaryError``).
- Deletion: no finalizer; the RayService and generated Secrets carry a controller ownerReference and go
  with their owner by Kubernetes' garbage collector.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import kopf

from voxray_operator import k8s
from voxray_operator.builders import (
    BuildError,
    credential_plan,
    credentials_revision,
    needed_lexicons,
    rayservice_name,
)
from voxray_operator.context import OperatorContext, reconcile_latest, write_status, write_validation_failed
from voxray_operator.drift import owned_by
from voxray_operator.reconcile.children import ensure_child, not_owned_error
from voxray_operator.reconcile.credentials import ensure_credentials
from voxray_operator.reconcile.kinds import ServedModelKind
from voxray_operator.reconcile.lexicons import named_lexicons
from voxray_operator.status import credentials_status
from voxray_runtime.spec.voicemodel import VoiceModelSpec


async def reconcile_served(
    ctx: OperatorContext, kind: ServedModelKind, body: Mapping[str, Any], *, trigger: str, logger: Any
) -> None:
    """Reconcile the object of ``body`` as it is now, under its lock (see the module docstring)."""

    async def step(fresh: dict[str, Any]) -> None:
        await _reconcile(ctx, kind, fresh, logger)

    await reconcile_latest(ctx, kind.resource, body, trigger, step)


async def _reconcile(ctx: OperatorContext, kind: ServedModelKind, obj: dict[str, Any], logger: Any) -> None:
    meta = obj["metadata"]
    ns, name, generation = meta["namespace"], meta["name"], meta.get("generation")
    try:
        spec = kind.parse(obj.get("spec"))
    except BuildError as exc:
        logger.warning("invalid spec: %s", exc)
        await write_validation_failed(ctx, kind.resource, obj, str(exc))
        return

    lexicons = None
    if isinstance(spec, VoiceModelSpec) and spec.lexicons:
        lexicons = await named_lexicons(ctx, ns, spec.lexicons)
        try:
            needed_lexicons(spec.lexicons, lexicons)
        except BuildError as exc:  # LexiconNotFound: the RayService as it is keeps serving; wait for it
            logger.warning("%s", exc)
            await write_validation_failed(ctx, kind.resource, obj, str(exc), reason=exc.reason)
            raise kopf.TemporaryError(str(exc), delay=ctx.settings.retry_delay_seconds) from exc

    rs_name = rayservice_name(name)
    plan = credential_plan(name, spec)
    old = obj.get("status") or {}

    async def write(rayservice: dict[str, Any] | None, problem: tuple[str, str] | None = None) -> None:
        new = kind.derive_status(rayservice, name, generation, spec, old, ctx.now())
        new = credentials_status(
            new, plan, namespace=ns, generation=generation, now=ctx.now(), problem=problem
        )
        await write_status(ctx, kind.resource, obj, old, new)

    problem = await ensure_credentials(ctx, obj, kind.kind, plan, logger)
    if problem is not None:
        existing = await ctx.kube.get(k8s.RAYSERVICES, ns, rs_name)
        await write(existing if existing is not None and owned_by(existing, obj) else None, problem)
        raise kopf.TemporaryError(problem[1], delay=ctx.settings.retry_delay_seconds)

    async def sync() -> dict[str, Any] | None:
        """Read, build, create or patch; again from the top when the RayService changed meanwhile."""
        existing = await ctx.kube.get(k8s.RAYSERVICES, ns, rs_name)
        try:
            if existing is not None and not owned_by(existing, obj):
                raise not_owned_error(k8s.RAYSERVICES.kind, rs_name, obj)
            desired = kind.build(
                name,
                ns,
                spec,
                ctx.build,
                replicas=kind.autoscaled_replicas(existing, name, spec),
                owner=obj,
                credentials_revision=credentials_revision(obj),
                lexicons=lexicons,
            )
        except BuildError as exc:
            if exc.retryable:
                raise kopf.TemporaryError(str(exc), delay=ctx.settings.retry_delay_seconds) from exc
            await write_validation_failed(ctx, kind.resource, obj, str(exc))
            return None
        return await ensure_child(ctx, k8s.RAYSERVICES, obj, desired, existing, logger=logger)

    rayservice = await k8s.retry_on_conflict(sync)
    if rayservice is not None:
        await write(rayservice)
