"""The Ray cluster of a served model's RayService: pod templates, containers, head, autoscaler, assembly.

Shared by the VoiceModel and TextModel builders (and the SpeechBatch's dedicated cluster); PURE.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    """What differs between the RayServices of the served kinds (VoiceModel, TextModel)."""

    labels: dict[str, str]
    image: str
    env: list[dict[str, Any]]
    #: volumes and worker mounts; the head gets the same minus ``worker_only`` (it runs no replicas)
    volumes: list[dict[str, Any]]
    mounts: list[dict[str, Any]]
    worker_resources: dict[str, Any]
    node_selector: dict[str, str] | None
    tolerations: list[dict[str, Any]] | None
    group_name: str
    #: worker pods now, at least and at most
    pods: int
    min_pods: int
    max_pods: int
    autoscaler: bool
    #: volumes only the workers mount: the weights PVC, vLLM's /dev/shm
    worker_only: frozenset[str] = frozenset({"models"})


def assemble_rayservice(
    name: str,
    namespace: str,
    plan: ClusterPlan,
    settings: BuildSettings,
    *,
    serve_config: dict[str, Any],
    hash_of_spec: str,
    owner: dict[str, Any] | None,
) -> dict[str, Any]:
    """The RayService: a head running no replicas (num-cpus 0), one worker group, serveConfigV2."""
    head_volumes = [v for v in plan.volumes if v["name"] not in plan.worker_only]
    head_mounts = [m for m in plan.mounts if m["name"] not in plan.worker_only]
    head = {
        "rayStartParams": {"dashboard-host": "0.0.0.0", "num-cpus": "0"},
        "template": pod_template(
            labels=plan.labels,
            container=ray_container(
                "ray-head",
                plan.image,
                settings,
                resources=head_resources(settings),
                env=plan.env,
                mounts=head_mounts,
                head=True,
            ),
            volumes=head_volumes,
            settings=settings,
            # KubeRay's autoscaler runs as a sidecar of the head and calls the API server
            service_account_token=plan.autoscaler,
        ),
    }
    worker = {
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
    cluster: dict[str, Any] = {"rayVersion": settings.ray_version, "enableInTreeAutoscaling": plan.autoscaler}
    if plan.autoscaler:
        cluster["autoscalerOptions"] = autoscaler_options()
    cluster["headGroupSpec"] = head
    cluster["workerGroupSpecs"] = [worker]
    rayservice = {
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
            "rayClusterConfig": cluster,
        },
    }
    return unaliased(rayservice)  # no shared sub-objects: callers may mutate, YAML gets no aliases
