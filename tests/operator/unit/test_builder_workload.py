"""The workload pieces every kind's Ray pods are made of: GPUs, replica maths, resources, volumes, cluster plans."""

from __future__ import annotations

from typing import Any

import pytest

from tests.operator.unit.support import SETTINGS
from voxray_operator.builders.cluster import ClusterPlan, ray_cluster_spec
from voxray_operator.builders.workload import (
    GPU_PRODUCT_LABEL,
    GPU_RESOURCE,
    autoscaler_enabled,
    gpu_scheduling,
    gpus_per_pod,
    initial_replicas,
    join_volumes,
    pod_resources,
    pod_volumes,
    pods_for,
    quantity_bytes,
    replicas_per_pod,
    served_cluster_plan,
    shared_worker_resources,
    uses_gpu,
    weights_claim,
    worker_group_name,
    worker_resources,
)
from voxray_operator.config import BuildSettings
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec


def vm(**fields: Any) -> VoiceModelSpec:
    return VoiceModelSpec.model_validate({"engine": "espeak", **fields})


@pytest.mark.parametrize(
    ("resources", "gpu", "group", "per_pod_gpus", "per_pod_replicas"),
    [
        ({}, False, "cpu-workers", 0, 1),
        ({"gpu": 1}, True, "gpu-workers", 1, 1),
        ({"gpu": 2}, True, "gpu-workers", 2, 1),
        ({"gpuFraction": 0.5}, True, "gpu-workers", 1, 2),
        ({"gpuFraction": 0.3}, True, "gpu-workers", 1, 3),
        ({"gpuFraction": 1.0}, True, "gpu-workers", 1, 1),
        ({"gpuFraction": 0.25, "gpu": 2}, True, "gpu-workers", 1, 4),  # the fraction wins
    ],
)
def test_gpus_and_replicas_per_pod(
    resources: dict[str, Any], gpu: bool, group: str, per_pod_gpus: int, per_pod_replicas: int
) -> None:
    spec = vm(resources=resources)
    assert uses_gpu(spec) is gpu
    assert worker_group_name(spec) == group
    assert gpus_per_pod(spec) == per_pod_gpus
    assert replicas_per_pod(spec) == per_pod_replicas


@pytest.mark.parametrize(
    ("fraction", "replicas", "pods"),
    [(None, 0, 0), (None, 3, 3), (0.5, 1, 1), (0.5, 2, 1), (0.5, 3, 2), (0.3, 7, 3), (0.3, 9, 3)],
)
def test_pods_for_replicas(fraction: float | None, replicas: int, pods: int) -> None:
    resources = {"gpuFraction": fraction} if fraction is not None else {}
    assert pods_for(replicas, vm(resources=resources)) == pods


@pytest.mark.parametrize(
    ("replicas", "wanted", "expected"),
    [
        ({"min": 1, "max": 4}, None, 1),
        ({"min": 1, "max": 4, "initial": 3}, None, 3),
        ({"min": 0, "max": 4}, None, 0),
        ({"min": 1, "max": 4}, 9, 4),
        ({"min": 2, "max": 4}, 0, 2),
        ({"min": 1, "max": 4, "initial": 3}, 2, 2),
    ],
)
def test_initial_replicas_clamps_to_the_bounds(
    replicas: dict[str, int], wanted: int | None, expected: int
) -> None:
    assert initial_replicas(vm(replicas=replicas), wanted) == expected


@pytest.mark.parametrize(
    ("fields", "enabled"),
    [
        ({}, False),
        ({"replicas": {"min": 1, "max": 2}}, True),
        ({"autoscaling": {"enabled": True}}, True),
    ],
)
def test_ray_autoscaler_only_when_the_count_can_change(fields: dict[str, Any], enabled: bool) -> None:
    assert autoscaler_enabled(vm(**fields)) is enabled


GPU_SETTINGS = BuildSettings(gpu_node_selector={"pool": "gpu"})


