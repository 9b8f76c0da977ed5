"""kopf wiring of SpeechBatch -> ConfigMap + RayJob; the reconcile is
:func:`voxray_operator.reconcile.speechbatch.reconcile_speechbatch`, the status and progress
:mod:`voxray_operator.reconcile.batch_progress`.

Triggers: create / spec update / operator resume; every watch event of a RayJob that a SpeechBatch
controls (KubeRay's status; a deleted RayJob of an unfinished batch is created again); a progress daemon
while the batch runs. kopf keeps its finalizer on a SpeechBatch only while that daemon runs. The batch's
gauges go with its DELETED event.
"""

from __future__ import annotations

from typing import Any

import kopf

from voxray_operator import k8s
from voxray_operator.builders import SPEECHBATCH_LABEL
from voxray_operator.context import get_context, plain, run_every
from voxray_operator.drift import controller_owner
from voxray_operator.reconcile.batch_progress import poll_progress
from voxray_operator.reconcile.children import owner_of
from voxray_operator.reconcile.speechbatch import finished, reconcile_speechbatch
from voxray_operator.status import IDLE_PHASES
from voxray_runtime.spec.common import GROUP, VERSION

KIND = k8s.SPEECHBATCHES.kind
PLURAL = k8s.SPEECHBATCHES.plural


@kopf.on.resume(GROUP, VERSION, PLURAL, id="speechbatch-resume")
@kopf.on.create(GROUP, VERSION, PLURAL, id="speechbatch-create")
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec", id="speechbatch-update")
async def speechbatch_changed(
    body: kopf.Body, reason: str, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    await reconcile_speechbatch(get_context(memo), plain(body), trigger=str(reason), logger=logger)


@kopf.on.event("ray.io", "v1", "rayjobs", labels={SPEECHBATCH_LABEL: kopf.PRESENT})
async def rayjob_event(
    body: kopf.Body, event: kopf.RawEvent, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    """KubeRay's status updates of a SpeechBatch's RayJob; the final one also reads the final counts."""
    ctx = get_context(memo)
    if event.get("type") == "DELETED":
        # after ttlSecondsAfterFinished, or by hand: a running batch gets a new RayJob from reconcile
        sb = await owner_of(ctx, body, k8s.SPEECHBATCHES)
        if sb is not None and not finished(sb):
            await reconcile_speechbatch(ctx, sb, trigger="rayjob-deleted", logger=logger)
        return
    owner = controller_owner(body, KIND, GROUP)
    if owner is not None:
        with ctx.metrics.reconciling(KIND, "rayjob-event"):
            await poll_progress(ctx, body.get("metadata", {}).get("namespace"), owner["name"], logger)


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

    async def poll() -> bool:
        st = await poll_progress(ctx, namespace, name, logger)
        return st is not None and st.get("phase") not in IDLE_PHASES

    await run_every(
        ctx,
        stopped,
        logger,
        poll,
        interval=lambda: ctx.settings.progress_interval_seconds,
        kind=KIND,
        trigger="progress",
        what="progress poll",
    )


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
