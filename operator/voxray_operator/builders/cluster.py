"""PURE: the Ray clusters voxray makes: pod templates, containers, head and worker groups, autoscaler.

One assembly (:func:`ray_cluster_spec` of a :class:`ClusterPlan`) for a served model's RayService
(VoiceModel, TextModel: :func:`assemble_rayservice`) and a SpeechBatch's dedicated RayJob cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from voxray_operator.builders.common import (
    SPEC_HASH_ANNOTATION,
    container_security_context,
    dns1035_name,
    metadata,
    pod_security_context,
    unaliased,
)
from voxray_operator.config import BuildSettings
from voxray_runtime.spec.kuberay import UpgradeSpec

SERVE_PORT = 8000
DASHBOARD_PORT = 8265
METRICS_PORT = 8080
#: KubeRay limits RayService names so that the RayCluster and ``-serve-svc`` names still fit 63 characters
MAX_RAYSERVICE_NAME = 47


def rayservice_name(model: str) -> str:
    """The RayService of VoiceModel / TextModel ``model``: the same name when it is a short DNS-1035 label."""
    return dns1035_name(model, MAX_RAYSERVICE_NAME)


def _ports(head: bool) -> list[dict[str, Any]]:
    ports = []
    if head:
        ports += [
            {"name": "gcs-server", "containerPort": 6379},
            {"name": "dashboard", "containerPort": DASHBOARD_PORT},
            {"name": "client", "containerPort": 10001},
        ]
    ports += [
        {"name": "serve", "containerPort": SERVE_PORT},
        {"name": "metrics", "containerPort": METRICS_PORT},
    ]
    return ports


def pod_template(
    *,
    labels: dict[str, str],
    container: dict[str, Any],
    volumes: list[dict[str, Any]],
    settings: BuildSettings,
    node_selector: dict[str, str] | None = None,
    tolerations: list[dict[str, Any]] | None = None,
    service_account_token: bool = False,
) -> dict[str, Any]:
    """A pod template. ``service_account_token``: mount the API token (only Ray's autoscaler needs it)."""
    spec: dict[str, Any] = {
        "securityContext": pod_security_context(),
        "automountServiceAccountToken": service_account_token,
        "containers": [container],
        "volumes": volumes,
    }
    if settings.service_account_name:
        spec["serviceAccountName"] = settings.service_account_name
    if node_selector:
        spec["nodeSelector"] = dict(node_selector)
    if tolerations:
        spec["tolerations"] = [dict(t) for t in tolerations]
    return {"metadata": {"labels": dict(labels)}, "spec": spec}


def ray_container(
    name: str,
    image: str,
    settings: BuildSettings,
    *,
    resources: dict[str, Any],
    env: list[dict[str, Any]],
    mounts: list[dict[str, Any]],
    head: bool,
) -> dict[str, Any]:
    """A Ray container. Probes are left to KubeRay, which injects the ones Ray needs."""
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": settings.image_pull_policy,
        "ports": _ports(head),
        "env": env,
        "resources": resources,
        "volumeMounts": mounts,
        "securityContext": container_security_context(),
    }


def head_resources(settings: BuildSettings) -> dict[str, Any]:
    amounts = {"cpu": settings.head_cpu, "memory": settings.head_memory}
    return {"requests": dict(amounts), "limits": dict(amounts)}


