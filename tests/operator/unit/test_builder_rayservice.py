"""VoiceModel -> RayService: replicas, GPU fractions, volumes, Serve config, security, ownership."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.operator.unit.support import SETTINGS, owner
from voxray_operator.builders import (
    SPEC_HASH_ANNOTATION,
    build_rayservice,
    build_serve_config,
    model_replicas,
    serve_endpoint,
    spec_hash,
)
from voxray_operator.config import BuildSettings
from voxray_runtime.serve.args import APP_IMPORT_PATH, APP_NAME, INGRESS_DEPLOYMENT, AppArgs
from voxray_runtime.spec.voicemodel import VoiceModelSpec


def vm(**fields: Any) -> VoiceModelSpec:
    return VoiceModelSpec.model_validate({"engine": "espeak", **fields})


def cluster(rs: dict[str, Any]) -> dict[str, Any]:
    return rs["spec"]["rayClusterConfig"]  # type: ignore[no-any-return]


def worker_group(rs: dict[str, Any]) -> dict[str, Any]:
    groups = cluster(rs)["workerGroupSpecs"]
    assert len(groups) == 1
    return groups[0]  # type: ignore[no-any-return]


def worker(rs: dict[str, Any]) -> dict[str, Any]:
    return worker_group(rs)["template"]["spec"]["containers"][0]  # type: ignore[no-any-return]


def head(rs: dict[str, Any]) -> dict[str, Any]:
    return cluster(rs)["headGroupSpec"]["template"]["spec"]["containers"][0]  # type: ignore[no-any-return]


def serve_config(rs: dict[str, Any]) -> dict[str, Any]:
    return yaml.safe_load(rs["spec"]["serveConfigV2"])  # type: ignore[no-any-return]


def model_deployment(rs: dict[str, Any]) -> dict[str, Any]:
    deps = serve_config(rs)["applications"][0]["deployments"]
    return next(d for d in deps if d["name"] != INGRESS_DEPLOYMENT)


def env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["env"]}


@pytest.mark.parametrize(
    ("replicas_spec", "override", "num_replicas"),
    [
        ({}, None, 1),
        ({"min": 2, "max": 5}, None, 2),
        ({"min": 1, "max": 5, "initial": 3}, None, 3),
        ({"min": 1, "max": 5, "initial": 3}, 4, 4),  # the autoscaler's number wins
        ({"min": 1, "max": 5}, 9, 5),  # clamped to max
        ({"min": 2, "max": 5}, 0, 2),  # clamped to min
        ({"min": 0, "max": 3}, None, 0),  # scale to zero
    ],
)
def test_model_replicas(replicas_spec: dict[str, int], override: int | None, num_replicas: int) -> None:
    rs = build_rayservice("m", "ns", vm(replicas=replicas_spec), SETTINGS, replicas=override)
    assert model_deployment(rs)["num_replicas"] == num_replicas
    assert model_replicas(rs) == num_replicas
    assert model_replicas(rs, "m") == num_replicas


@pytest.mark.parametrize(
    ("resources", "replicas_spec", "group", "num_gpus", "pod_gpus", "pods"),
    [
        ({"cpu": 1}, {"min": 1, "max": 3}, "cpu-workers", None, None, (1, 1, 3)),
        ({"gpu": 1}, {"min": 1, "max": 3}, "gpu-workers", 1, "1", (1, 1, 3)),
        ({"gpu": 2}, {"min": 2, "max": 4}, "gpu-workers", 2, "2", (2, 2, 4)),
        ({"gpuFraction": 0.25}, {"min": 1, "max": 8}, "gpu-workers", 0.25, "1", (1, 1, 2)),
        ({"gpuFraction": 0.5}, {"min": 3, "max": 5, "initial": 4}, "gpu-workers", 0.5, "1", (2, 2, 3)),
        ({"gpuFraction": 0.3, "gpu": 2}, {"min": 1, "max": 6}, "gpu-workers", 0.3, "1", (1, 1, 2)),
        ({"gpuFraction": 1.0}, {"min": 1, "max": 2}, "gpu-workers", 1, "1", (1, 1, 2)),
    ],
)
def test_gpu_and_worker_group(
    resources: dict[str, Any],
    replicas_spec: dict[str, int],
    group: str,
    num_gpus: float | None,
    pod_gpus: str | None,
    pods: tuple[int, int, int],
) -> None:
    rs = build_rayservice(
        "m",
        "ns",
        vm(
            engine="vits",
            voices=[{"avatar": "male_ur", "speaker": "s", "engineLanguage": "ur"}],
            resources=resources,
            replicas=replicas_spec,
        ),
        SETTINGS,
    )
    wg = worker_group(rs)
    assert wg["groupName"] == group
    assert (wg["replicas"], wg["minReplicas"], wg["maxReplicas"]) == pods
    options = model_deployment(rs)["ray_actor_options"]
    assert options.get("num_gpus") == num_gpus
    limits = worker(rs)["resources"]["limits"]
    assert limits.get("nvidia.com/gpu") == pod_gpus
    assert worker(rs)["resources"]["requests"].get("nvidia.com/gpu") == pod_gpus
    tolerations = wg["template"]["spec"].get("tolerations")
    assert (tolerations is not None) is (pod_gpus is not None)


def test_worker_cpus_cover_the_replicas_on_a_pod_and_an_ingress() -> None:
    rs = build_rayservice("m", "ns", vm(resources={"cpu": 1, "gpuFraction": 0.25}), SETTINGS)
    assert worker(rs)["resources"]["limits"]["cpu"] == "5"  # 4 replicas x 1 CPU + 0.1 ingress, rounded up
    rs = build_rayservice("m", "ns", vm(resources={"cpu": 0.25}), SETTINGS)
    assert worker(rs)["resources"]["limits"]["cpu"] == "1"


def test_gpu_node_selection() -> None:
    settings = BuildSettings(gpu_node_selector={"cloud.example/pool": "gpu"})
    rs = build_rayservice("m", "ns", vm(resources={"gpu": 1, "accelerator": "NVIDIA-L4"}), settings)
    assert worker_group(rs)["template"]["spec"]["nodeSelector"] == {
        "cloud.example/pool": "gpu",
        "nvidia.com/gpu.product": "NVIDIA-L4",
    }
    cpu_only = build_rayservice("m", "ns", vm(), settings)
    assert "nodeSelector" not in worker_group(cpu_only)["template"]["spec"]
    assert "nodeSelector" not in cluster(rs)["headGroupSpec"]["template"]["spec"]


def test_head_takes_no_replicas() -> None:
    rs = build_rayservice("m", "ns", vm(), SETTINGS)
    params = cluster(rs)["headGroupSpec"]["rayStartParams"]
    assert params == {"dashboard-host": "0.0.0.0", "num-cpus": "0"}
    ports = {p["name"]: p["containerPort"] for p in head(rs)["ports"]}
    assert ports == {"gcs-server": 6379, "dashboard": 8265, "client": 10001, "serve": 8000, "metrics": 8080}
    assert cluster(rs)["rayVersion"] == "2.60.0"


@pytest.mark.parametrize(
    ("replicas_spec", "autoscaling", "enabled"),
    [({}, False, False), ({"min": 1, "max": 4}, False, True), ({"min": 2, "max": 2}, True, True)],
)
def test_ray_autoscaler_places_pods_when_replicas_can_change(
    replicas_spec: dict[str, int], autoscaling: bool, enabled: bool
) -> None:
    rs = build_rayservice(
        "m", "ns", vm(replicas=replicas_spec, autoscaling={"enabled": autoscaling}), SETTINGS
    )
    assert cluster(rs)["enableInTreeAutoscaling"] is enabled
    assert ("autoscalerOptions" in cluster(rs)) is enabled


def test_pvc_weights_are_mounted_read_only_on_workers() -> None:
    spec = vm(engine="piper", weights={"source": "pvc", "claimName": "tts-weights", "path": "piper/joe"})
    rs = build_rayservice("m", "ns", spec, SETTINGS)
    volumes = {v["name"]: v for v in worker_group(rs)["template"]["spec"]["volumes"]}
    assert volumes["models"]["persistentVolumeClaim"] == {"claimName": "tts-weights", "readOnly": True}
    mounts = {m["name"]: m for m in worker(rs)["volumeMounts"]}
    assert mounts["models"] == {"name": "models", "mountPath": "/models", "readOnly": True}
    assert env(worker(rs))["VOXRAY_PVC_MOUNT"] == "/models"
    assert "models" not in {v["name"] for v in cluster(rs)["headGroupSpec"]["template"]["spec"]["volumes"]}


def test_packaged_weights_get_no_pvc_and_keep_the_image_weights_dir() -> None:
    rs = build_rayservice("m", "ns", vm(), SETTINGS)
    names = {v["name"] for v in worker_group(rs)["template"]["spec"]["volumes"]}
    assert names == {"model-cache", "audio-output", "api-keys", "audit-key"}  # the last two: Secrets
    variables = env(worker(rs))
    assert "VOXRAY_WEIGHTS_DIR" not in variables  # the image's installed weights stay where they are
    assert variables["VOXRAY_CACHE_DIR"] == "/var/cache/voxray"
    assert variables["HF_HOME"].startswith("/var/cache/voxray/")
    assert variables["RAY_USAGE_STATS_ENABLED"] == "0"


@pytest.mark.parametrize(
    ("output", "source"),
    [
        ({"volumeClaim": "audio", "path": "/srv/audio"}, {"persistentVolumeClaim": {"claimName": "audio"}}),
        ({}, {"emptyDir": {}}),
    ],
)
def test_audio_output_volume(output: dict[str, str], source: dict[str, Any]) -> None:
    spec = vm(output=output)
    rs = build_rayservice("m", "ns", spec, SETTINGS)
    for template in (worker_group(rs)["template"], cluster(rs)["headGroupSpec"]["template"]):
        volumes = {v["name"]: v for v in template["spec"]["volumes"]}
        assert {k: v for k, v in volumes["audio-output"].items() if k != "name"} == source
        mounts = {m["name"]: m["mountPath"] for m in template["spec"]["containers"][0]["volumeMounts"]}
        assert mounts["audio-output"] == spec.output.path
    assert env(worker(rs))["VOXRAY_OUTPUT_DIR"] == spec.output.path


def test_serve_config_points_at_the_runtime_app() -> None:
    spec = vm(serving={"maxOngoingRequests": 48}, resources={"cpu": 0.5})
    config = build_serve_config("espeak-1", spec, SETTINGS)
    app = config["applications"][0]
    assert (app["name"], app["import_path"], app["route_prefix"]) == (APP_NAME, APP_IMPORT_PATH, "/")
    args = AppArgs.model_validate(app["args"])
    assert [m.name for m in args.models] == ["espeak-1"]
    assert args.models[0].spec == spec
    assert args.output_dir == spec.output.path
    deps = {d["name"]: d for d in app["deployments"]}
    assert set(deps) == {INGRESS_DEPLOYMENT, "TTS-espeak-1"}
    assert deps["TTS-espeak-1"]["max_ongoing_requests"] == 48
    assert deps["TTS-espeak-1"]["ray_actor_options"] == {"num_cpus": 0.5}
    assert deps[INGRESS_DEPLOYMENT]["ray_actor_options"] == {"num_cpus": 0.1}
    assert "autoscaling_config" not in deps["TTS-espeak-1"]  # the operator owns num_replicas


def test_every_container_is_locked_down() -> None:
    rs = build_rayservice("m", "ns", vm(resources={"gpu": 1}, replicas={"min": 1, "max": 2}), SETTINGS)
    templates = [cluster(rs)["headGroupSpec"]["template"], worker_group(rs)["template"]]
    for template in templates:
        assert template["spec"]["securityContext"]["runAsNonRoot"] is True
        for container in template["spec"]["containers"]:
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
            assert sc["runAsNonRoot"] is True
    assert cluster(rs)["autoscalerOptions"]["securityContext"]["allowPrivilegeEscalation"] is False


def test_metadata_labels_hash_and_owner() -> None:
    spec = vm()
    rs = build_rayservice("espeak", "tts", spec, SETTINGS, owner=owner("VoiceModel", "espeak"))
    meta = rs["metadata"]
    assert (rs["apiVersion"], rs["kind"], meta["name"], meta["namespace"]) == (
        "ray.io/v1",
        "RayService",
        "espeak",
        "tts",
    )
    assert meta["labels"]["voxray.io/voicemodel"] == "espeak"
    assert meta["labels"]["app.kubernetes.io/managed-by"] == "voxray-operator"
    assert meta["annotations"] == {SPEC_HASH_ANNOTATION: spec_hash(spec)}
    assert meta["ownerReferences"][0]["controller"] is True
    assert "ownerReferences" not in build_rayservice("espeak", "tts", spec, SETTINGS)["metadata"]
    pod_labels = worker_group(rs)["template"]["metadata"]["labels"]
    assert pod_labels["voxray.io/voicemodel"] == "espeak"


def test_image_from_spec_or_settings() -> None:
    assert worker(build_rayservice("m", "ns", vm(), BuildSettings(image="reg/x:1")))["image"] == "reg/x:1"
    spec = vm(image="reg/custom:2")
    rs = build_rayservice("m", "ns", spec, BuildSettings(image="reg/x:1"))
    assert head(rs)["image"] == worker(rs)["image"] == "reg/custom:2"


def test_builds_are_deterministic_and_unaliased() -> None:
    spec = vm(resources={"gpu": 1})
    a = build_rayservice("m", "ns", spec, SETTINGS)
    assert a == build_rayservice("m", "ns", spec, SETTINGS)
    worker(a)["env"].append({"name": "X", "value": "1"})
    assert "X" not in env(head(a))  # no shared sub-objects


def test_serve_endpoint() -> None:
    assert serve_endpoint("kokoro", "tts") == "http://kokoro-serve-svc.tts.svc:8000"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"spec": {}},
        {"spec": {"serveConfigV2": "::: not yaml"}},
        {"spec": {"serveConfigV2": "- a list"}},
        {"spec": {"serveConfigV2": "applications: [{deployments: [{name: TTS-x, num_replicas: auto}]}]"}},
    ],
)
def test_model_replicas_of_unreadable_configs_is_none(body: dict[str, Any]) -> None:
    assert model_replicas(body) is None
