"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from voxray_runtime.api.text_schemas import TextModelInfo

OpenAIFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]
NativeFormat = Literal["mp3", "opus", "flac", "wav", "pcm"]


class OpenAISpeechRequest(BaseModel):
    """``POST /v1/audio/speech`` as OpenAI defines it. Unknown fields are refused (422 naming them): the
    official OpenAI clients send only these."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        default="tts-1", min_length=1, max_length=128, description="tts-1, tts-1-hd or a VoiceModel"
    )
    input: str = Field(description="the text to speak")
    voice: str = Field(min_length=1, max_length=64, description="an OpenAI voice name or a voxray avatar")
    response_format: OpenAIFormat = "mp3"
    speed: float = Field(default=1.0, ge=0.25, le=4.0)
    instructions: str | None = Field(default=None, max_length=4096, description="accepted, not used")
    stream_format: Literal["audio", "sse"] | None = None


class NativeSpeechRequest(BaseModel):
    """``POST /v1/speech``: language, dialect and gender, or an avatar; store=true writes a file."""

    model_config = ConfigDict(extra="forbid")

    text: str
    language: str | None = Field(default=None, max_length=8, examples=["en", "ar", "es", "hi", "ur"])
    dialect: str | None = Field(default=None, max_length=16, examples=["en-GB", "ar-EG"])
    gender: Literal["female", "male"] | None = None
    avatar: str | None = Field(default=None, max_length=32, examples=["female_en-GB"])
    model: str | None = Field(default=None, max_length=253, description="pin a VoiceModel")
    format: NativeFormat = "mp3"
    bitrate_kbps: int | None = Field(default=None, ge=32, le=160)
    speed: float = Field(default=1.0, ge=0.25, le=4.0)
    store: bool = False
    stream: bool = False
    #: file stem for store=true (letters, digits, - _ .); default: a unique id
    name: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
    )


class VoiceInfo(BaseModel):
    avatar: str
    language: str
    dialect: str | None
    gender: str
    model: str
    engine: str
    speaker: str
    fallback: bool
    fallback_reason: str | None


class VoiceListing(VoiceInfo):
    #: other models that also serve this avatar (pin one with ``model``)
    alternatives: list[VoiceInfo] = Field(default_factory=list)
    openai_aliases: list[str] = Field(default_factory=list)


class VoicesResponse(BaseModel):
    object: Literal["list"] = "list"
    count: int
    voices: list[VoiceListing]


class ModelInfo(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "voxray"
    #: a VoiceModel (speech); TextModels are listed beside them with kind "text"
    kind: Literal["speech"] = "speech"
    engine: str
    quantization: str
    sample_rate: int
    languages: list[str]
    avatars: list[str]
    device: str
    weights: str
    license: str
    batched: bool


class ModelsResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelInfo | TextModelInfo]


class Timings(BaseModel):
    synth_s: float
    encode_s: float
    total_s: float
    rtf: float


class StoredSpeech(BaseModel):
    path: str
    relative_path: str
    bytes: int
    sha256: str
    duration_s: float
    format: str
    bitrate_kbps: int | None
    sample_rate: int
    chunks: int
    voice: VoiceInfo
    timings: Timings


class Health(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    models: dict[str, bool] = Field(default_factory=dict)
    detail: str | None = None
