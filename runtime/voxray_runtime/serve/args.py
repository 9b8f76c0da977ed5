"""Arguments of the Serve app: what a RayService serveConfigV2 ``args`` holds, and ``voxray serve`` builds.

Light on purpose (pydantic only): the operator imports this module so that names and arguments have one
truth.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from voxray_runtime.security.config import SecurityArgs
from voxray_runtime.spec.common import SpecModel
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

#: ``import_path`` for serveConfigV2 and ``serve run``
APP_IMPORT_PATH = "voxray_runtime.serve.app:build_app"
#: the Serve application name
APP_NAME = "voxray"
INGRESS_DEPLOYMENT = "VoxrayIngress"


def model_deployment_name(model: str) -> str:
    """Serve deployment of one VoiceModel: what the autoscaler patches in serveConfigV2."""
    return f"TTS-{model}"


def stt_deployment_name(model: str) -> str:
    """Serve deployment of a TranscriptionModel: what the autoscaler patches in serveConfigV2."""
    return f"STT-{model}"


def text_deployment_name(model: str) -> str:
    """Serve deployment of one TextModel: what the autoscaler patches in serveConfigV2."""
    return f"LLM-{model}"


#: a resource name (DNS-1123 subdomain)
RESOURCE_NAME = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"


class ModelArgs(SpecModel):
    name: str = Field(min_length=1, max_length=253, pattern=RESOURCE_NAME)
    spec: VoiceModelSpec


class TextModelArgs(SpecModel):
    name: str = Field(min_length=1, max_length=253, pattern=RESOURCE_NAME)
    spec: TextModelSpec


class TranscriptionModelArgs(SpecModel):
    """The speech-recognition model served beside the voices (``POST /v1/audio/transcriptions``): a
    TranscriptionModel's name and spec."""

    name: str = Field(default="whisper-base", min_length=1, max_length=253, pattern=RESOURCE_NAME)
    spec: TranscriptionModelSpec = TranscriptionModelSpec()


class AppArgs(SpecModel):
    #: VoiceModels served (speech routes)
    models: list[ModelArgs] = Field(default_factory=list, max_length=32)
    #: TextModels served (OpenAI chat/completions routes); an app serves at least one model of either
    text_models: list[TextModelArgs] = Field(default_factory=list, max_length=16)
    #: the TranscriptionModel served (``STT-<name>``; None: no transcription route)
    stt: TranscriptionModelArgs | None = None
    #: where store=true writes audio (the output volume's mount path on a cluster)
    output_dir: str = Field(default="/data/audio", min_length=1)

    @field_validator("output_dir")
    @classmethod
    def _output_dir(cls, value: str) -> str:
        from voxray_runtime.storage.location import check_location

        return check_location(value, "")

    #: ingress replicas and its concurrency cap (requests beyond it get 429 + Retry-After from Serve): it
    #: holds the requests waiting for admission too, so it is above ``admission_max_waiting``
    ingress_replicas: int = Field(default=1, ge=1, le=100)
    ingress_max_ongoing_requests: int = Field(default=4096, ge=1, le=100_000)
    #: CPUs reserved per ingress replica (it only parses, routes and encodes)
    ingress_num_cpus: float = Field(default=0.1, ge=0, le=16)
    #: requests queued per model replica before answering 429 with Retry-After
    max_queued_requests: int = Field(default=64, ge=1, le=100_000)
    #: seconds a request may wait for its model (queue included) before 504: this floor plus
    #: ``request_timeout_per_char_s`` per character of text
    request_timeout_s: float = Field(default=300.0, gt=0, le=3600)
    request_timeout_per_char_s: float = Field(default=0.2, ge=0, le=10)
    #: admission (docs/capacity.md): seconds a request may take when it sends no X-Request-Timeout, the
    #: largest X-Request-Timeout honoured, and requests waiting per model in each ingress replica at most
    admission_default_deadline_s: float = Field(default=90.0, gt=0, le=3600)
    admission_max_deadline_s: float = Field(default=600.0, gt=0, le=3600)
    admission_max_waiting: int = Field(default=2000, ge=1, le=100_000)
    default_bitrate_kbps: int = Field(default=64, ge=32, le=160)
    #: access control, limits, audit and retention; no default: a caller states it (the operator from
    #: the VoiceModel's spec.security, ``voxray serve`` from its flags)
    security: SecurityArgs

    @model_validator(mode="after")
    def _some_model(self) -> AppArgs:
        if not self.models and not self.text_models and self.stt is None:
            raise ValueError(
                "the app serves no model: give models (VoiceModels), textModels (TextModels) or stt "
                "(a TranscriptionModel)"
            )
        return self
