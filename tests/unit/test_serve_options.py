"""Serve deployment options, one module for the app in code and the operator's serveConfigV2."""

from __future__ import annotations

from typing import Any

import pytest

from voxray_runtime.serve.args import INGRESS_DEPLOYMENT, AppArgs
from voxray_runtime.serve.options import (
    MODEL_HEALTH_OPTIONS,
    bounded_replicas,
    ingress_config,
    ingress_options,
    model_config,
    model_options,
    plain_number,
    replica_num_gpus,
    starting_replicas,
    text_model_config,
    text_model_options,
    uses_gpu,
)
from voxray_runtime.spec.voicemodel import ReplicasSpec, ResourcesSpec

SECURITY = {"auth": "disabled"}


def voice_args(**spec: Any) -> AppArgs:
    return AppArgs.model_validate(
        {"models": [{"name": "kokoro", "spec": {"engine": "kokoro", **spec}}], "security": SECURITY}
    )


def text_args(**spec: Any) -> AppArgs:
    return AppArgs.model_validate({"text_models": [{"name": "gemma", "spec": spec}], "security": SECURITY})


@pytest.mark.parametrize(("value", "plain"), [(2.0, 2), (0.5, 0.5), (1, 1), (0.0, 0)])
def test_plain_number(value: float, plain: float) -> None:
    assert plain_number(value) == plain
    assert type(plain_number(value)) is type(plain)


@pytest.mark.parametrize(
    ("resources", "gpu", "num_gpus"),
    [
        ({}, False, 0.0),
        ({"gpu": 2}, True, 2.0),
        ({"gpuFraction": 0.25}, True, 0.25),
        ({"gpuFraction": 0.5, "gpu": 1}, True, 0.5),
    ],
)
def test_gpus_of_a_replica(resources: dict[str, Any], gpu: bool, num_gpus: float) -> None:
    spec = ResourcesSpec.model_validate(resources)
    assert uses_gpu(spec) is gpu
    assert replica_num_gpus(spec) == num_gpus


@pytest.mark.parametrize(
    ("replicas", "wanted", "starting", "bounded"),
    [
        ({"min": 1, "max": 4}, None, 1, 1),
        ({"min": 0, "max": 4}, None, 0, 0),
        ({"min": 1, "max": 4, "initial": 3}, None, 3, 3),
        ({"min": 1, "max": 4, "initial": 3}, 9, 3, 4),
        ({"min": 2, "max": 4}, 1, 2, 2),
    ],
)
def test_replica_counts(replicas: dict[str, int], wanted: int | None, starting: int, bounded: int) -> None:
    spec = ReplicasSpec.model_validate(replicas)
    assert starting_replicas(spec) == starting
    assert bounded_replicas(spec, wanted) == bounded


@pytest.mark.parametrize(
    ("spec", "replicas", "code_replicas", "config_replicas", "config_actor"),
    [
        ({}, None, 1, 1, {"num_cpus": 1}),
        ({"replicas": {"min": 0, "max": 3}}, None, 1, 0, {"num_cpus": 1}),  # code runs one at least
        ({"replicas": {"min": 1, "max": 3}}, 7, 1, 3, {"num_cpus": 1}),
        ({"resources": {"gpuFraction": 0.5, "cpu": 2}}, None, 1, 1, {"num_cpus": 2, "num_gpus": 0.5}),
        ({"resources": {"gpu": 1, "cpu": 1.5}}, 1, 1, 1, {"num_cpus": 1.5, "num_gpus": 1}),
    ],
)
def test_voice_model_options_in_code_and_in_config(
    spec: dict[str, Any],
    replicas: int | None,
    code_replicas: int,
    config_replicas: int,
    config_actor: dict[str, Any],
) -> None:
    args = voice_args(**spec)
    model = args.models[0]
    code = model_options(model, args)
    config = model_config(model, args, replicas=replicas)
    assert code["name"] == config["name"] == "TTS-kokoro"
    assert (code["num_replicas"], config["num_replicas"]) == (code_replicas, config_replicas)
    for key in ("max_ongoing_requests", "max_queued_requests"):
        assert code[key] == config[key]
    assert config["ray_actor_options"] == config_actor
    resources = model.spec.resources
    assert code["ray_actor_options"] == {"num_cpus": resources.cpu, "num_gpus": replica_num_gpus(resources)}
    assert MODEL_HEALTH_OPTIONS.items() <= code.items()
    assert set(config) == {
        "name",
        "num_replicas",
        "max_ongoing_requests",
        "max_queued_requests",
        "ray_actor_options",
    }


