"""The per-VoiceModel, per-TextModel and per-TranscriptionModel autoscaler: one evaluation every
``spec.autoscaling.intervalSeconds``.

A kopf daemon rather than ``@kopf.timer``: a timer's interval is fixed when the decorator runs, while
the interval here is the object's own and may change with its spec (a daemon's body is live). It
exists only while ``spec.autoscaling.enabled`` is true; kopf stops it when that flips or the object goes,
and for that puts its finalizer on autoscaled objects only. The evaluation itself is
:func:`voxray_operator.scaling.autoscaler.evaluate` (for a TextModel: its ``LLM-<name>`` deployment, for a
TranscriptionModel its ``STT-<name>``).
"""

from __future__ import annotations

from typing import Any

import kopf

from voxray_operator.context import get_context, run_every
from voxray_operator.scaling.autoscaler import (
    TEXTMODEL_SCALING,
    TRANSCRIPTIONMODEL_SCALING,
    VOICEMODEL_SCALING,
    ScaledKind,
    evaluate,
)
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


def register(scaled: ScaledKind, daemon_id: str) -> None:
    """Register the autoscaler daemon of ``scaled``'s kind with kopf's default registry."""

    @kopf.daemon(
        GROUP,
        VERSION,
        scaled.resource.plural,
        id=daemon_id,
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
        ctx = get_context(memo)
        if namespace is None:
            return  # the served kinds are namespaced

        async def evaluation() -> bool:
            await evaluate(ctx, namespace, name, logger, scaled)
            return True

        await run_every(
            ctx,
            stopped,
            logger,
            evaluation,
            interval=lambda: interval_of(body.get("spec", {})),
            kind=scaled.kind,
            trigger="autoscaler",
            what="autoscaler evaluation",
        )


register(VOICEMODEL_SCALING, "autoscaler")
register(TEXTMODEL_SCALING, "text-autoscaler")
register(TRANSCRIPTIONMODEL_SCALING, "transcription-autoscaler")
