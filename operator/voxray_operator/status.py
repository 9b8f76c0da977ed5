"""PURE status derivation: conditions, phases and counts from KubeRay's own status. No I/O.

Every function takes the previous status (a plain dict as stored on the object, camelCase) and ``now``,
and returns the full new status dict, built through the api models so that it holds only fields the
CRD schema keeps (the API server prunes anything else). Handlers write it only when
:func:`status_changed` says so, and emit :func:`transition_events`.

KubeRay fields read (ray.io/v1, checked against the CRD schemas in tests):

- RayService: ``status.conditions`` (``Ready`` with reasons Initializing, InitializingTimeout,
  ZeroServeEndpoints, NonZeroServeEndpoints; ``UpgradeInProgress``), ``status.observedGeneration``,
  ``status.serviceStatus`` (``Running``; only where an older KubeRay sets no conditions),
  ``status.activeServiceStatus.applicationStatuses[app].status`` (NOT_STARTED, DEPLOYING, RUNNING,
  DEPLOY_FAILED, UNHEALTHY, DELETING) with ``message`` and ``serveDeploymentStatuses[dep].status``
  (UPDATING, HEALTHY, UNHEALTHY), ``activeServiceStatus.rayClusterStatus.readyWorkerReplicas``.
- RayJob: ``status.jobDeploymentStatus`` (New, Initializing, Running, Complete, Failed, Suspending,
  Suspended, Retrying, Waiting, Scheduling, Scheduled, ValidationFailed), ``status.jobStatus`` (PENDING,
  RUNNING, STOPPED, SUCCEEDED, FAILED), ``reason``, ``message``, ``jobId``, ``startTime``, ``endTime``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import yaml

from voxray_operator.api.speechbatch import BatchCounts, BatchOutputStatus, SpeechBatchStatus
from voxray_operator.api.textmodel import TextModelStatus
from voxray_operator.api.voicemodel import CredentialsStatus, ReplicaStatus, ScalingRecord, VoiceModelStatus
from voxray_operator.builders.common import load_yaml, spec_hash
from voxray_operator.builders.rayservice import ServedSpec, model_replicas, replicas_per_pod, serve_endpoint
from voxray_operator.builders.security import BatchAuditKey, CredentialPlan, read_key_command
from voxray_runtime.batch.progress import Progress
from voxray_runtime.serve.args import APP_NAME, INGRESS_DEPLOYMENT
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

Status = dict[str, Any]
Event = tuple[str, str, str]  # (type Normal|Warning, reason, message)

#: keys left out when deciding whether a status changed
TIMESTAMP_KEYS = frozenset({"lastTransitionTime", "time"})

READY = "Ready"
PROGRESSING = "Progressing"
DEGRADED = "Degraded"
VALIDATION_FAILED = "ValidationFailed"
SCALING_ACTIVE = "ScalingActive"
CREDENTIALS_READY = "CredentialsReady"
RUNNING = "Running"
COMPLETE = "Complete"
FAILED = "Failed"

_TERMINAL_BATCH = frozenset({"Succeeded", "Failed", "ValidationFailed"})
_WARNING_PHASES = frozenset({"Degraded", "Failed", "ValidationFailed"})


def timestamp(now: datetime) -> str:
    """RFC 3339 in UTC with seconds, as metav1.Time serialises (``2026-01-02T03:04:05Z``)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def get_condition(conditions: list[dict[str, Any]] | None, type_: str) -> dict[str, Any] | None:
    for cond in conditions or []:
        if isinstance(cond, dict) and cond.get("type") == type_:
            return cond
    return None