@pytest.mark.parametrize(
    ("spec", "code_ongoing", "code_queued", "config_ongoing", "config_actor"),
    [
        ({"serving": {"maxConcurrentSequences": 4, "maxQueue": 8}}, 13, 8, 12, {"num_cpus": 1}),
        ({"serving": {"maxQueue": 0}}, 5, 1, 4, {"num_cpus": 1}),
        ({"resources": {"cpu": 4}, "serving": {"maxOngoingRequests": 50}}, 51, 32, 50, {"num_cpus": 4}),
        ({"resources": {"gpuFraction": 0.5}}, 37, 32, 36, {"num_cpus": 1, "num_gpus": 0.5}),
    ],
)
def test_llamacpp_options_in_code_and_in_config(
    spec: dict[str, Any],
    code_ongoing: int,
    code_queued: int,
    config_ongoing: int,
    config_actor: dict[str, Any],
) -> None:
    args = text_args(**spec)
    model = args.text_models[0]
    code = text_model_options(model, args)
    config = text_model_config(model, args)
    assert code["name"] == config["name"] == "LLM-gemma"
    assert (code["max_ongoing_requests"], code["max_queued_requests"]) == (code_ongoing, code_queued)
    # serveConfigV2 writes the slots + queue and the app-wide queue limit (see the module docstring)
    assert (config["max_ongoing_requests"], config["max_queued_requests"]) == (
        config_ongoing,
        args.max_queued_requests,
    )
    assert config["ray_actor_options"] == config_actor
    assert code["ray_actor_options"]["num_gpus"] == 0


def test_vllm_config_leaves_actor_options_to_ray_serve_llm() -> None:
    args = text_args(
        engine="vllm",
        weights={"source": "huggingface", "repo": "g/x"},
        resources={"gpu": 2},
        tensorParallelSize=2,
        quantization="none",
    )
    config = text_model_config(args.text_models[0], args, replicas=1)
    assert "ray_actor_options" not in config
    assert config["num_replicas"] == 1


@pytest.mark.parametrize(
    ("env", "runtime_env"), [(None, None), ({}, None), ({"A": "1"}, {"env_vars": {"A": "1"}})]
)
def test_ingress_options_in_code_and_in_config(
    env: dict[str, str] | None, runtime_env: dict[str, Any] | None
) -> None:
    args = AppArgs.model_validate(
        {
            "models": [{"name": "k", "spec": {"engine": "espeak"}}],
            "security": SECURITY,
            "ingressNumCpus": 1.0,
            "ingressReplicas": 2,
        }
    )
    code = ingress_options(args)
    config = ingress_config(args, env_vars=env)
    assert code["name"] == config["name"] == INGRESS_DEPLOYMENT
    assert code["num_replicas"] == config["num_replicas"] == 2
    assert code["max_ongoing_requests"] == config["max_ongoing_requests"]
    # Serve's router holds as many for the ingress as it takes: admission decides, not a fixed queue
    assert code["max_queued_requests"] == args.ingress_max_ongoing_requests
    assert code["backpressure_config"] == {"status_code": 429, "retry_after_s": 1}
    assert code["ray_actor_options"] == {"num_cpus": 1.0}
    assert config["ray_actor_options"].get("runtime_env") == runtime_env
    assert type(config["ray_actor_options"]["num_cpus"]) is int