def autoscaler_options() -> dict[str, Any]:
    return {
        "upscalingMode": "Default",
        "idleTimeoutSeconds": 60,
        "resources": {
            "requests": {"cpu": "200m", "memory": "256Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        },
        "securityContext": container_security_context(),
    }


@dataclass(frozen=True)
class ClusterPlan:
    """What differs between the Ray clusters voxray makes: a served model's (VoiceModel, TextModel) and a
    SpeechBatch's dedicated one. A head and at most one worker group."""

    labels: dict[str, str]
    image: str
    env: list[dict[str, Any]]
    #: volumes and worker mounts; the head gets the same minus ``worker_only``
    volumes: list[dict[str, Any]]
    mounts: list[dict[str, Any]]
    worker_resources: dict[str, Any]
    node_selector: dict[str, str] | None
    tolerations: list[dict[str, Any]] | None
    group_name: str
    #: worker pods now, at least and at most; none at all: the head does the work (no worker group)
    pods: int
    min_pods: int
    max_pods: int
    autoscaler: bool
    #: volumes only the workers mount (a served model's head runs no replicas: its weights PVC, /dev/shm)
    worker_only: frozenset[str] = frozenset()
    #: the head's own environment and Secret volumes and mounts (where a batch's driver runs)
    head_env: list[dict[str, Any]] = field(default_factory=list)
    head_volumes: list[dict[str, Any]] = field(default_factory=list)
    head_mounts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def head_only(self) -> bool:
        """No worker pods: the head runs the work, with the workers' resources and scheduling."""
        return self.max_pods == 0


def _head_group(plan: ClusterPlan, settings: BuildSettings) -> dict[str, Any]:
    params = {"dashboard-host": "0.0.0.0"}
    if not plan.head_only:
        params["num-cpus"] = "0"  # work lands on the workers
    volumes = [v for v in plan.volumes if v["name"] not in plan.worker_only] + plan.head_volumes
    mounts = [m for m in plan.mounts if m["name"] not in plan.worker_only] + plan.head_mounts
    return {
        "rayStartParams": params,
        "template": pod_template(
            labels=plan.labels,
            container=ray_container(
                "ray-head",
                plan.image,
                settings,
                resources=plan.worker_resources if plan.head_only else head_resources(settings),
                env=plan.env + plan.head_env,
                mounts=mounts,
                head=True,
            ),
            volumes=volumes,
            settings=settings,
            node_selector=plan.node_selector if plan.head_only else None,
            tolerations=plan.tolerations if plan.head_only else None,
            # KubeRay's autoscaler runs as a sidecar of the head and calls the API server
            service_account_token=plan.autoscaler,
        ),
    }


def _worker_group(plan: ClusterPlan, settings: BuildSettings) -> dict[str, Any]:
    return {
        "groupName": plan.group_name,
        "replicas": plan.pods,
        "minReplicas": plan.min_pods,
        "maxReplicas": plan.max_pods,
        "rayStartParams": {},
        "template": pod_template(
            labels=plan.labels,
            container=ray_container(
                "ray-worker",
                plan.image,
                settings,
                resources=plan.worker_resources,
                env=plan.env,
                mounts=plan.mounts,
                head=False,
            ),
            volumes=plan.volumes,
            settings=settings,
            node_selector=plan.node_selector,
            tolerations=plan.tolerations,
        ),
    }


def ray_cluster_spec(plan: ClusterPlan, settings: BuildSettings) -> dict[str, Any]:
    """A RayCluster spec (a RayService's ``rayClusterConfig``, a RayJob's ``rayClusterSpec``)."""
    cluster: dict[str, Any] = {"rayVersion": settings.ray_version, "enableInTreeAutoscaling": plan.autoscaler}
    if plan.autoscaler:
        cluster["autoscalerOptions"] = autoscaler_options()
    cluster["headGroupSpec"] = _head_group(plan, settings)
    if not plan.head_only:
        cluster["workerGroupSpecs"] = [_worker_group(plan, settings)]
    return cluster


def assemble_rayservice(
    name: str,
    namespace: str,
    plan: ClusterPlan,
    settings: BuildSettings,
    *,
    serve_config: dict[str, Any],
    hash_of_spec: str,
    owner: dict[str, Any] | None,
    upgrade: UpgradeSpec | None = None,
) -> dict[str, Any]:
    """The RayService: a head running no replicas (num-cpus 0), one worker group, serveConfigV2, and
    KubeRay's ``upgradeStrategy`` when the model's spec names one (:func:`upgrade_strategy`)."""
    rayservice: dict[str, Any] = {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": metadata(
            rayservice_name(name),
            namespace,
            plan.labels,
            annotations={SPEC_HASH_ANNOTATION: hash_of_spec},
            owner=owner,
        ),
        "spec": {
            "serveConfigV2": yaml.safe_dump(serve_config, sort_keys=False, width=1_000_000),
            "rayClusterConfig": ray_cluster_spec(plan, settings),
        },
    }
    if upgrade is not None:
        rayservice["spec"]["upgradeStrategy"] = upgrade_strategy(upgrade)
    return unaliased(rayservice)  # no shared sub-objects: callers may mutate, YAML gets no aliases


def upgrade_strategy(upgrade: UpgradeSpec) -> dict[str, Any]:
    """KubeRay's RayService ``upgradeStrategy`` of ``spec.upgrade``: ``type``, and for
    NewClusterWithIncrementalUpgrade its ``clusterUpgradeOptions`` (all four written out, so that KubeRay's
    defaulting never differs from what voxray validated)."""
    out: dict[str, Any] = {"type": upgrade.strategy}
    inc = upgrade.incremental
    if inc is not None:
        out["clusterUpgradeOptions"] = {
            "gatewayClassName": inc.gateway_class_name,
            "stepSizePercent": inc.step_size_percent,
            "intervalSeconds": inc.interval_seconds,
            "maxSurgePercent": inc.max_surge_percent,
        }
    return out
