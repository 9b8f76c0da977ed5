"""One autoscaler evaluation of one VoiceModel: measure, decide (pure policy), apply, record.

1. read the VoiceModel and its RayService (the model replicas in serveConfigV2 are the current count);
2. query Prometheus (DCGM or Ray GPU utilisation, per ``spec.autoscaling.metric``);
3. :func:`voxray_operator.scaling.policy.decide` with the history kept in an annotation;
4. a change patches the RayService (:func:`voxray_operator.scaling.apply.scaling_patch`, under its
   resourceVersion: a conflict skips this round, the next one measures again);
5. status: ScalingActive (False with the reason when metrics are missing), lastScaling and
   replicas.desired on a change; events for transitions; operator metrics for every decision.

Runs under the VoiceModel's lock, so reconciliation and scaling never interleave on one object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from voxray_operator import k8s, status
from voxray_operator.builders import BuildError, build_rayservice, model_replicas, parse_spec, rayservice_name
from voxray_operator.context import OperatorContext, write_status
from voxray_operator.scaling.apply import ScalingApplyError, scaling_patch
from voxray_operator.scaling.policy import (
    Decision,
    Reason,
    ScalingConfig,
    ScalingHistory,
    ScalingInput,
    decide,
)
from voxray_operator.scaling.prometheus import query_params

KIND: Literal["VoiceModel"] = "VoiceModel"
#: the recommendation history (JSON) on each autoscaled VoiceModel
HISTORY_ANNOTATION = "voxray.io/scaling-history"
METRIC_NAMES = {"dcgm": "DCGM GPU utilisation", "ray": "Ray GPU utilisation"}


@dataclass(frozen=True)
class Evaluation:
    decision: Decision
    applied: bool
    note: str = ""


def read_history(vm: dict[str, Any]) -> ScalingHistory:
    raw = ((vm.get("metadata") or {}).get("annotations") or {}).get(HISTORY_ANNOTATION)
    if not isinstance(raw, str):
        return ScalingHistory()
    try:
        return ScalingHistory.from_json(json.loads(raw))
    except ValueError:
        return ScalingHistory()


def _cluster_name(rayservice: dict[str, Any]) -> str | None:
    active = ((rayservice.get("status") or {}).get("activeServiceStatus")) or {}
    name = active.get("rayClusterName")
    return name if isinstance(name, str) and name else None


async def evaluate(ctx: OperatorContext, namespace: str, name: str, logger: Any) -> Evaluation | None:
    """One evaluation; None when there is nothing to scale (gone, invalid, disabled, no RayService)."""
    async with ctx.lock(KIND, namespace, name):
        vm = await ctx.kube.get(k8s.VOICEMODELS, namespace, name)
        if vm is None or vm["metadata"].get("deletionTimestamp"):
            return None
        try:
            spec = parse_spec("VoiceModel", vm.get("spec"))
        except BuildError:
            return None  # the reconciler reports it
        if not spec.autoscaling.enabled:
            return None
        rs_name = rayservice_name(name)
        rayservice = await ctx.kube.get(k8s.RAYSERVICES, namespace, rs_name)
        if rayservice is None:
            return None  # the reconciler creates it
        current = model_replicas(rayservice, name)
        if current is None:
            logger.warning(
                "RayService %s has no replicas for TTS-%s: skipping this evaluation", rs_name, name
            )
            return None

        template = ctx.settings.dcgm_query if spec.autoscaling.metric == "dcgm" else ctx.settings.ray_query
        params = query_params(namespace, name, rs_name, _cluster_name(rayservice))
        result = await ctx.prometheus.query_template(template, params)
        if not result.ok:
            ctx.metrics.prometheus_errors.labels(error=result.error_class).inc()
        now = ctx.now()
        decision = decide(
            ScalingInput(
                current_replicas=current,
                utilization=result.value,
                now=now.timestamp(),
                config=ScalingConfig.from_spec(spec),
                history=read_history(vm),
                metrics_reason=f"prometheus {result.kind}: {result.reason}" if not result.ok else "",
            )
        )
        ctx.metrics.scaling_decisions.labels(direction=decision.direction, reason=decision.reason).inc()

        applied, note = False, ""
        if decision.changed:
            built = build_rayservice(name, namespace, spec, ctx.build, replicas=decision.desired, owner=vm)
            try:
                await ctx.kube.patch(
                    k8s.RAYSERVICES,
                    namespace,
                    rs_name,
                    scaling_patch(rayservice, built, name, decision.desired),
                )
                applied = True
            except k8s.ConflictError:
                note = "the RayService changed meanwhile; measuring again next time"
            except ScalingApplyError as exc:
                note = f"cannot apply: {exc}"
            if applied:
                logger.info("%s", decision.message)
            else:
                logger.warning("%s: %s", decision.message, note)
        ctx.metrics.desired_replicas.labels(voicemodel_namespace=namespace, voicemodel=name).set(
            decision.desired if applied else current
        )

        old = vm.get("status") or {}
        metrics_ok = decision.reason != Reason.METRICS_UNAVAILABLE
        if applied or not metrics_ok:
            word, text = decision.reason, decision.message
        elif note:
            word, text = "ScalingBlocked", f"{decision.message}: {note}"
        else:
            word, text = "ValidMetricFound", ""
        steady = (
            f"scaling on {METRIC_NAMES[spec.autoscaling.metric]}, target "
            f"{spec.autoscaling.target_utilization:.0%}, replicas {spec.replicas.min}..{spec.replicas.max}"
        )
        new = status.scaling_status(
            old,
            generation=vm["metadata"].get("generation"),
            now=now,
            active=metrics_ok and not note,
            reason=word,
            message=text or steady,
            from_replicas=decision.current if applied else None,
            to_replicas=decision.desired if applied else None,
            utilization=decision.utilization,
        )
        await write_status(ctx, k8s.VOICEMODELS, vm, old, new)
        history = json.dumps(decision.history.to_json(), separators=(",", ":"))
        await ctx.kube.patch(
            k8s.VOICEMODELS, namespace, name, {"metadata": {"annotations": {HISTORY_ANNOTATION: history}}}
        )
        return Evaluation(decision, applied, note)
