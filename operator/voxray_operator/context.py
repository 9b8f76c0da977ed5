"""What every handler shares: settings, clients, metrics and per-object locks, kept in kopf's memo.

The startup handler builds one :class:`OperatorContext` per operator run (kopf copies the memo into each
object's memo, so they all see the same one); the cleanup handler closes its clients.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import kopf

from voxray_operator import k8s, status
from voxray_operator.config import BuildSettings, OperatorSettings
from voxray_operator.metrics import OperatorMetrics
from voxray_operator.ray_dashboard import DashboardClient
from voxray_operator.scaling.prometheus import PrometheusClient

MEMO_KEY = "voxray"


@dataclass
class OperatorContext:
    settings: OperatorSettings
    kube: k8s.KubeClient
    prometheus: PrometheusClient
    dashboard: DashboardClient
    metrics: OperatorMetrics
    build: BuildSettings = field(init=False)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    stop_metrics: Callable[[], None] | None = None
    #: set when the operator shuts down: timers stop instead of using closed clients
    closed: bool = False
    _locks: dict[tuple[str, str, str], asyncio.Lock] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.build = self.settings.build_settings()

    def lock(self, kind: str, namespace: str, name: str) -> asyncio.Lock:
        """One lock per object: handlers, the RayService/RayJob watchers and timers never interleave."""
        return self._locks.setdefault((kind, namespace, name), asyncio.Lock())

    def forget(self, kind: str, namespace: str, name: str) -> None:
        self._locks.pop((kind, namespace, name), None)

    def now(self) -> datetime:
        return self.clock()

    async def aclose(self) -> None:
        self.closed = True
        await self.kube.aclose()
        await self.prometheus.aclose()
        await self.dashboard.aclose()
        if self.stop_metrics is not None:
            await asyncio.to_thread(self.stop_metrics)
            self.stop_metrics = None


def get_context(memo: Mapping[Any, Any]) -> OperatorContext:
    ctx = memo.get(MEMO_KEY)
    if not isinstance(ctx, OperatorContext):
        raise kopf.PermanentError("the operator context is missing: the startup handler did not run")
    return ctx


def plain(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A deep, JSON-clean copy of a kopf body (or any mapping)."""
    result = json.loads(json.dumps(obj, default=dict))
    return result if isinstance(result, dict) else {}


def merge_patch_between(old: Any, new: Any) -> Any:
    """The RFC 7386 merge patch that turns ``old`` into ``new`` (None deletes a key)."""
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return new
    out: dict[str, Any] = {}
    for key in old:
        if key not in new:
            out[key] = None
    for key, value in new.items():
        if key not in old:
            out[key] = value
        elif old[key] != value:
            out[key] = merge_patch_between(old[key], value) if isinstance(value, Mapping) else value
    return out


async def write_status(
    ctx: OperatorContext,
    res: k8s.Resource,
    obj: Mapping[str, Any],
    old: status.Status | None,
    new: status.Status,
) -> bool:
    """Write ``new`` when :func:`status.status_changed` says so, then post the transition events."""
    if not status.status_changed(old, new):
        return False
    meta = obj.get("metadata") or {}
    patch = merge_patch_between(dict(old or {}), new)
    try:
        await ctx.kube.patch_status(res, meta.get("namespace"), str(meta.get("name")), patch)
    except k8s.NotFoundError:
        return False  # deleted meanwhile
    for type_, reason, message in status.transition_events(old, new):
        post_event(obj, type_, reason, message)
    return True


async def write_validation_failed(
    ctx: OperatorContext, res: k8s.Resource, obj: dict[str, Any], message: str, reason: str | None = None
) -> None:
    """The ValidationFailed status of an object whose spec does not parse (the field named in ``message``),
    or that names something missing (``reason``: LexiconNotFound)."""
    old = obj.get("status") or {}
    kind = cast(status.validation.Kind, res.kind)
    new = status.validation_failed_status(
        kind,
        message=message,
        generation=obj["metadata"].get("generation"),
        previous=old,
        now=ctx.now(),
        **({"reason": reason} if reason else {}),
    )
    await write_status(ctx, res, obj, old, new)


async def reconcile_latest(
    ctx: OperatorContext,
    res: k8s.Resource,
    body: Mapping[str, Any],
    trigger: str,
    step: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    """Run ``step`` on the object as the API server has it now, under the object's lock: handlers hold the
    body of their event, so no decision may use stale data; a deleted or deleting object is left alone."""
    meta = body.get("metadata") or {}
    ns, name = str(meta.get("namespace")), str(meta.get("name"))
    async with ctx.lock(res.kind, ns, name):
        with ctx.metrics.reconciling(res.kind, trigger):
            fresh = await ctx.kube.get(res, ns, name)
            if fresh is None or (fresh.get("metadata") or {}).get("deletionTimestamp"):
                return
            await step(fresh)


def post_event(obj: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
    """A Kubernetes Event on ``obj`` through kopf's event poster (batched, never blocks a handler)."""
    body = kopf.Body(cast(kopf.RawBody, dict(obj)))
    kopf.event(body, type=str(type_), reason=str(reason), message=message[:1024])


async def nap(stopped: kopf.DaemonStopped, seconds: float, *, slice_seconds: float = 0.5) -> None:
    """Sleep up to ``seconds``, waking within ``slice_seconds`` once kopf asks the daemon to stop.

    ``await stopped.wait(n)`` leaves a timed-out helper task behind that kopf re-raises at shutdown, and
    a bare sleep gets cancelled (kopf logs that as an escalation); short naps exit cleanly.
    """
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    # kopf's stopper offers no plain awaitable event: poll it between short sleeps
    while not stopped and (left := end - loop.time()) > 0:  # noqa: ASYNC110
        await asyncio.sleep(min(slice_seconds, left))


async def run_every(
    ctx: OperatorContext,
    stopped: kopf.DaemonStopped,
    logger: Any,
    step: Callable[[], Awaitable[bool]],
    *,
    interval: Callable[[], float],
    kind: str,
    trigger: str,
    what: str,
) -> None:
    """A daemon's loop: ``step`` every ``interval()`` seconds until kopf stops the daemon, the operator
    closes, or ``step`` returns False. A failed step is logged (``what`` failed) and counted as a reconcile
    error of ``kind`` / ``trigger``; it never ends the loop."""
    while not stopped and not ctx.closed:
        try:
            more = await step()
        except Exception:
            if ctx.closed:
                return
            logger.exception("%s failed", what)
            ctx.metrics.reconcile_errors.labels(kind=kind, trigger=trigger).inc()
        else:
            if not more:
                return
        await nap(stopped, interval())
