"""One autoscaler evaluation of one VoiceModel, TextModel or TranscriptionModel: measure, decide (pure
policy), apply, record.

1. read the object and its RayService (the model replicas in serveConfigV2 are the current count);
2. query Prometheus (see :class:`ScaledKind`): GPU utilisation (DCGM or Ray, per
   ``spec.autoscaling.metric``) for models on GPUs; for a TextModel on CPUs (llama.cpp) the utilisation
   of its sequence slots, ``(active sequences + queued requests) / (maxConcurrentSequences x replicas)``
   from the runtime's ``voxray_text_active_sequences`` and ``voxray_text_queue_depth`` gauges: CPU
   utilisation says little about a decoder that is memory-bound and holds its threads busy while idle
   slots wait, while slots in use and a queue are exactly the demand a new replica absorbs (over 1.0
   when requests queue, so the HPA ratio scales up in proportion); for a TranscriptionModel on CPUs the
   same for its Whisper workers: transcriptions running or waiting in its replicas (the runtime's
   ``voxray_stt_inflight``) over ``serving.maxConcurrent x replicas``;
3. :func:`voxray_operator.scaling.policy.decide` with the history kept in an annotation;
4. a change patches the RayService (:func:`voxray_operator.scaling.apply.scaling_patch`, under its
   resourceVersion: a conflict skips this round, the next one measures again);
5. status: ScalingActive (False with the reason when metrics are missing), lastScaling and
   replicas.desired on a change; events for transitions; operator metrics for every decision.

Runs under the VoiceModel's lock, so reconciliation and scaling never interleave on one object.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voxray_operator import k8s, status
from voxray_operator.builders import BuildError, ServedSpec, model_replicas, rayservice_name, uses_gpu
from voxray_operator.config import OperatorSettings
from voxray_operator.context import OperatorContext, write_status
from voxray_operator.reconcile.kinds import TEXTMODEL, TRANSCRIPTIONMODEL, VOICEMODEL, ServedModelKind
from voxray_operator.scaling.apply import ScalingApplyError, scaling_patch
from voxray_operator.scaling.policy import (
    Decision,
    ScalingConfig,
    ScalingHistory,
    ScalingInput,
    decide,
)
from voxray_operator.scaling.prometheus import query_params
from voxray_operator.status.kuberay import active_cluster_name
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec

#: the recommendation history (JSON) on each autoscaled VoiceModel / TextModel
HISTORY_ANNOTATION = "voxray.io/scaling-history"
METRIC_NAMES = {"dcgm": "DCGM GPU utilisation", "ray": "Ray GPU utilisation"}
TEXT_SLOTS_METRIC = "text sequence slots in use ((active + queued) / slots)"
STT_WORKERS_METRIC = "Whisper workers in use ((running + waiting) / workers)"

#: (PromQL template, what it measures, extra template fields) for a spec and its current replicas
Metric = tuple[str, str, dict[str, str]]


def gpu_metric(settings: OperatorSettings, spec: ServedSpec) -> Metric:
    template = settings.dcgm_query if spec.autoscaling.metric == "dcgm" else settings.ray_query
    return template, METRIC_NAMES[spec.autoscaling.metric], {}


def text_metric(settings: OperatorSettings, spec: ServedSpec, current: int) -> Metric:
    """GPU utilisation on GPUs; the sequence slots in use on CPUs (see the module docstring)."""
    if uses_gpu(spec) or not isinstance(spec, TextModelSpec):
        return gpu_metric(settings, spec)
    slots = spec.serving.max_concurrent_sequences * max(1, current)
    return settings.text_query, TEXT_SLOTS_METRIC, {"slots": str(slots)}


def transcription_metric(settings: OperatorSettings, spec: ServedSpec, current: int) -> Metric:
    """GPU utilisation on GPUs; the Whisper workers in use on CPUs (see the module docstring)."""
    if uses_gpu(spec) or not isinstance(spec, TranscriptionModelSpec):
        return gpu_metric(settings, spec)
    slots = spec.serving.max_concurrent * max(1, current)
    return settings.transcription_query, STT_WORKERS_METRIC, {"slots": str(slots)}


@dataclass(frozen=True)
class ScaledKind:
    """A served kind (how it parses, builds and names its model deployment) and what the autoscaler
    measures for it."""

    served: ServedModelKind
    metric: Callable[[OperatorSettings, Any, int], Metric]

    @property
    def kind(self) -> str:
        return self.served.kind

    @property
    def resource(self) -> k8s.Resource:
        return self.served.resource


VOICEMODEL_SCALING = ScaledKind(
    VOICEMODEL, metric=lambda settings, spec, _current: gpu_metric(settings, spec)
)
TEXTMODEL_SCALING = ScaledKind(TEXTMODEL, metric=text_metric)
TRANSCRIPTIONMODEL_SCALING = ScaledKind(TRANSCRIPTIONMODEL, metric=transcription_metric)


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


async def evaluate(
    ctx: OperatorContext,
    namespace: str,
    name: str,
    logger: Any,
    scaled: ScaledKind = VOICEMODEL_SCALING,
) -> Evaluation | None:
    """One evaluation; None when there is nothing to scale (gone, invalid, disabled, no RayService)."""
    async with ctx.lock(scaled.kind, namespace, name):
        vm = await ctx.kube.get(scaled.resource, namespace, name)
        if vm is None or vm["metadata"].get("deletionTimestamp"):
            return None
        try:
            spec = scaled.served.parse(vm.get("spec"))
        except BuildError:
            return None  # the reconciler reports it
        if not spec.autoscaling.enabled:
            return None
        rs_name = rayservice_name(name)
        rayservice = await ctx.kube.get(k8s.RAYSERVICES, namespace, rs_name)
        if rayservice is None:
            return None  # the reconciler creates it
        deployment = scaled.served.deployment(name)
        current = model_replicas(rayservice, deployment=deployment)
        if current is None:
            logger.warning(
                "RayService %s has no replicas for %s: skipping this evaluation", rs_name, deployment
            )
            return None

        template, measured, extra = scaled.metric(ctx.settings, spec, current)
        params = {**query_params(namespace, name, rs_name, active_cluster_name(rayservice)), **extra}
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
            built = scaled.served.build(name, namespace, spec, ctx.build, replicas=decision.desired, owner=vm)
            try:
                await ctx.kube.patch(
                    k8s.RAYSERVICES,
                    namespace,
                    rs_name,
                    scaling_patch(rayservice, built, name, decision.desired, deployment=deployment),
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
        if scaled.served is VOICEMODEL:
            ctx.metrics.desired_replicas.labels(voicemodel_namespace=namespace, voicemodel=name).set(
                decision.desired if applied else current
            )

        old = vm.get("status") or {}
        metrics_ok = decision.reason != status.Reason.METRICS_UNAVAILABLE
        if applied or not metrics_ok:
            word, text = decision.reason, decision.message
        elif note:
            word, text = status.Reason.SCALING_BLOCKED, f"{decision.message}: {note}"
        else:
            word, text = status.Reason.VALID_METRIC_FOUND, ""
        steady = (
            f"scaling on {measured}, target "
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
        await write_status(ctx, scaled.resource, vm, old, new)
        history = json.dumps(decision.history.to_json(), separators=(",", ":"))
        await ctx.kube.patch(
            scaled.resource, namespace, name, {"metadata": {"annotations": {HISTORY_ANNOTATION: history}}}
        )
        return Evaluation(decision, applied, note)