@pytest.mark.parametrize(
    ("specs", "settings", "selector", "tolerated"),
    [
        ([vm()], SETTINGS, None, False),
        ([vm(resources={"gpu": 1})], SETTINGS, None, True),
        ([vm(resources={"gpu": 1})], GPU_SETTINGS, {"pool": "gpu"}, True),
        ([vm(resources={"gpu": 1, "accelerator": "L4"})], SETTINGS, {GPU_PRODUCT_LABEL: "L4"}, True),
        (
            [
                vm(resources={"gpu": 1, "accelerator": "L4"}),
                vm(resources={"gpuFraction": 0.5, "accelerator": "L4"}),
            ],
            GPU_SETTINGS,
            {"pool": "gpu", GPU_PRODUCT_LABEL: "L4"},
            True,
        ),
        # GPU models that disagree on the accelerator: no product label, any GPU node
        (
            [vm(resources={"gpu": 1, "accelerator": "L4"}), vm(resources={"gpu": 1, "accelerator": "A10"})],
            SETTINGS,
            None,
            True,
        ),
        # a CPU model's accelerator is no GPU request
        ([vm(resources={"accelerator": "L4"}), vm(resources={"gpu": 1})], SETTINGS, None, True),
        ([vm(resources={"gpu": 1})], BuildSettings(gpu_tolerations=[]), None, False),
    ],
)
def test_gpu_scheduling(
    specs: list[VoiceModelSpec], settings: BuildSettings, selector: dict[str, str] | None, tolerated: bool
) -> None:
    node_selector, tolerations = gpu_scheduling(specs, settings)
    assert node_selector == selector
    assert (tolerations == list(settings.gpu_tolerations)) if tolerated else tolerations is None


@pytest.mark.parametrize(
    ("cpus", "memory", "gpus", "requests"),
    [
        (0, "1Gi", None, {"cpu": "1", "memory": "1Gi"}),
        (3, "4Gi", None, {"cpu": "3", "memory": "4Gi"}),
        (2, "6Gi", 1, {"cpu": "2", "memory": "6Gi", GPU_RESOURCE: "1"}),
    ],
)
def test_pod_resources_request_what_they_limit(
    cpus: int, memory: str, gpus: int | None, requests: dict[str, str]
) -> None:
    assert pod_resources(cpus, memory, gpus) == {"requests": requests, "limits": requests}


@pytest.mark.parametrize(
    ("resources", "ingress_cpus", "requests"),
    [
        ({}, 0.1, {"cpu": "2", "memory": "4Gi"}),  # one replica's CPU and room for an ingress replica
        ({"cpu": 2}, 0.0, {"cpu": "2", "memory": "4Gi"}),
        ({"cpu": 0.5}, 0.1, {"cpu": "1", "memory": "4Gi"}),
        (
            {"gpuFraction": 0.5, "cpu": 2, "memory": "6Gi"},
            0.1,
            {"cpu": "5", "memory": "6Gi", GPU_RESOURCE: "1"},
        ),
        ({"gpu": 2, "cpu": 1}, 1.0, {"cpu": "2", "memory": "4Gi", GPU_RESOURCE: "2"}),
    ],
)
def test_worker_resources_of_a_served_model(
    resources: dict[str, Any], ingress_cpus: float, requests: dict[str, str]
) -> None:
    settings = BuildSettings(ingress_num_cpus=ingress_cpus)
    assert worker_resources(vm(resources=resources), settings)["requests"] == requests


@pytest.mark.parametrize(
    ("models", "requests"),
    [
        ([], {"cpu": "1", "memory": "4Gi"}),
        ([vm(resources={"cpu": 1.5, "memory": "512M"})], {"cpu": "2", "memory": "512M"}),
        (
            [vm(resources={"memory": "1.5Gi"}), vm(resources={"memory": "1700M", "cpu": 3})],
            {"cpu": "3", "memory": "1700M"},  # 1.7e9 bytes > 1.5 x 2^30
        ),
        (
            [vm(resources={"gpuFraction": 0.3}), vm(resources={"gpu": 2}), vm()],
            {"cpu": "1", "memory": "4Gi", GPU_RESOURCE: "2"},
        ),
    ],
)
def test_a_shared_worker_fits_any_of_the_models(
    models: list[VoiceModelSpec], requests: dict[str, str]
) -> None:
    assert shared_worker_resources(models)["requests"] == requests


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("4Gi", 4 * 2**30),
        ("512M", 512e6),
        ("1.5Gi", 1.5 * 2**30),
        ("100k", 1e5),
        ("1024", 1024.0),
        ("2Ti", 2 * 2**40),
    ],
)
def test_quantity_bytes(text: str, size: float) -> None:
    assert quantity_bytes(text) == size


@pytest.mark.parametrize(
    ("weights", "claim"),
    [
        ({}, None),
        ({"source": "pvc", "claimName": "w", "path": "m"}, "w"),
        ({"source": "huggingface", "repo": "r/x"}, None),
    ],
)
def test_weights_claim(weights: dict[str, str], claim: str | None) -> None:
    assert weights_claim(vm(weights=weights)) == claim


