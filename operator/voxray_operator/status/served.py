"""PURE status of the served kinds: a VoiceModel or TextModel from its RayService, and the scaler's word.

Every function takes the previous status (a plain dict as stored on the object, camelCase) and ``now``,
and returns the full new status dict, built through the api models so that it holds only fields the
CRD schema keeps (the API server prunes anything else). What KubeRay reports is read as
:mod:`voxray_operator.status.kuberay` describes; the model deployment's replicas come from the builders'
serveConfigV2 reader (never parsed here).

A TextModel's phase, conditions and replicas follow exactly the VoiceModel rules (one truth); on top it
says what an OpenAI client needs (``baseUrl``, ``modelId``) and which engine serves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from voxray_operator.api.textmodel import TextModelStatus
from voxray_operator.api.voicemodel import (
    CredentialsStatus,
    ReplicaStatus,
    ScalingRecord,
    UpgradeStatus,
    VoiceModelStatus,
)
from voxray_operator.builders import (
    API_PREFIX,
    ServedSpec,
    model_replicas,
    replicas_per_pod,
    serve_endpoint,
    spec_hash,
)
from voxray_operator.status.conditions import (
    Conditions,
    ConditionStatus,
    ConditionType,
    Reason,
    Status,
    condition_is,
    get_condition,
    timestamp,
)
from voxray_operator.status.kuberay import (
    LEGACY_SERVICE_RUNNING,
    RayServiceCondition,
    RayServiceReason,
    ServeStatus,
    app_state,
    dig,
    model_deployment_status,
)
from voxray_runtime.spec.textmodel import TextModelSpec


class ServedPhase(StrEnum):
    """``status.phase`` of a VoiceModel or TextModel (the CRD's enum)."""

    PENDING = "Pending"
    DEPLOYING = "Deploying"
    READY = "Ready"
    DEGRADED = "Degraded"
    FAILED = "Failed"


#: phases in which the model serves (perhaps not well)
SERVING_PHASES = frozenset({ServedPhase.READY, ServedPhase.DEGRADED})
#: phases in which the Degraded condition is True
TROUBLED_PHASES = frozenset({ServedPhase.DEGRADED, ServedPhase.FAILED})


def _finish(status: VoiceModelStatus, conditions: Conditions) -> Status:
    out = status.to_wire()
    out["conditions"] = conditions.items
    return out


def carry_credentials(prev: Status) -> CredentialsStatus | None:
    raw = prev.get("credentials")
    return CredentialsStatus.model_validate(raw) if isinstance(raw, dict) else None


def carry_scaling(prev: Status) -> ScalingRecord | None:
    raw = prev.get("lastScaling")
    return ScalingRecord.model_validate(raw) if isinstance(raw, dict) else None


def _phase(rayservice: dict[str, Any], prev: Status) -> tuple[ServedPhase, str, str, bool, dict[str, str]]:
    """(phase, reason, message, KubeRay says Ready, {deployment: status}) of a RayService."""
    rs_status = rayservice.get("status") or {}
    rs_ready = get_condition(rs_status.get("conditions"), RayServiceCondition.READY)
    app_status, app_message, deployments = app_state(rayservice)
    ready = (rs_ready or {}).get("status") == ConditionStatus.TRUE or (
        rs_ready is None and rs_status.get("serviceStatus") == LEGACY_SERVICE_RUNNING
    )
    ready_reason = str((rs_ready or {}).get("reason") or "")
    unhealthy = app_status == ServeStatus.UNHEALTHY or ServeStatus.UNHEALTHY in deployments.values()
    was_ready = prev.get("phase") in SERVING_PHASES

    reason: str
    if app_status == ServeStatus.DEPLOY_FAILED or ready_reason == RayServiceReason.INITIALIZING_TIMEOUT:
        reason = (
            Reason.DEPLOY_FAILED if app_status == ServeStatus.DEPLOY_FAILED else Reason.INITIALIZING_TIMEOUT
        )
        message = (
            app_message
            or str((rs_ready or {}).get("message") or "")
            or "the Serve application failed to deploy"
        )
        return ServedPhase.FAILED, reason, message, ready, deployments
    if ready and app_status == ServeStatus.RUNNING and not unhealthy:
        return ServedPhase.READY, Reason.SERVING, "the model is serving", ready, deployments
    if unhealthy or (was_ready and not ready):
        unhealthy_deps = sorted(d for d, s in deployments.items() if s == ServeStatus.UNHEALTHY)
        message = app_message or (
            "unhealthy deployments: " + ", ".join(unhealthy_deps)
            if unhealthy_deps
            else "the model lost its endpoints"
        )
        reason = Reason.UNHEALTHY if unhealthy else (ready_reason or Reason.NOT_READY)
        return ServedPhase.DEGRADED, reason, message, ready, deployments
    message = app_message or (
        f"Serve application {app_status}"
        if app_status
        else "waiting for the Ray cluster and Serve application"
    )
    return ServedPhase.DEPLOYING, Reason.DEPLOYING, message, ready, deployments


def _percent(rayservice: dict[str, Any], which: str, key: str) -> int | None:
    value = dig(rayservice, "status", which, key)
    return value if isinstance(value, int) and 0 <= value <= 100 else None


def upgrade_status(rayservice: dict[str, Any], spec: ServedSpec) -> UpgradeStatus | None:
    """The roll-out KubeRay performs now (UpgradeInProgress or RollbackInProgress True), else None."""
    conditions = (rayservice.get("status") or {}).get("conditions")
    upgrading = condition_is(conditions, RayServiceCondition.UPGRADE_IN_PROGRESS, ConditionStatus.TRUE)
    rolling_back = condition_is(conditions, RayServiceCondition.ROLLBACK_IN_PROGRESS, ConditionStatus.TRUE)
    if not (upgrading or rolling_back):
        return None
    pending = dig(rayservice, "status", "pendingServiceStatus", "rayClusterName")
    return UpgradeStatus(
        strategy=spec.upgrade.strategy if spec.upgrade is not None else "NewCluster",
        rolling_back=rolling_back,
        pending_ray_cluster_name=pending if isinstance(pending, str) and pending else None,
        pending_traffic_percent=_percent(rayservice, "pendingServiceStatus", "trafficRoutedPercent"),
        pending_target_capacity=_percent(rayservice, "pendingServiceStatus", "targetCapacity"),
        active_traffic_percent=_percent(rayservice, "activeServiceStatus", "trafficRoutedPercent"),
    )


def upgrade_message(upgrade: UpgradeStatus) -> str:
    """What the Progressing condition says of a roll-out (with the traffic split of an incremental one)."""
    if upgrade.rolling_back:
        text = "KubeRay is rolling back to the previous Ray cluster"
    else:
        text = "KubeRay is rolling out a new Ray cluster"
    if upgrade.pending_traffic_percent is not None:
        text += f": {upgrade.pending_traffic_percent}% of the traffic on the new cluster"
        if upgrade.pending_target_capacity is not None:
            text += f", its target capacity {upgrade.pending_target_capacity}%"
    return text


def _progressing(
    conditions: Conditions,
    rayservice: dict[str, Any],
    phase: ServedPhase,
    message: str,
    upgrade: UpgradeStatus | None,
) -> None:
    meta = rayservice.get("metadata") or {}
    rs_status = rayservice.get("status") or {}
    upgrading = upgrade is not None
    rs_generation = meta.get("generation")
    caught_up = rs_generation is None or rs_status.get("observedGeneration") == rs_generation
    pending_status, pending_message, _ = app_state(rayservice, "pendingServiceStatus")
    if upgrade is not None and upgrade.rolling_back:
        conditions.set(ConditionType.PROGRESSING, True, Reason.ROLLING_BACK, upgrade_message(upgrade))
    elif upgrading and pending_status == ServeStatus.DEPLOY_FAILED:
        conditions.set(
            ConditionType.PROGRESSING,
            True,
            Reason.UPGRADE_FAILING,
            pending_message or "the new Ray cluster's app failed to deploy",
        )
    elif upgrade is not None:
        conditions.set(ConditionType.PROGRESSING, True, Reason.UPGRADING, upgrade_message(upgrade))
    elif not caught_up:
        conditions.set(
            ConditionType.PROGRESSING,
            True,
            Reason.RECONCILING,
            "KubeRay has not yet handled the latest RayService spec",
        )
    else:
        progressing = phase == ServedPhase.DEPLOYING
        conditions.set(
            ConditionType.PROGRESSING,
            progressing,
            Reason.DEPLOYING if progressing else Reason.DEPLOYED,
            message if progressing else "",
        )


def voicemodel_status_from_rayservice(
    rayservice: dict[str, Any] | None,
    *,
    generation: int | None,
    spec: ServedSpec,
    previous: Status | None,
    now: datetime,
) -> Status:
    """The VoiceModel status for its RayService as it is now (None: not created yet); a TextModel's is
    the same with its own fields added (:func:`textmodel_status_from_rayservice`).

    Phase: Pending (no RayService yet), Deploying (cluster or app coming up, or KubeRay has not seen our
    latest spec), Ready (Ready condition True and the app RUNNING), Degraded (serving but unhealthy, or
    it was Ready and lost its endpoints), Failed (DEPLOY_FAILED, or KubeRay's InitializingTimeout).
    ``lastScaling`` and the ScalingActive condition belong to the scaler and are carried over.
    """
    prev = previous or {}
    conditions = Conditions(prev, generation=generation, now=now)
    bounds = {"min": spec.replicas.min, "max": spec.replicas.max}

    conditions.set(ConditionType.VALIDATION_FAILED, False, Reason.SPEC_VALID, "the spec is valid")
    if rayservice is None:
        message = "waiting for the RayService to be created"
        conditions.set(ConditionType.READY, False, Reason.RAYSERVICE_PENDING, message)
        conditions.set(ConditionType.PROGRESSING, True, Reason.CREATING, message)
        conditions.set(ConditionType.DEGRADED, False, Reason.AS_EXPECTED, "")
        status = VoiceModelStatus(
            observed_generation=generation,
            phase=ServedPhase.PENDING.value,
            replicas=ReplicaStatus(desired=0, current=0, **bounds),
            spec_hash=spec_hash(spec),
            message=message,
            last_scaling=carry_scaling(prev),
            credentials=carry_credentials(prev),
        )
        return _finish(status, conditions)

    phase, reason, message, ready, deployments = _phase(rayservice, prev)
    conditions.set(ConditionType.READY, ready and phase in SERVING_PHASES, reason, message)
    upgrade = upgrade_status(rayservice, spec)
    _progressing(conditions, rayservice, phase, message, upgrade)
    troubled = phase in TROUBLED_PHASES
    conditions.set(
        ConditionType.DEGRADED,
        troubled,
        reason if troubled else Reason.AS_EXPECTED,
        message if troubled else "",
    )

    desired = model_replicas(rayservice)
    if desired is None:
        desired = int((prev.get("replicas") or {}).get("desired") or 0)
    model_status = model_deployment_status(deployments)
    if model_status == ServeStatus.HEALTHY:  # Serve reports HEALTHY once every target replica runs
        current = desired
    elif model_status:  # UPDATING / UNHEALTHY: as many as the ready worker pods can hold
        ready_pods = dig(
            rayservice, "status", "activeServiceStatus", "rayClusterStatus", "readyWorkerReplicas"
        )
        current = min(desired, int(ready_pods or 0) * replicas_per_pod(spec))
    else:
        current = 0
    meta = rayservice.get("metadata") or {}
    rs_name = str(meta.get("name") or "")
    rs_ns = str(meta.get("namespace") or "")
    status = VoiceModelStatus(
        observed_generation=generation,
        phase=phase.value,
        replicas=ReplicaStatus(desired=desired, current=current, **bounds),
        endpoint=serve_endpoint(rs_name, rs_ns) if rs_name and rs_ns else None,
        ray_service_name=rs_name or None,
        last_scaling=carry_scaling(prev),
        spec_hash=spec_hash(spec),
        message=message,
        credentials=carry_credentials(prev),
        upgrade=upgrade,
    )
    return _finish(status, conditions)


def with_client_fields(
    status: Status,
    model: type[VoiceModelStatus],
    fields: dict[str, Any],
    ready_message: Callable[[str], str],
) -> Status:
    """``status`` with what an OpenAI client needs: ``fields`` (modelId, engine...) and ``baseUrl``
    (endpoint + /v1); a Ready model's message is ``ready_message(baseUrl)``. Built through ``model``, the
    kind's status model, so that it holds only fields the CRD keeps."""
    out = {**status, **fields}
    endpoint = out.get("endpoint")
    if isinstance(endpoint, str) and endpoint:
        out["baseUrl"] = endpoint + API_PREFIX
        if out.get("phase") == ServedPhase.READY:
            out["message"] = ready_message(out["baseUrl"])
    conditions = out.pop("conditions", [])
    wire: dict[str, Any] = model.model_validate(out).to_wire()
    wire["conditions"] = conditions
    return wire


def with_text_fields(status: Status, name: str, spec: TextModelSpec) -> Status:
    """``status`` with baseUrl, modelId and engine; a Ready model's message names its URL and id."""
    model_id = spec.model_id(name)
    return with_client_fields(
        status,
        TextModelStatus,
        {"modelId": model_id, "engine": spec.engine},
        lambda url: f"serving {model_id} at {url}",
    )


def textmodel_status_from_rayservice(
    rayservice: dict[str, Any] | None,
    *,
    name: str,
    generation: int | None,
    spec: TextModelSpec,
    previous: Status | None,
    now: datetime,
) -> Status:
    """The TextModel status for its RayService as it is now (None: not created yet)."""
    base = voicemodel_status_from_rayservice(
        rayservice, generation=generation, spec=spec, previous=previous, now=now
    )
    return with_text_fields(base, name, spec)


def scaling_status(
    previous: Status | None,
    *,
    generation: int | None,
    now: datetime,
    active: bool,
    reason: str,
    message: str,
    from_replicas: int | None = None,
    to_replicas: int | None = None,
    utilization: float | None = None,
) -> Status:
    """The previous status with the scaler's word: ScalingActive, and lastScaling when replicas changed.

    ``active`` False with reason ``MetricsUnavailable`` / ``Hold`` / ``Disabled`` says why nothing is
    scaled. When ``from_replicas != to_replicas`` lastScaling and ``replicas.desired`` are updated.
    """
    out = dict(previous or {})
    conditions = Conditions(out, generation=generation, now=now)
    conditions.set(ConditionType.SCALING_ACTIVE, active, reason, message)
    out["conditions"] = conditions.items
    if from_replicas is not None and to_replicas is not None and from_replicas != to_replicas:
        record = ScalingRecord(
            time=timestamp(now),
            from_=from_replicas,
            to=to_replicas,
            utilization=utilization,
            reason=message or reason,
        )
        out["lastScaling"] = record.to_wire()
        replicas = dict(out.get("replicas") or {})
        replicas["desired"] = to_replicas
        out["replicas"] = ReplicaStatus.model_validate(replicas).to_wire()
    return out
