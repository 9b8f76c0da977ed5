"""TextModel -> RayService: the one Serve app with textModels, llama.cpp on CPU vs vLLM on GPUs, security."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.operator.unit.support import SETTINGS, owner
from voxray_operator.builders import (
    BATCH_KEY,
    api_keys_file_text,
    build_api_keys_secret,
    build_text_rayservice,
    engine_threads,
    model_replicas,
    text_base_url,
)
from voxray_operator.config import BuildSettings
from voxray_runtime.security.config import ApiKeyFile
from voxray_runtime.serve.args import APP_IMPORT_PATH, INGRESS_DEPLOYMENT, AppArgs, text_deployment_name
from voxray_runtime.spec.textmodel import TextModelSpec

VLLM = {
    "engine": "vllm",
    "weights": {"source": "huggingface", "repo": "org/llm-awq", "revision": "abc"},
    "quantization": "awq",
    "tensorParallelSize": 2,
    "resources": {"gpu": 2, "cpu": 4, "memory": "32Gi", "accelerator": "NVIDIA-L4"},
}


def tm(**fields: Any) -> TextModelSpec:
    return TextModelSpec.model_validate(fields)


def serve(rs: dict[str, Any]) -> dict[str, Any]:
    return yaml.safe_load(rs["spec"]["serveConfigV2"])  # type: ignore[no-any-return]


def deployment(rs: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in serve(rs)["applications"][0]["deployments"] if d["name"] == name)


def worker_pod(rs: dict[str, Any]) -> dict[str, Any]:
    return rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["template"]["spec"]  # type: ignore[no-any-return]


def head_pod(rs: dict[str, Any]) -> dict[str, Any]:
    return rs["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]  # type: ignore[no-any-return]


def test_llamacpp_runs_the_voxray_app_with_one_text_model() -> None:
    spec = tm(resources={"cpu": 3}, replicas={"min": 1, "max": 4, "initial": 2})
    rs = build_text_rayservice("gemma", "nlp", spec, SETTINGS, owner=owner("TextModel", "gemma"))
    app = serve(rs)["applications"][0]
    assert app["import_path"] == APP_IMPORT_PATH
    args = AppArgs.model_validate(app["args"])  # the runtime reads back exactly what we wrote
    assert args.models == []
    (text,) = args.text_models
    assert text.name == "gemma"
    assert text.spec.serving.threads == 3  # the CPUs Ray reserves, not the node's cores
    assert args.security.auth == "required"
    assert args.security.api_keys_file == "/etc/voxray/api-keys/keys.yaml"
    llm = deployment(rs, text_deployment_name("gemma"))
    assert llm["num_replicas"] == 2
    assert llm["ray_actor_options"] == {"num_cpus": 3}
    assert llm["max_ongoing_requests"] == spec.serving.effective_max_ongoing_requests
    assert deployment(rs, INGRESS_DEPLOYMENT)["num_replicas"] == 1
    assert model_replicas(rs, deployment=text_deployment_name("gemma")) == 2
    group = rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]
    assert group["groupName"] == "cpu-workers"
    assert (group["replicas"], group["minReplicas"], group["maxReplicas"]) == (2, 1, 4)
    assert "nvidia.com/gpu" not in worker_pod(rs)["containers"][0]["resources"]["requests"]
    assert rs["metadata"]["labels"]["voxray.io/textmodel"] == "gemma"
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "TextModel"
    assert text_base_url("gemma", "nlp") == "http://gemma-serve-svc.nlp.svc:8000/v1"


@pytest.mark.parametrize(
    ("cpu", "threads", "want"), [(1.0, None, 1), (2.5, None, 2), (0.5, None, 1), (4, 2, 2)]
)
def test_engine_threads(cpu: float, threads: int | None, want: int) -> None:
    assert engine_threads(tm(resources={"cpu": cpu}, serving={"threads": threads})) == want


def test_vllm_gpus_tensor_parallel_cache_and_shm() -> None:
    rs = build_text_rayservice("qwen", "nlp", tm(**VLLM), SETTINGS)
    llm = deployment(rs, "LLM-qwen")
    # Ray Serve LLM's placement group asks for the tensor-parallel GPUs: no actor options to clash with it
    assert "ray_actor_options" not in llm
    args = AppArgs.model_validate(serve(rs)["applications"][0]["args"])
    assert args.text_models[0].spec.tensor_parallel_size == 2
    assert args.text_models[0].spec.quantization == "awq"
    pod = worker_pod(rs)
    res = pod["containers"][0]["resources"]
    assert res["requests"]["nvidia.com/gpu"] == res["limits"]["nvidia.com/gpu"] == "2"
    assert pod["nodeSelector"] == {"nvidia.com/gpu.product": "NVIDIA-L4"}
    assert pod["tolerations"][0]["key"] == "nvidia.com/gpu"
    assert rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["groupName"] == "gpu-workers"
    env = {e["name"]: e["value"] for e in pod["containers"][0]["env"]}
    assert env["HF_HOME"] == "/var/cache/voxray/huggingface"
    assert "VOXRAY_OUTPUT_DIR" not in env
    mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
    assert mounts["dshm"]["mountPath"] == "/dev/shm"
    assert {v["name"]: v for v in pod["volumes"]}["dshm"]["emptyDir"] == {"medium": "Memory"}
    assert "dshm" not in {v["name"] for v in head_pod(rs)["volumes"]}  # the head runs no engine


def test_hugging_face_token_only_for_hugging_face_weights() -> None:
    settings = BuildSettings(hf_token_secret="hf-token")
    rs = build_text_rayservice("qwen", "nlp", tm(**VLLM), settings)
    (token,) = [e for e in worker_pod(rs)["containers"][0]["env"] if e["name"] == "HF_TOKEN"]
    assert token["valueFrom"]["secretKeyRef"] == {"name": "hf-token", "key": "token", "optional": True}
    assert "value" not in token  # never the token itself in the RayService
    packaged = build_text_rayservice("gemma", "nlp", tm(), settings)
    assert "HF_TOKEN" not in {e["name"] for e in worker_pod(packaged)["containers"][0]["env"]}
    unset = build_text_rayservice("qwen", "nlp", tm(**VLLM), SETTINGS)
    assert "HF_TOKEN" not in {e["name"] for e in worker_pod(unset)["containers"][0]["env"]}


def test_pvc_weights_read_only_on_workers_only() -> None:
    spec = tm(**{**VLLM, "weights": {"source": "pvc", "claimName": "llm-weights", "path": "qwen-awq"}})
    rs = build_text_rayservice("qwen", "nlp", spec, SETTINGS)
    worker = worker_pod(rs)
    volumes = {v["name"]: v for v in worker["volumes"]}
    assert volumes["models"]["persistentVolumeClaim"] == {"claimName": "llm-weights", "readOnly": True}
    mount = next(m for m in worker["containers"][0]["volumeMounts"] if m["name"] == "models")
    assert (mount["mountPath"], mount["readOnly"]) == ("/models", True)
    assert "models" not in {v["name"] for v in head_pod(rs)["volumes"]}
    env = {e["name"]: e["value"] for e in worker["containers"][0]["env"]}
    assert env["VOXRAY_PVC_MOUNT"] == "/models"


def test_security_is_the_voicemodel_one() -> None:
    spec = tm(
        security={
            "apiKeys": {"secretRef": {"name": "tenant-keys"}},
            "oidc": {"issuer": "https://login.example.com", "audience": "llm"},
            "audit": {"hmacKeySecretRef": {"name": "audit"}},
            "rateLimit": {"requestsPerMinute": 30},
        },
        serving={"maxPromptChars": 8000},
    )
    rs = build_text_rayservice("gemma", "nlp", spec, SETTINGS, credentials_revision="r2")
    args = AppArgs.model_validate(serve(rs)["applications"][0]["args"])
    assert args.security.oidc is not None
    assert args.security.oidc.audience == "llm"
    assert args.security.requests_per_minute == 30
    assert args.security.max_text_chars == 8000  # the prompt limit, as a VoiceModel's text limit
    secrets = {v["name"]: v["secret"] for v in worker_pod(rs)["volumes"] if "secret" in v}
    assert secrets["api-keys"]["secretName"] == "tenant-keys"
    assert secrets["api-keys"]["items"] == [{"key": "keys.yaml", "path": "keys.yaml"}]  # never the batch key
    assert secrets["audit-key"]["secretName"] == "audit"
    assert all(s["defaultMode"] == 0o400 for s in secrets.values())
    ingress = deployment(rs, INGRESS_DEPLOYMENT)
    assert ingress["ray_actor_options"]["runtime_env"]["env_vars"]["VOXRAY_CREDENTIALS_REVISION"] == "r2"


def test_auth_disabled_mounts_no_keys() -> None:
    rs = build_text_rayservice("gemma", "nlp", tm(security={"auth": "Disabled"}), SETTINGS)
    names = {v["name"] for v in worker_pod(rs)["volumes"]}
    assert "api-keys" not in names
    assert "audit-key" in names


def test_generated_secret_holds_the_batch_key_and_only_hashes_in_the_keys_file() -> None:
    admin, batch = "a" * 40, "b" * 40
    secret = build_api_keys_secret("gemma", "nlp", admin, kind="TextModel", batch_key=batch)
    assert set(secret["data"]) == {"api-key", "keys.yaml", BATCH_KEY}
    assert secret["metadata"]["labels"]["voxray.io/textmodel"] == "gemma"
    text = api_keys_file_text(admin, batch_key=batch)
    assert admin not in text
    assert batch not in text
    keys = ApiKeyFile.model_validate(yaml.safe_load(text)).keys
    assert [(k.id, k.scopes) for k in keys] == [("default", ["speech", "store"]), ("batch", ["speech"])]


def test_settings_reach_the_pods() -> None:
    settings = BuildSettings(service_account_name="ray", image_pull_policy="Always", gpu_tolerations=[])
    rs = build_text_rayservice("qwen", "nlp", tm(**VLLM, image="reg/llm:1"), settings)
    pod = worker_pod(rs)
    assert pod["serviceAccountName"] == "ray"
    assert pod["containers"][0]["image"] == "reg/llm:1"
    assert pod["containers"][0]["imagePullPolicy"] == "Always"
    assert "tolerations" not in pod
