"""Operator-wide handlers: login, startup (settings, clients, metrics endpoint), cleanup."""

from __future__ import annotations

import logging
from typing import Any

import kopf

from voxray_operator import k8s
from voxray_operator.config import OperatorSettings
from voxray_operator.context import MEMO_KEY, OperatorContext
from voxray_operator.metrics import OperatorMetrics
from voxray_operator.ray_dashboard import DashboardClient
from voxray_operator.scaling.autoscaler import HISTORY_ANNOTATION
from voxray_operator.scaling.prometheus import PrometheusClient

#: kopf's own bookkeeping annotations and finalizer live under this prefix, not kopf.zalando.org
KOPF_PREFIX = "operator.voxray.io"
FINALIZER = f"{KOPF_PREFIX}/finalizer"


def configure_kopf(settings: kopf.OperatorSettings) -> None:
    """kopf's persistence in annotations only (the status belongs to our CRD schema), events not logs."""
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=KOPF_PREFIX)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=KOPF_PREFIX,
        key="last-handled-configuration",
        # the autoscaler's bookkeeping is no change of the VoiceModel
        ignored_fields=[("metadata", "annotations", HISTORY_ANNOTATION)],
    )
    # handler logs stay logs: the operator posts its own, deliberate events
    settings.posting.level = logging.WARNING
    settings.execution.max_workers = 8


@kopf.on.login(retries=3)
def login(**_: Any) -> kopf.ConnectionInfo:
    """The same credentials for kopf's watches and the operator's own client (k8s.py)."""
    return k8s.load_connection()


@kopf.on.startup()
async def startup(settings: kopf.OperatorSettings, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    configure_kopf(settings)
    op = OperatorSettings()
    metrics = OperatorMetrics()
    ctx = OperatorContext(
        settings=op,
        kube=k8s.KubeClient.from_environment(timeout=op.kube_timeout_seconds),
        prometheus=PrometheusClient(op.prometheus_url, timeout=op.prometheus_timeout_seconds),
        dashboard=DashboardClient(timeout=op.dashboard_timeout_seconds, token=op.dashboard_token or None),
        metrics=metrics,
    )
    if op.metrics_port:
        ctx.stop_metrics = metrics.serve(op.metrics_port, op.metrics_address)
        logger.info("operator metrics on %s:%d/metrics", op.metrics_address, op.metrics_port)
    memo[MEMO_KEY] = ctx
    logger.info("voxray operator started: API server %s, Prometheus %s", ctx.kube.server, op.prometheus_url)


@kopf.on.cleanup()
async def cleanup(memo: kopf.Memo, **_: Any) -> None:
    ctx = memo.pop(MEMO_KEY, None)
    if isinstance(ctx, OperatorContext):
        await ctx.aclose()
