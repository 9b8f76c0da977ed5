"""The Ray Serve LLM (vLLM) deployment config of a TextModel, built purely (vLLM cannot run here)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.engines.text.vllm import VllmConfigError, accelerator_type, llm_config
from voxray_runtime.spec.documents import load_documents
from voxray_runtime.spec.textmodel import TextModelSpec

BASE: dict[str, Any] = {
    "engine": "vllm",
    "weights": {"source": "huggingface", "repo": "Qwen/Qwen2.5-7B-Instruct-AWQ"},
    "resources": {"gpu": 1},
}


def spec(**kw: Any) -> TextModelSpec:
    return TextModelSpec.model_validate(BASE | kw)


@pytest.mark.parametrize(
    ("kw", "path", "expected"),
    [
        ({}, ("model_loading_config", "model_source"), "Qwen/Qwen2.5-7B-Instruct-AWQ"),
        ({}, ("model_loading_config", "model_id"), "qwen"),
        ({"servedModelName": "qwen2.5"}, ("model_loading_config", "model_id"), "qwen2.5"),
        (
            {"weights": {"source": "pvc", "claimName": "models", "path": "/qwen/7b"}},
            ("model_loading_config", "model_source"),
            "/models/qwen/7b",
        ),
        (
            {"weights": {"source": "path", "path": "/srv/m"}},
            ("model_loading_config", "model_source"),
            "/srv/m",
        ),
        ({"quantization": "awq"}, ("engine_kwargs", "quantization"), "awq"),
        ({"quantization": "gptq"}, ("engine_kwargs", "quantization"), "gptq"),
        ({"quantization": "fp8"}, ("engine_kwargs", "quantization"), "fp8"),
        ({"resources": {"gpu": 2}, "tensorParallelSize": 2}, ("engine_kwargs", "tensor_parallel_size"), 2),
        ({"contextLength": 8192}, ("engine_kwargs", "max_model_len"), 8192),
        ({"serving": {"maxConcurrentSequences": 64}}, ("engine_kwargs", "max_num_seqs"), 64),
        ({"engineArgs": {"gpu_memory_utilization": 0.85}}, ("engine_kwargs", "gpu_memory_utilization"), 0.85),
        (
            {"weights": {"source": "huggingface", "repo": "a/b", "revision": "abc123"}},
            ("engine_kwargs", "revision"),
            "abc123",
        ),
        ({}, ("deployment_config", "name"), "LLM-qwen"),
        ({"replicas": {"min": 1, "max": 4, "initial": 2}}, ("deployment_config", "num_replicas"), 2),
        (
            {"serving": {"maxConcurrentSequences": 8, "maxQueue": 4}},
            ("deployment_config", "max_ongoing_requests"),
            12,
        ),
        ({"serving": {"maxQueue": 7}}, ("deployment_config", "max_queued_requests"), 7),
        ({"resources": {"gpu": 1, "accelerator": "NVIDIA-L4"}}, ("accelerator_type",), "L4"),
    ],
)
def test_llm_config_table(kw: dict[str, Any], path: tuple[str, ...], expected: object) -> None:
    out: Any = llm_config("qwen", spec(**kw))
    for key in path:
        out = out[key]
    assert out == expected


def test_unquantized_and_unknown_accelerators_are_left_out() -> None:
    out = llm_config("qwen", spec(resources={"gpu": 1, "accelerator": "acme-tpu"}))
    assert "quantization" not in out["engine_kwargs"]
    assert "accelerator_type" not in out
    assert accelerator_type("NVIDIA-H100-80GB-HBM3") == "H100"


@pytest.mark.parametrize("key", ["tensor_parallel_size", "max_model_len", "quantization", "model"])
def test_engine_args_may_not_override_spec_fields(key: str) -> None:
    with pytest.raises(VllmConfigError) as info:
        llm_config("qwen", spec(engineArgs={key: 1}))
    assert info.value.field == f"spec.engineArgs.{key}"


def test_llamacpp_models_are_refused() -> None:
    with pytest.raises(VllmConfigError):
        llm_config("gemma", TextModelSpec())


def _llm_config_fields() -> set[str]:
    """Field names of Ray's LLMConfig, read from the installed Ray source (ray[llm] needs pyarrow and
    vLLM to import, which this machine does not have)."""
    import ray

    src = Path(ray.__file__).parent / "llm/_internal/serve/core/configs/llm_config.py"
    tree = ast.parse(src.read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "LLMConfig")
    return {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}


def test_config_keys_are_llm_config_fields_of_the_installed_ray(repo_root: Path) -> None:
    fields = _llm_config_fields()
    doc = load_documents(repo_root / "examples" / "textmodel-vllm.yaml")[0]
    assert isinstance(doc.spec, TextModelSpec)
    out = llm_config(doc.name, doc.spec)
    assert set(out) <= fields, set(out) - fields
    assert out["engine_kwargs"]["tensor_parallel_size"] == 2
    assert out["engine_kwargs"]["quantization"] == "awq"


def test_vllm_chunks_become_voxray_events() -> None:
    from voxray_runtime.serve.text_backend import vllm_events

    chunk = (
        'data: {"choices": [{"index": 0, "delta": {"content": "Hel"}, "finish_reason": null}]}\n\n'
        'data: {"choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": "length"}]}\n\n'
        'data: {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}\n\n'
        "data: [DONE]\n\n"
    )
    assert vllm_events(chunk) == [
        {"event": "text", "text": "Hel"},
        {"event": "text", "text": "lo"},
        {"event": "finish", "finish_reason": "length"},
        {"event": "usage", "prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    ]
    assert vllm_events('data: {"choices": [{"text": "x", "finish_reason": null}]}') == [
        {"event": "text", "text": "x"}
    ]
    err = vllm_events('data: {"object": "error", "message": "boom", "code": 400}')
    assert err[0]["event"] == "error"
    assert err[0]["status"] == 400


def test_vllm_request_carries_the_sampling_parameters() -> None:
    from voxray_runtime.api.text_service import TextJob, TextModelEntry
    from voxray_runtime.engines.text.params import GenerationParams
    from voxray_runtime.serve.text_backend import vllm_request

    model = TextModelEntry("qwen", "qwen2.5", "vllm", 8192, 1024, 10_000)
    job = TextJob(
        model,
        GenerationParams(max_tokens=9, temperature=0.2, top_p=0.9, stop=("\n",), seed=5),
        messages=[{"role": "user", "content": "Hi"}],
    )
    body = vllm_request(job)
    assert body == {
        "model": "qwen2.5",
        "max_tokens": 9,
        "temperature": 0.2,
        "top_p": 0.9,
        "stream": True,
        "stream_options": {"include_usage": True},
        "stop": ["\n"],
        "seed": 5,
        "messages": [{"role": "user", "content": "Hi"}],
    }


def test_llamacpp_deployment_options() -> None:
    from voxray_runtime.serve.args import AppArgs
    from voxray_runtime.serve.options import text_model_options

    args = AppArgs.model_validate(
        {
            "text_models": [
                {
                    "name": "gemma",
                    "spec": {
                        "replicas": {"min": 2, "max": 3},
                        "serving": {"maxConcurrentSequences": 4, "maxQueue": 8},
                    },
                }
            ],
            "security": {"auth": "disabled"},
        }
    )
    opts = text_model_options(args.text_models[0], args)
    assert (
        opts["name"],
        opts["num_replicas"],
        opts["max_ongoing_requests"],
        opts["max_queued_requests"],
    ) == ("LLM-gemma", 2, 13, 8)
