"""The Ray Serve LLM (vLLM engine) deployment of a TextModel, as a pure config builder.

:func:`llm_config` turns a TextModelSpec (engine vllm) into the keyword arguments of
``ray.serve.llm.LLMConfig``; ``build_app`` hands them to ``ray.serve.llm.build_llm_deployment`` as the
``LLM-<name>`` deployment behind the voxray ingress (auth, limits, audit and metrics stay in front of the
engine). vLLM brings continuous batching and paged attention; quantization (AWQ, GPTQ, fp8), tensor
parallelism, the context length and any further vLLM engine argument are passed through from the spec.

Nothing here imports Ray or vLLM: the builder is table-tested on any machine; running the deployment
needs GPUs and ``ray[llm]`` (vLLM) in the image (see docs/text-generation.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voxray_runtime.serve.args import text_deployment_name
from voxray_runtime.spec.textmodel import TextModelSpec

#: engine arguments the spec sets through its own fields; engineArgs may not set them a second time
RESERVED_ENGINE_ARGS: dict[str, str] = {
    "tensor_parallel_size": "tensorParallelSize",
    "max_model_len": "contextLength",
    "quantization": "quantization",
    "max_num_seqs": "serving.maxConcurrentSequences",
    "revision": "weights.revision",
    "served_model_name": "servedModelName",
    "model": "weights",
}
#: Ray's accelerator type names for the GPU product labels a spec may carry (``resources.accelerator``)
RAY_ACCELERATORS = {"L4", "T4", "A10G", "A10", "A100", "H100", "H200", "L40S", "V100", "B200"}
#: where the operator mounts a TextModel's weights PVC (read-only), as for VoiceModels
DEFAULT_PVC_MOUNT = Path("/models")


class VllmConfigError(ValueError):
    """A TextModel that cannot become a Ray Serve LLM deployment; ``field`` names the spec field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def model_source(spec: TextModelSpec, pvc_mount: Path = DEFAULT_PVC_MOUNT) -> str:
    """What vLLM loads: a Hugging Face repo id, or a model folder (inside the PVC mount, or a path)."""
    w = spec.weights
    if w.source == "huggingface" and w.repo:
        return w.repo
    if w.source == "pvc" and w.path:
        return str(pvc_mount / w.path.lstrip("/"))
    if w.source == "path" and w.path:
        return w.path
    raise VllmConfigError("engine vllm needs weights.source huggingface, pvc or path", "spec.weights.source")


def accelerator_type(label: str | None) -> str | None:
    """``NVIDIA-L4`` (a node's nvidia.com/gpu.product) -> Ray's ``L4``; unknown labels -> None."""
    if not label:
        return None
    name = label.upper().removeprefix("NVIDIA-").removeprefix("TESLA-").split("-")[0]
    return name if name in RAY_ACCELERATORS else None


def engine_kwargs(spec: TextModelSpec) -> dict[str, Any]:
    for key in spec.engine_args:
        if key in RESERVED_ENGINE_ARGS:
            raise VllmConfigError(
                f"{key} is set by spec.{RESERVED_ENGINE_ARGS[key]}; remove it from engineArgs",
                f"spec.engineArgs.{key}",
            )
    out: dict[str, Any] = {
        "tensor_parallel_size": spec.tensor_parallel_size,
        "max_model_len": spec.context_length,
        "max_num_seqs": spec.serving.max_concurrent_sequences,
    }
    q = spec.effective_quantization
    if q != "none":
        out["quantization"] = q
    if spec.weights.source == "huggingface" and spec.weights.revision:
        out["revision"] = spec.weights.revision
    out.update(spec.engine_args)
    return out


def llm_config(name: str, spec: TextModelSpec, pvc_mount: Path = DEFAULT_PVC_MOUNT) -> dict[str, Any]:
    """The ``LLMConfig`` keyword arguments of a TextModel (engine vllm), pure."""
    if spec.engine != "vllm":
        raise VllmConfigError(f"engine {spec.engine} is not vllm", "spec.engine")
    replicas = spec.replicas.initial if spec.replicas.initial is not None else spec.replicas.min
    deployment: dict[str, Any] = {
        "name": text_deployment_name(name),
        # the operator's autoscaler (GPU utilisation, 80% ceiling) patches num_replicas within
        # replicas.min..max, as for VoiceModels; Serve's own autoscaler stays off so the two never fight
        "num_replicas": max(1, replicas),
        "max_ongoing_requests": spec.serving.effective_max_ongoing_requests,
        "max_queued_requests": spec.serving.max_queue,
        "health_check_period_s": 10,
        "health_check_timeout_s": 60,
    }
    out: dict[str, Any] = {
        "model_loading_config": {
            "model_id": spec.model_id(name),
            "model_source": model_source(spec, pvc_mount),
        },
        "llm_engine": "vLLM",
        "engine_kwargs": engine_kwargs(spec),
        "deployment_config": deployment,
    }
    acc = accelerator_type(spec.resources.accelerator)
    if acc:
        out["accelerator_type"] = acc
    return out


def build_llm_deployment(name: str, spec: TextModelSpec) -> Any:
    """The Ray Serve LLM deployment (needs ``ray[llm]`` with vLLM: GPU images only)."""
    try:
        from ray.serve.llm import LLMConfig
        from ray.serve.llm import build_llm_deployment as build
    except ImportError as exc:
        raise RuntimeError(
            f"TextModel {name} uses engine vllm, which needs ray[llm] (vLLM) in the runtime image "
            f"({exc}); use the GPU runtime image or engine llamacpp"
        ) from exc
    import os

    mount = Path(os.environ.get("VOXRAY_PVC_MOUNT", str(DEFAULT_PVC_MOUNT)))
    return build(
        LLMConfig(**llm_config(name, spec, mount)),
        override_serve_options={"name": text_deployment_name(name)},
    )