def set_condition(
    conditions: list[dict[str, Any]] | None,
    type: str,
    status: str,
    reason: str,
    message: str,
    generation: int | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """A new list with condition ``type`` set; ``lastTransitionTime`` kept when ``status`` is unchanged.

    Stamps ``observedGeneration`` (when given). Other conditions are kept as they are, in their order;
    a new type is appended.
    """
    if status not in ("True", "False", "Unknown"):
        raise ValueError(f"condition status must be True, False or Unknown (got {status!r})")
    old = get_condition(conditions, type)
    changed = old is None or old.get("status") != status
    new: dict[str, Any] = {
        "type": type,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": timestamp(now),
    }
    if not changed and old is not None and old.get("lastTransitionTime"):
        new["lastTransitionTime"] = old["lastTransitionTime"]
    if generation is not None:
        new["observedGeneration"] = generation
    out: list[dict[str, Any]] = []
    placed = False
    for cond in conditions or []:
        if isinstance(cond, dict) and cond.get("type") == type:
            if not placed:
                out.append(new)
                placed = True
            continue
        out.append(dict(cond))
    if not placed:
        out.append(new)
    return out


def _bool(value: bool) -> str:
    return "True" if value else "False"


def _dig(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


# ---- VoiceModel ------------------------------------------------------------------------------------------
def _app_state(
    rayservice: dict[str, Any], which: str = "activeServiceStatus"
) -> tuple[str, str, dict[str, str]]:
    """(application status, its message, {deployment: status}) of the voxray app on the active cluster
    (or the pending one, during an upgrade)."""
    app = _dig(rayservice, "status", which, "applicationStatuses", APP_NAME)
    if not isinstance(app, dict):
        return "", "", {}
    deployments = {
        str(name): str(dep.get("status", ""))
        for name, dep in (app.get("serveDeploymentStatuses") or {}).items()
        if isinstance(dep, dict)
    }
    return str(app.get("status") or ""), str(app.get("message") or ""), deployments


def _model_deployment(rayservice: dict[str, Any]) -> str | None:
    """Name of the model deployment in the RayService's serveConfigV2 (the one that is not the ingress)."""
    text = _dig(rayservice, "spec", "serveConfigV2")
    try:
        config = load_yaml(text) if isinstance(text, str) else None
    except yaml.YAMLError:
        return None
    apps = config.get("applications") if isinstance(config, dict) else None
    for app in apps if isinstance(apps, list) else []:
        deployments = app.get("deployments") if isinstance(app, dict) else None
        for dep in deployments if isinstance(deployments, list) else []:
            if isinstance(dep, dict) and dep.get("name") != INGRESS_DEPLOYMENT:
                return str(dep.get("name"))
    return None


def voicemodel_status_from_rayservice(
    rayservice: dict[str, Any] | None,
    *,
    generation: int | None,
    spec: ServedSpec,
    previous: Status | None,
    now: datetime,
) -> Status:
    """The VoiceModel status for its RayService as it is now (None: not created yet); a TextModel's is
    the same with its own fields added (:mod:`voxray_operator.status_text`).

    Phase: Pending (no RayService yet), Deploying (cluster or app coming up, or KubeRay has not seen our
    latest spec), Ready (Ready condition True and the app RUNNING), Degraded (serving but unhealthy, or
    it was Ready and lost its endpoints), Failed (DEPLOY_FAILED, or KubeRay's InitializingTimeout).
    ``lastScaling`` and the ScalingActive condition belong to the scaler and are carried over.
    """
    prev = previous or {}
    conditions: list[dict[str, Any]] = [dict(c) for c in prev.get("conditions") or [] if isinstance(c, dict)]
    bounds = {"min": spec.replicas.min, "max": spec.replicas.max}

    def cond(type_: str, status: str, reason: str, message: str) -> None:
        nonlocal conditions
        conditions = set_condition(conditions, type_, status, reason, message, generation, now)

    cond(VALIDATION_FAILED, "False", "SpecValid", "the spec is valid")
    if rayservice is None:
        phase, message = "Pending", "waiting for the RayService to be created"
        cond(READY, "False", "RayServicePending", message)
        cond(PROGRESSING, "True", "Creating", message)
        cond(DEGRADED, "False", "AsExpected", "")
        replicas = ReplicaStatus(desired=0, current=0, **bounds)
        status = VoiceModelStatus(
            observed_generation=generation,
            phase=phase,
            replicas=replicas,
            spec_hash=spec_hash(spec),
            message=message,
            last_scaling=_carry_scaling(prev),
            credentials=_carry_credentials(prev),
        )
        return _finish(status, conditions)

    meta = rayservice.get("metadata") or {}
    rs_name = str(meta.get("name") or "")
    rs_ns = str(meta.get("namespace") or "")
    rs_status = rayservice.get("status") or {}
    rs_conditions = rs_status.get("conditions") or []
    rs_ready = get_condition(rs_conditions, "Ready")
    upgrading = (get_condition(rs_conditions, "UpgradeInProgress") or {}).get("status") == "True"
    rs_generation = meta.get("generation")
    caught_up = rs_generation is None or rs_status.get("observedGeneration") == rs_generation
    app_status, app_message, deployments = _app_state(rayservice)
    model_dep = _model_deployment(rayservice)
    model_dep_status = deployments.get(model_dep or "", "")
    # KubeRay before 1.3 had no conditions, only serviceStatus "Running"
    ready = (rs_ready or {}).get("status") == "True" or (
        rs_ready is None and rs_status.get("serviceStatus") == "Running"
    )
    ready_reason = str((rs_ready or {}).get("reason") or "")
    unhealthy = app_status == "UNHEALTHY" or "UNHEALTHY" in deployments.values()
    was_ready = prev.get("phase") in ("Ready", "Degraded")

    if app_status == "DEPLOY_FAILED" or ready_reason == "InitializingTimeout":
        phase = "Failed"
        reason = "DeployFailed" if app_status == "DEPLOY_FAILED" else "InitializingTimeout"
        message = (
            app_message
            or str((rs_ready or {}).get("message") or "")
            or "the Serve application failed to deploy"
        )
    elif ready and app_status == "RUNNING" and not unhealthy:
        phase, reason, message = "Ready", "Serving", "the model is serving"
    elif unhealthy or (was_ready and not ready):
        phase, reason = "Degraded", "Unhealthy" if unhealthy else str(ready_reason or "NotReady")
        unhealthy_deps = sorted(d for d, s in deployments.items() if s == "UNHEALTHY")
        message = app_message or (
            "unhealthy deployments: " + ", ".join(unhealthy_deps)
            if unhealthy_deps
            else "the model lost its endpoints"
        )
    else:
        phase, reason = "Deploying", "Deploying"
        message = app_message or (
            f"Serve application {app_status}"
            if app_status
            else "waiting for the Ray cluster and Serve application"
        )

    cond(
        READY,
        _bool(ready and phase in ("Ready", "Degraded")),
        reason if phase != "Ready" else "Serving",
        message,
    )
    progressing = phase == "Deploying" or upgrading or not caught_up
    pending_status, pending_message, _ = _app_state(rayservice, "pendingServiceStatus")
    if upgrading and pending_status == "DEPLOY_FAILED":
        cond(
            PROGRESSING,
            "True",
            "UpgradeFailing",
            pending_message or "the new Ray cluster's app failed to deploy",
        )
    elif upgrading:
        cond(PROGRESSING, "True", "Upgrading", "KubeRay is rolling out a new Ray cluster")
    elif not caught_up:
        cond(PROGRESSING, "True", "Reconciling", "KubeRay has not yet handled the latest RayService spec")
    else:
        cond(
            PROGRESSING,
            _bool(progressing),
            "Deploying" if progressing else "Deployed",
            message if progressing else "",
        )
    cond(
        DEGRADED,
        _bool(phase in ("Degraded", "Failed")),
        reason if phase in ("Degraded", "Failed") else "AsExpected",
        message if phase in ("Degraded", "Failed") else "",
    )

    desired = model_replicas(rayservice)
    if desired is None:
        desired = int((prev.get("replicas") or {}).get("desired") or 0)
    if model_dep_status == "HEALTHY":  # Serve reports HEALTHY once every target replica runs
        current = desired
    elif model_dep_status:  # UPDATING / UNHEALTHY: as many as the ready worker pods can hold
        ready_pods = _dig(rs_status, "activeServiceStatus", "rayClusterStatus", "readyWorkerReplicas")
        current = min(desired, int(ready_pods or 0) * replicas_per_pod(spec))
    else:
        current = 0
    status = VoiceModelStatus(
        observed_generation=generation,
        phase=phase,
        replicas=ReplicaStatus(desired=desired, current=current, **bounds),
        endpoint=serve_endpoint(rs_name, rs_ns) if rs_name and rs_ns else None,
        ray_service_name=rs_name or None,
        last_scaling=_carry_scaling(prev),
        spec_hash=spec_hash(spec),
        message=message,
        credentials=_carry_credentials(prev),
    )
    return _finish(status, conditions)


def _carry_credentials(prev: Status) -> CredentialsStatus | None:
    raw = prev.get("credentials")
    return CredentialsStatus.model_validate(raw) if isinstance(raw, dict) else None


def credentials_status(
    previous: Status | None,
    plan: CredentialPlan,
    *,
    namespace: str,
    generation: int | None,
    now: datetime,
    problem: tuple[str, str] | None = None,
) -> Status:
    """The previous status with ``credentials`` and the CredentialsReady condition for ``plan``.

    ``problem``: (reason, message) when a Secret the pods mount is missing or lacks its key; the
    condition is then False and the summary message says so. Names Secrets and the command that prints
    a generated key; never a key.
    """
    out = dict(previous or {})
    keys = plan.api_keys
    command = read_key_command(keys.name, namespace) if keys is not None and keys.generated else None
    creds = CredentialsStatus(
        auth="Disabled" if plan.auth == "Disabled" else "Required",
        api_keys_secret=keys.name if keys is not None else None,
        api_keys_generated=keys.generated if keys is not None else None,
        audit_key_secret=plan.audit_key.name,
        oidc_issuer=plan.oidc_issuer,
        read_key_command=command,
    )
    out["credentials"] = creds.to_wire()
    if problem is not None:
        reason, message = problem
        out["message"] = message
    elif plan.auth == "Disabled":
        reason, message = "AuthDisabled", "authentication is disabled (spec.security.auth: Disabled)"
    else:
        ways = []
        if keys is not None and keys.generated:
            ways.append(f"API key in the generated Secret {keys.name} (read it: {command})")
        elif keys is not None:
            ways.append(f"API keys from Secret {keys.name} (key {keys.key})")
        if plan.oidc_issuer:
            ways.append(f"JWT bearer tokens from {plan.oidc_issuer}")
        reason = "GeneratedApiKey" if keys is not None and keys.generated else "CredentialsConfigured"
        message = "callers authenticate with " + " or ".join(ways)
    out["conditions"] = set_condition(
        out.get("conditions"), CREDENTIALS_READY, _bool(problem is None), reason, message, generation, now
    )
    return out


def _carry_scaling(prev: Status) -> ScalingRecord | None:
    raw = prev.get("lastScaling")
    return ScalingRecord.model_validate(raw) if isinstance(raw, dict) else None


def _finish(status: VoiceModelStatus | SpeechBatchStatus, conditions: list[dict[str, Any]]) -> Status:
    out = status.to_wire()
    out["conditions"] = conditions
    return out


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
    out["conditions"] = set_condition(
        out.get("conditions"), SCALING_ACTIVE, _bool(active), reason, message, generation, now
    )
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


# ---- SpeechBatch ------------------------------------------------------------------------------------------
def _counts(progress: Progress | None, prev: Status) -> BatchCounts | None:
    if progress is not None:
        return BatchCounts(
            total=progress.total, done=progress.done, failed=progress.failed, skipped=progress.skipped
        )
    raw = prev.get("counts")
    return BatchCounts.model_validate(raw) if isinstance(raw, dict) else None


def _progress_message(counts: BatchCounts | None) -> str:
    if counts is None or counts.total == 0:
        return ""
    text = f"{counts.done}/{counts.total} files done"
    if counts.failed:
        text += f", {counts.failed} failed"
    if counts.skipped:
        text += f", {counts.skipped} already present"
    return text


def speechbatch_status_from_rayjob(
    rayjob: dict[str, Any] | None,
    *,
    generation: int | None,
    progress: Progress | None,
    previous: Status | None,
    now: datetime,
    spec: SpeechBatchSpec | None = None,
) -> Status:
    """The SpeechBatch status for its RayJob (None: not created yet, or deleted after retention).

    A finished batch stays finished: once Succeeded/Failed for this generation, a missing or reset
    RayJob does not take it back to Pending. ``progress``: the last line the driver logged, if any.
    """
    prev = previous or {}
    prev_phase = prev.get("phase")
    same_generation = prev.get("observedGeneration") == generation
    if (
        prev_phase in ("Succeeded", "Failed")
        and same_generation
        and (rayjob is None or not _terminal(rayjob))
    ):
        return dict(prev)

    conditions: list[dict[str, Any]] = [dict(c) for c in prev.get("conditions") or [] if isinstance(c, dict)]

    def cond(type_: str, status: str, reason: str, message: str) -> None:
        nonlocal conditions
        conditions = set_condition(conditions, type_, status, reason, message, generation, now)

    counts = _counts(progress, prev)
    rj_status = (rayjob or {}).get("status") or {}
    deployment = str(rj_status.get("jobDeploymentStatus") or "")
    job = str(rj_status.get("jobStatus") or "")
    rj_reason = str(rj_status.get("reason") or "")
    rj_message = str(rj_status.get("message") or "")

    if rayjob is None:
        phase, reason, message = "Pending", "RayJobPending", "waiting for the RayJob to be created"
    elif deployment == "Complete" and job == "SUCCEEDED":
        phase, reason = "Succeeded", "Succeeded"
        message = _progress_message(counts) or "the batch finished"
    elif deployment == "Complete" and job == "STOPPED":
        phase, reason, message = "Failed", "Stopped", rj_message or "the Ray job was stopped"
    elif deployment in ("Failed", "ValidationFailed") or (deployment == "Complete" and job == "FAILED"):
        phase = "Failed"
        reason = rj_reason or ("KubeRayValidationFailed" if deployment == "ValidationFailed" else "JobFailed")
        message = rj_message or "the Ray job failed"
    elif deployment == "Running" and job == "RUNNING":
        phase, reason = "Running", "Running"
        message = _progress_message(counts) or "the batch is running"
    elif deployment in ("Suspended", "Suspending"):
        phase, reason, message = "Pending", "Suspended", "the RayJob is suspended"
    elif deployment == "Retrying":
        phase, reason, message = "Pending", "Retrying", rj_message or "the Ray job failed and is retried"
    else:
        phase, reason = "Pending", "Starting"
        message = "waiting for the Ray cluster and the job submission" + (
            f" ({deployment})" if deployment else ""
        )

    cond(VALIDATION_FAILED, "False", "SpecValid", "the spec is valid")
    cond(RUNNING, _bool(phase == "Running"), reason, message if phase == "Running" else "")
    cond(
        COMPLETE,
        _bool(phase == "Succeeded"),
        reason if phase == "Succeeded" else "NotFinished",
        message if phase == "Succeeded" else "",
    )
    cond(
        FAILED,
        _bool(phase == "Failed"),
        reason if phase == "Failed" else "NoFailure",
        message if phase == "Failed" else "",
    )

    start = rj_status.get("startTime") or prev.get("startTime")
    if start is None and phase in ("Running", "Succeeded", "Failed") and rayjob is not None:
        start = timestamp(now)
    finish: str | None = None
    if phase in ("Succeeded", "Failed"):
        finish = rj_status.get("endTime") or prev.get("finishTime") or timestamp(now)
    output = _output(spec, prev)
    status = SpeechBatchStatus(
        observed_generation=generation,
        phase=phase,
        counts=counts,
        audio_seconds=progress.audio_seconds if progress is not None else prev.get("audioSeconds"),
        ray_job_name=_dig(rayjob, "metadata", "name") or prev.get("rayJobName"),
        ray_job_id=rj_status.get("jobId") or prev.get("rayJobId"),
        output=output,
        start_time=start,
        finish_time=finish,
        message=message,
    )
    return _finish(status, conditions)


def batch_credentials_status(
    previous: Status | None,
    audit: BatchAuditKey,
    *,
    generation: int | None,
    now: datetime,
    problem: tuple[str, str] | None = None,
) -> Status:
    """The previous SpeechBatch status with the CredentialsReady condition for its audit key.

    ``problem``: (reason, message) when the Secret is missing or lacks its key (SecretNotFound /
    SecretKeyNotFound); the condition is then False and the status message says so. True otherwise:
    ``AuditKeyMounted`` (a dedicated cluster mounts it), ``VoiceModelAuditKey`` (the VoiceModel's cluster
    has it), ``RandomAuditKey`` (none to share). Names Secrets, never a key.
    """
    out = dict(previous or {})
    if problem is not None:
        reason, message = problem
        if audit.secret is not None and audit.secret.generated:
            message += f" ({audit.source} creates it when the operator reconciles it)"
        out["message"] = message
    elif audit.secret is None:
        reason, message = "RandomAuditKey", audit.describe()
    else:
        reason = "AuditKeyMounted" if audit.mount else "VoiceModelAuditKey"
        message = audit.describe()
    out["conditions"] = set_condition(
        out.get("conditions"), CREDENTIALS_READY, _bool(problem is None), reason, message, generation, now
    )
    return out


def _terminal(rayjob: dict[str, Any]) -> bool:
    return _dig(rayjob, "status", "jobDeploymentStatus") in ("Complete", "Failed", "ValidationFailed")


def _output(spec: SpeechBatchSpec | None, prev: Status) -> BatchOutputStatus | None:
    if spec is not None:
        return BatchOutputStatus(
            volume_claim=spec.output.volume_claim, path=spec.output.path, manifest=spec.output.manifest
        )
    raw = prev.get("output")
    return BatchOutputStatus.model_validate(raw) if isinstance(raw, dict) else None


# ---- both ------------------------------------------------------------------------------------------------
def validation_failed_status(
    kind: Literal["VoiceModel", "SpeechBatch", "TextModel"],
    *,
    message: str,
    generation: int | None,
    previous: Status | None,
    now: datetime,
) -> Status:
    """The status of an object whose spec the operator cannot apply.

    ``message`` is the whole text, field first, as ``str(BuildError)`` has it: the same words as
    ``voxray render``. VoiceModel and TextModel: phase Failed, ValidationFailed True; a RayService built
    from an earlier spec keeps serving, so Ready is left as it was. SpeechBatch: phase ValidationFailed.
    """
    prev = dict(previous or {})
    conditions = set_condition(
        prev.get("conditions"), VALIDATION_FAILED, "True", "InvalidSpec", message, generation, now
    )
    if kind != "SpeechBatch":
        if get_condition(conditions, READY) is None:
            conditions = set_condition(conditions, READY, "False", "InvalidSpec", message, generation, now)
        conditions = set_condition(conditions, PROGRESSING, "False", "InvalidSpec", message, generation, now)
        model = TextModelStatus if kind == "TextModel" else VoiceModelStatus
        vm = model.model_validate({**prev, "conditions": [], "phase": "Failed"})
        vm.observed_generation = generation
        vm.message = message
        return _finish(vm, conditions)
    conditions = set_condition(conditions, RUNNING, "False", "InvalidSpec", message, generation, now)
    sb = SpeechBatchStatus.model_validate({**prev, "conditions": [], "phase": "ValidationFailed"})
    sb.observed_generation = generation
    sb.message = message
    return _finish(sb, conditions)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in TIMESTAMP_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def status_changed(old: Status | None, new: Status | None) -> bool:
    """Whether writing ``new`` over ``old`` changes anything but timestamps (transitions, scaling time)."""
    return bool(_strip(old or {}) != _strip(new or {}))


def transition_events(old: Status | None, new: Status | None) -> list[Event]:
    """Kubernetes Events for what changed: phase transitions, scaling, validation failures."""
    before = old or {}
    after = new or {}
    events: list[Event] = []
    phase = after.get("phase")
    if phase and phase != before.get("phase"):
        kind = "Warning" if phase in _WARNING_PHASES else "Normal"
        message = str(after.get("message") or f"phase {phase}")
        events.append((kind, str(phase), message))
    scaling = after.get("lastScaling")
    if isinstance(scaling, dict) and scaling != before.get("lastScaling"):
        util = scaling.get("utilization")
        at = f" at utilisation {util:.2f}" if isinstance(util, int | float) else ""
        reason = f": {scaling['reason']}" if scaling.get("reason") else ""
        events.append(
            ("Normal", "Scaled", f"replicas {scaling.get('from')} -> {scaling.get('to')}{at}{reason}")
        )
    old_creds = get_condition(before.get("conditions"), CREDENTIALS_READY)
    new_creds = get_condition(after.get("conditions"), CREDENTIALS_READY)
    if (
        new_creds
        and new_creds.get("status") == "False"
        and (
            (old_creds or {}).get("status") != "False"
            or (old_creds or {}).get("reason") != new_creds.get("reason")
        )
    ):
        events.append(
            ("Warning", str(new_creds.get("reason") or "CredentialsNotReady"), str(new_creds.get("message")))
        )
    if (
        new_creds
        and new_creds.get("reason") == "AuthDisabled"
        and (old_creds or {}).get("reason") != "AuthDisabled"
    ):
        events.append(("Warning", "AuthDisabled", str(new_creds.get("message"))))
    old_scaling = get_condition(before.get("conditions"), SCALING_ACTIVE)
    new_scaling = get_condition(after.get("conditions"), SCALING_ACTIVE)
    if new_scaling and new_scaling.get("status") == "False" and (old_scaling or {}).get("status") != "False":
        events.append(
            (
                "Warning",
                str(new_scaling.get("reason") or "ScalingInactive"),
                str(new_scaling.get("message") or ""),
            )
        )
    return events