@pytest.mark.parametrize(
    ("kwargs", "volumes", "mount_paths"),
    [
        ({"weights": None}, ["model-cache"], ["/var/cache/voxray"]),
        ({"weights": "w"}, ["model-cache", "models"], ["/var/cache/voxray", "/models"]),
        (
            {"weights": None, "output": ("audio", "/data/audio")},
            ["model-cache", "audio-output"],
            ["/var/cache/voxray", "/data/audio"],
        ),
        (
            {"weights": "w", "shm": True},
            ["model-cache", "models", "dshm"],
            ["/var/cache/voxray", "/models", "/dev/shm"],
        ),
    ],
)
def test_pod_volumes_in_order(kwargs: dict[str, Any], volumes: list[str], mount_paths: list[str]) -> None:
    vols, mounts = pod_volumes(SETTINGS, **kwargs)
    assert [v["name"] for v in vols] == volumes == [m["name"] for m in mounts]
    assert [m["mountPath"] for m in mounts] == mount_paths


@pytest.mark.parametrize(
    ("claim", "source"),
    [("audio", {"persistentVolumeClaim": {"claimName": "audio"}}), (None, {"emptyDir": {}})],
)
def test_output_volume_is_the_pvc_or_an_empty_dir(claim: str | None, source: dict[str, Any]) -> None:
    vols, _ = pod_volumes(SETTINGS, weights=None, output=(claim, "/out"))
    assert vols[-1] == {"name": "audio-output", **source}


def test_join_volumes_keeps_the_order() -> None:
    a = ([{"name": "a"}], [{"name": "a", "mountPath": "/a"}])
    b = ([{"name": "b"}, {"name": "c"}], [{"name": "b", "mountPath": "/b"}, {"name": "c", "mountPath": "/c"}])
    volumes, mounts = join_volumes(a, ([], []), b)
    assert [v["name"] for v in volumes] == [m["name"] for m in mounts] == ["a", "b", "c"]


def test_served_plan_adds_the_credentials_and_keeps_weights_off_the_head() -> None:
    spec = TextModelSpec.model_validate(
        {
            "engine": "vllm",
            "weights": {"source": "pvc", "claimName": "w", "path": "m"},
            "resources": {"gpu": 1},
            "quantization": "none",
            "replicas": {"min": 1, "max": 3},
        }
    )
    plan = served_cluster_plan(
        "TextModel", "t", spec, SETTINGS, env=[], volumes=pod_volumes(SETTINGS, weights="w", shm=True)
    )
    assert plan.labels["voxray.io/textmodel"] == "t"
    assert [v["name"] for v in plan.volumes] == ["model-cache", "models", "dshm", "api-keys", "audit-key"]
    assert (plan.pods, plan.min_pods, plan.max_pods, plan.autoscaler) == (1, 1, 3, True)
    cluster = ray_cluster_spec(plan, SETTINGS)
    head = cluster["headGroupSpec"]["template"]["spec"]
    assert [v["name"] for v in head["volumes"]] == ["model-cache", "api-keys", "audit-key"]
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"


def plan(pods: int, **fields: Any) -> ClusterPlan:
    base: dict[str, Any] = {
        "labels": {"app": "x"},
        "image": "img",
        "env": [{"name": "A", "value": "1"}],
        "volumes": [{"name": "model-cache", "emptyDir": {}}],
        "mounts": [{"name": "model-cache", "mountPath": "/c"}],
        "worker_resources": pod_resources(2, "1Gi", 1),
        "node_selector": {"pool": "gpu"},
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "group_name": "gpu-workers",
        "pods": pods,
        "min_pods": pods,
        "max_pods": pods,
        "autoscaler": False,
        "head_env": [{"name": "ACTOR", "value": "a"}],
        "head_volumes": [{"name": "key", "secret": {"secretName": "s"}}],
        "head_mounts": [{"name": "key", "mountPath": "/k"}],
    }
    return ClusterPlan(**{**base, **fields})


@pytest.mark.parametrize("pods", [0, 2])
def test_a_cluster_without_workers_runs_the_work_on_its_head(pods: int) -> None:
    cluster = ray_cluster_spec(plan(pods), SETTINGS)
    head = cluster["headGroupSpec"]
    pod = head["template"]["spec"]
    container = pod["containers"][0]
    assert [e["name"] for e in container["env"]] == ["A", "ACTOR"]
    assert [m["name"] for m in container["volumeMounts"]] == ["model-cache", "key"]
    if pods == 0:
        assert "workerGroupSpecs" not in cluster
        assert "num-cpus" not in head["rayStartParams"]
        assert container["resources"] == pod_resources(2, "1Gi", 1)
        assert pod["nodeSelector"] == {"pool": "gpu"}
    else:
        (group,) = cluster["workerGroupSpecs"]
        assert (group["replicas"], group["minReplicas"], group["maxReplicas"]) == (2, 2, 2)
        assert head["rayStartParams"]["num-cpus"] == "0"
        assert "nodeSelector" not in pod
        worker = group["template"]["spec"]["containers"][0]
        assert [e["name"] for e in worker["env"]] == ["A"]  # the head's own env stays on the head
        assert [m["name"] for m in worker["volumeMounts"]] == ["model-cache"]
