"""The per-VoiceModel and per-TextModel autoscaler: one evaluation every ``spec.autoscaling.intervalSeconds``.

A kopf daemon rather than ``@kopf.timer``: a timer's interval is fixed when the decorator runs, while
the interval here is the VoiceModel's own and may change with its spec (a daemon's body is live). It
exists only while ``spec.autoscaling.enabled`` is true; kopf stops it when that flips or the object goes,
and for that puts its finalizer on autoscaled VoiceModels only.
"""

from __future__ import annotations

from typing import Any

import kopf

from voxray_operator.context import get_context, nap
from voxray_operator.scaling.autoscaler import TEXTMODEL_SCALING, VOICEMODEL_SCALING, ScaledKind, evaluate
from voxray_runtime.spec.common import GROUP, VERSION

DEFAULT_INTERVAL = 30.0
MIN_INTERVAL = 5.0


def autoscaling_enabled(spec: kopf.Spec, **_: Any) -> bool:
    autoscaling = spec.get("autoscaling")
    return isinstance(autoscaling, dict) and autoscaling.get("enabled") is True


def interval_of(spec: Any) -> float:
    autoscaling = spec.get("autoscaling") if hasattr(spec, "get") else None
    value = autoscaling.get("intervalSeconds") if isinstance(autoscaling, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return max(MIN_INTERVAL, float(value))
    return DEFAULT_INTERVAL


async def run_autoscaler(
    scaled: ScaledKind,
    name: str,
    namespace: str | None,
    body: kopf.Body,
    stopped: kopf.DaemonStopped,
    memo: kopf.Memo,
    logger: kopf.Logger,
) -> None:
    ctx = get_context(memo)
    if namespace is None:
        return  # VoiceModels and TextModels are namespaced
    while not stopped and not ctx.closed:
        try:
            await evaluate(ctx, namespace, name, logger, scaled)
        except Exception:  # one failed round must not stop scaling for good
            if ctx.closed:
                return
            logger.exception("autoscaler evaluation failed")
            ctx.metrics.reconcile_errors.labels(kind=scaled.kind, trigger="autoscaler").inc()
        await nap(stopped, interval_of(body.get("spec", {})))


@kopf.daemon(
    GROUP,
    VERSION,
    "voicemodels",
    id="autoscaler",
    when=autoscaling_enabled,
    cancellation_backoff=2.0,
    cancellation_timeout=10.0,
)
async def autoscaler(
    name: str,
    namespace: str | None,
    body: kopf.Body,
    stopped: kopf.DaemonStopped,
    memo: kopf.Memo,
    logger: kopf.Logger,
    **_: Any,
) -> None:
    await run_autoscaler(VOICEMODEL_SCALING, name, namespace, body, stopped, memo, logger)


@kopf.daemon(
    GROUP,
    VERSION,
    "textmodels",
    id="text-autoscaler",
    when=autoscaling_enabled,
    cancellation_backoff=2.0,
    cancellation_timeout=10.0,
)
async def text_autoscaler(
    name: str,
    namespace: str | None,
    body: kopf.Body,
    stopped: kopf.DaemonStopped,
    memo: kopf.Memo,
    logger: kopf.Logger,
    **_: Any,
) -> None:
    """The same policy for a TextModel's ``LLM-<name>`` deployment (see scaling/autoscaler.py)."""
    await run_autoscaler(TEXTMODEL_SCALING, name, namespace, body, stopped, memo, logger)
