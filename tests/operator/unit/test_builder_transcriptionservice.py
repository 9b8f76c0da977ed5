"""TranscriptionModel -> RayService: the one Serve app with ``stt``, its STT-<name> deployment from the
runtime's options, CPU vs GPU workers, weights and security as for the other served kinds."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.operator.unit.support import SETTINGS, owner
from voxray_operator.builders import (
    BuildError,
    build_transcription_rayservice,
    build_transcription_serve_config,
    model_replicas,
    parse_spec,
)
from voxray_runtime.serve.args import APP_IMPORT_PATH, INGRESS_DEPLOYMENT, AppArgs, stt_deployment_name
from voxray_runtime.serve.options import transcription_model_config, transcription_model_options
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec


def spec(**fields: Any) -> TranscriptionModelSpec:
    return TranscriptionModelSpec.model_validate(fields)


def deployments(rs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    app = yaml.safe_load(rs["spec"]["serveConfigV2"])["applications"][0]
    return {d["name"]: d for d in app["deployments"]}


def workers(rs: dict[str, Any]) -> dict[str, Any]:
    return rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]  # type: ignore[no-any-return]


def test_cpu_whisper_runs_the_voxray_app_with_one_transcription_model() -> None:
    s = spec(resources={"cpu": 3}, replicas={"min": 1, "max": 4, "initial": 2}, serving={"maxQueue": 4})
    rs = build_transcription_rayservice(
        "asr", "speech", s, SETTINGS, owner=owner("TranscriptionModel", "asr")
    )
    app = yaml.safe_load(rs["spec"]["serveConfigV2"])["applications"][0]
    assert app["import_path"] == APP_IMPORT_PATH
    args = AppArgs.model_validate(app["args"])  # the runtime reads back exactly what we wrote
    assert (args.models, args.text_models) == ([], [])
    assert args.stt is not None
    assert args.stt.name == "asr"
    assert args.stt.spec == s
    assert args.stt.spec.engine_threads == 3  # the CPUs Ray reserves, not the node's cores
    assert args.security.auth == "required"
    stt = deployments(rs)[stt_deployment_name("asr")]
    assert stt == {
        "name": "STT-asr",
        "num_replicas": 2,
        "max_ongoing_requests": 5,  # maxConcurrent 1 + maxQueue 4
        "max_queued_requests": 4,
        "ray_actor_options": {"num_cpus": 3, "runtime_env": {"env_vars": {"OMP_NUM_THREADS": "3"}}},
    }
    assert INGRESS_DEPLOYMENT in deployments(rs)
    assert model_replicas(rs, deployment="STT-asr") == 2
    group = workers(rs)
    assert group["groupName"] == "cpu-workers"
    assert (group["replicas"], group["minReplicas"], group["maxReplicas"]) == (2, 1, 4)
    assert rs["metadata"]["labels"]["voxray.io/transcriptionmodel"] == "asr"
    assert rs["metadata"]["labels"]["app.kubernetes.io/component"] == "transcriptionmodel"
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "TranscriptionModel"


def test_gpu_whisper_asks_for_its_gpu_and_reads_weights_from_the_pvc() -> None:
    s = spec(
        model="large-v3",
        weights={"source": "pvc", "claimName": "whisper", "path": "large-v3"},
        computeType="float16",
        resources={"gpu": 1, "accelerator": "NVIDIA-L4", "memory": "16Gi"},
    )
    assert s.device == "cuda"
    rs = build_transcription_rayservice("big", "speech", s, SETTINGS)
    assert deployments(rs)["STT-big"]["ray_actor_options"] == {
        "num_cpus": 1,
        "num_gpus": 1,
        "runtime_env": {"env_vars": {"OMP_NUM_THREADS": "1"}},
    }
    group = workers(rs)
    assert group["groupName"] == "gpu-workers"
    pod = group["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert pod["nodeSelector"]["nvidia.com/gpu.product"] == "NVIDIA-L4"
    claims = [v["persistentVolumeClaim"] for v in pod["volumes"] if "persistentVolumeClaim" in v]
    assert claims == [{"claimName": "whisper", "readOnly": True}]
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["VOXRAY_PVC_MOUNT"] == "/models"


@pytest.mark.parametrize("wanted", [None, 0, 3, 9])
def test_the_config_and_the_code_agree_on_the_deployment(wanted: int | None) -> None:
    """serveConfigV2's entry and serve.deployment's options come from one place (serve/options.py)."""
    s = spec(replicas={"min": 1, "max": 4}, serving={"maxConcurrent": 2, "maxQueue": 6})
    config = build_transcription_serve_config("asr", s, SETTINGS, replicas=wanted)
    args = AppArgs.model_validate(config["applications"][0]["args"])
    assert args.stt is not None
    entry = transcription_model_config(args.stt, replicas=wanted)
    assert entry in config["applications"][0]["deployments"]
    assert entry["num_replicas"] == max(1, min(4, wanted if wanted is not None else 1))
    code = transcription_model_options(args.stt)
    for key in ("name", "max_ongoing_requests", "max_queued_requests"):
        assert code[key] == entry[key]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"model": "small"}, "spec"),
        ({"computeType": "float16"}, "spec"),
        ({"languages": ["en", "en"]}, "spec"),
        ({"languages": ["English"]}, "spec.languages.0"),
        ({"serving": {"maxConcurrent": 0}}, "spec.serving.maxConcurrent"),
        ({"weights": {"source": "huggingface"}}, "spec.weights"),
        ({"engine": "whisper.cpp"}, "spec.engine"),
    ],
)
def test_bad_specs_name_the_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(BuildError) as err:
        parse_spec("TranscriptionModel", raw)
    assert err.value.field == field
