"""PURE: the parts of KubeRay's status that voxray reads (ray.io/v1, checked against its CRD schemas).

- RayService: ``status.conditions`` (``Ready`` with reasons Initializing, InitializingTimeout,
  ZeroServeEndpoints, NonZeroServeEndpoints; ``UpgradeInProgress``; ``RollbackInProgress``, v1.7),
  ``status.observedGeneration``,
  ``status.serviceStatus`` (``Running``; only where an older KubeRay sets no conditions),
  ``status.activeServiceStatus.applicationStatuses[app].status`` (NOT_STARTED, DEPLOYING, RUNNING,
  DEPLOY_FAILED, UNHEALTHY, DELETING) with ``message`` and ``serveDeploymentStatuses[dep].status``
  (UPDATING, HEALTHY, UNHEALTHY), ``activeServiceStatus.rayClusterStatus.readyWorkerReplicas``; during an
  upgrade ``pendingServiceStatus.rayClusterName``, and with NewClusterWithIncrementalUpgrade (v1.7) the
  ``trafficRoutedPercent`` and ``targetCapacity`` of the active and pending clusters.
- RayJob: ``status.jobDeploymentStatus`` (New, Initializing, Running, Complete, Failed, Suspending,
  Suspended, Retrying, Waiting, Scheduling, Scheduled, ValidationFailed), ``status.jobStatus`` (PENDING,
  RUNNING, STOPPED, SUCCEEDED, FAILED), ``reason``, ``message``, ``jobId``, ``startTime``, ``endTime``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from voxray_runtime.serve.args import APP_NAME, INGRESS_DEPLOYMENT


class RayServiceCondition(StrEnum):
    READY = "Ready"
    UPGRADE_IN_PROGRESS = "UpgradeInProgress"
    ROLLBACK_IN_PROGRESS = "RollbackInProgress"


class RayServiceReason(StrEnum):
    INITIALIZING_TIMEOUT = "InitializingTimeout"


#: an older KubeRay (before 1.3) sets no conditions, only ``serviceStatus: Running``
LEGACY_SERVICE_RUNNING = "Running"


class ServeStatus(StrEnum):
    """A Serve application's or deployment's status as KubeRay copies it from Ray Serve."""

    RUNNING = "RUNNING"
    DEPLOY_FAILED = "DEPLOY_FAILED"
    UNHEALTHY = "UNHEALTHY"
    HEALTHY = "HEALTHY"


class JobDeploymentStatus(StrEnum):
    RUNNING = "Running"
    COMPLETE = "Complete"
    FAILED = "Failed"
    VALIDATION_FAILED = "ValidationFailed"
    SUSPENDING = "Suspending"
    SUSPENDED = "Suspended"
    RETRYING = "Retrying"


#: the RayJob states after which KubeRay does nothing more with the job
TERMINAL_JOB_DEPLOYMENTS = frozenset(
    {JobDeploymentStatus.COMPLETE, JobDeploymentStatus.FAILED, JobDeploymentStatus.VALIDATION_FAILED}
)
#: RayJob states in which the Ray dashboard has driver logs worth reading
LOG_JOB_DEPLOYMENTS = frozenset(
    {JobDeploymentStatus.RUNNING, JobDeploymentStatus.COMPLETE, JobDeploymentStatus.FAILED}
)


class JobStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    STOPPED = "STOPPED"
    FAILED = "FAILED"


def dig(obj: Any, *keys: str) -> Any:
    """``obj[k1][k2]...``, or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def app_state(
    rayservice: dict[str, Any], which: str = "activeServiceStatus"
) -> tuple[str, str, dict[str, str]]:
    """(application status, its message, {deployment: status}) of the voxray app on the active cluster
    (or the pending one, during an upgrade)."""
    app = dig(rayservice, "status", which, "applicationStatuses", APP_NAME)
    if not isinstance(app, dict):
        return "", "", {}
    deployments = {
        str(name): str(dep.get("status", ""))
        for name, dep in (app.get("serveDeploymentStatuses") or {}).items()
        if isinstance(dep, dict)
    }
    return str(app.get("status") or ""), str(app.get("message") or ""), deployments


def model_deployment_status(deployments: dict[str, str]) -> str:
    """The status of the model deployment (the one that is not the ingress), "" while Serve reports none."""
    return next((s for name, s in deployments.items() if name != INGRESS_DEPLOYMENT), "")


def active_cluster_name(rayservice: dict[str, Any] | None) -> str | None:
    """The RayCluster that serves now (KubeRay's ``activeServiceStatus.rayClusterName``), if reported."""
    name = dig(rayservice, "status", "activeServiceStatus", "rayClusterName")
    return name if isinstance(name, str) and name else None
