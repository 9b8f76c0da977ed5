"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from voxray_runtime.api.text_schemas import TextModelInfo
from voxray_runtime.spec.lexicon import LexiconEntry

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
    voice: str = Field(
        min_length=1,
        max_length=400,
        description="an OpenAI voice name, a voxray avatar (built-in or custom), or a Kokoro voice blend "
        '("bf_emma(2)+bf_isabella(1)"), as a string or as {"id": ...}',
    )
    response_format: OpenAIFormat = "mp3"
    speed: float = Field(default=1.0, ge=0.25, le=4.0)
    instructions: str | None = Field(
        default=None,
        max_length=4096,
        description="style instructions: refused (400) for models whose engine cannot follow them "
        "(GET /v1/models says which: instructions, instructions_note)",
    )
    #: ``audio``: the audio bytes as they are made; ``sse``: speech.audio.delta / speech.audio.done events
    stream_format: Literal["audio", "sse"] | None = None

    @field_validator("voice", mode="before")
    @classmethod
    def _voice_object(cls, v: Any) -> Any:
        """OpenAI's custom-voice form ``{"id": ...}`` names a voice too."""
        if isinstance(v, dict) and set(v) == {"id"}:
            return v["id"]
        return v


class NativeSpeechRequest(BaseModel):
    """``POST /v1/speech``: language, dialect and gender, or an avatar; store=true writes a file."""

    model_config = ConfigDict(extra="forbid")

    text: str
    language: str | None = Field(default=None, max_length=8, examples=["en", "ar", "es", "hi", "ur"])
    dialect: str | None = Field(default=None, max_length=16, examples=["en-GB", "ar-EG"])
    gender: Literal["female", "male"] | None = None
    avatar: str | None = Field(
        default=None, max_length=63, examples=["female_en-GB", "concierge_female_en-GB"]
    )
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
    #: ``ssml``: the text is an SSML document (speak, p, s, break, say-as, sub, phoneme, prosody rate, lang)
    text_type: Literal["text", "ssml"] = "text"
    #: pronunciation entries for this request ({text, language, alias} or {text, language, ipa}): whole
    #: words, case-insensitive unless case_sensitive; they win over a lexicon's entry of the same text
    #: (two entries of one text and language are refused with a 400 before anything is spoken)
    pronunciations: list[LexiconEntry] = Field(default_factory=list, max_length=200)

    #: caption files written beside the stored audio (store=true), same stem
    captions: list[Literal["srt", "vtt"]] = Field(default_factory=list, max_length=2)
    #: "on": normalised to ``loudness_lufs`` (default -16 LUFS) under ``true_peak_dbtp`` (default -1
    #: dBTP); "off": the engine's own level. Streams are sent at the engine's level.
    loudness: Literal["on", "off"] = "on"
    loudness_lufs: float | None = Field(default=None, ge=-40.0, le=-5.0)
    true_peak_dbtp: float | None = Field(default=None, ge=-12.0, le=0.0)


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
    #: a brand voice (a VoiceModel's ``spec.avatars``, or an inline blend) rather than a built-in avatar
    custom: bool = False


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
    #: how the engine's session runs (e.g. its int8 convolutions on the int8 GEMM); None when not ONNX
    kernels: str | None = None
    #: the longest text one request may carry for this model (characters)
    max_text_chars: int | None = None
    #: whether /v1/audio/speech acts on ``instructions`` for this model, and if not, why
    instructions: bool = False
    instructions_note: str | None = None


class ModelsResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelInfo | TextModelInfo]


class Timings(BaseModel):
    synth_s: float
    encode_s: float
    total_s: float
    rtf: float


class LoudnessReading(BaseModel):
    """Measured after normalisation (ITU-R BS.1770 integrated loudness; 4x oversampled true peak);
    null for silence."""

    integrated_lufs: float | None
    true_peak_dbtp: float | None


class TimedWordOut(BaseModel):
    text: str
    start: float
    end: float


class CaptionedSpeech(BaseModel):
    """``POST /v1/speech/captioned``: the audio (base64) with its words timed and its captions."""

    audio: str
    format: str
    sample_rate: int
    duration_s: float
    words: list[TimedWordOut]
    srt: str
    vtt: str
    loudness: LoudnessReading | None
    #: how the words were timed: model (the engine's own durations), aligned (forced alignment), letters
    timing: str | None
    voice: VoiceInfo


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
    #: caption format -> the path of the file written beside the audio
    captions: dict[str, str] = Field(default_factory=dict)
    loudness: LoudnessReading | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    models: dict[str, bool] = Field(default_factory=dict)
    detail: str | None = None


class CallerInfo(BaseModel):
    """Who the API takes the caller for, and what it may do (the Playground shows it)."""

    id: str
    kind: Literal["api_key", "jwt", "anonymous"]
    #: VoiceModels the caller may use; ``null``: all
    models: list[str] | None
    scopes: list[str]
    auth_required: bool


BatchState = Literal["running", "complete", "failed", "interrupted"]


class BatchProgress(BaseModel):
    total: int
    done: int
    failed: int
    skipped: int = 0
    audio_seconds: float = 0.0
    elapsed_seconds: float = 0.0
    finished: bool = False


class BatchRunInfo(BaseModel):
    #: the run's directory relative to the output directory (``.``: the output directory itself)
    id: str
    state: BatchState
    updated_at: str
    manifest: str
    models: list[str]
    #: files the manifest lists (of the models the caller may use)
    files: int
    failed: int
    #: files planned, when known (from the summary, or the running driver's progress)
    total: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    progress: BatchProgress | None = None


class BatchRunsResponse(BaseModel):
    object: Literal["list"] = "list"
    count: int
    runs: list[BatchRunInfo]


class BatchQa(BaseModel):
    """A file's quality check (the manifest row's ``qa``): passed, failed (with what was heard) or
    unchecked (with why)."""

    checker: str | None = None
    verdict: Literal["passed", "failed", "unchecked"]
    cer: float | None = None
    bound: float | None = None
    renders: int | None = None
    transcript: str | None = None
    reason: str | None = None


class BatchEntry(BaseModel):
    """One file of a run, as its manifest line says (the fields the gallery shows)."""

    name: str
    index: int | None = None
    id: str | None = None
    avatar: str | None = None
    language: str | None = None
    dialect: str | None = None
    gender: str | None = None
    model: str | None = None
    engine: str | None = None
    speaker: str | None = None
    fallback: bool = False
    fallback_reason: str | None = None
    duration_s: float | None = None
    size_bytes: int | None = None
    format: str | None = None
    qa: BatchQa | None = None
    #: caption format -> the caption file's name (GET /v1/batches/file serves it)
    captions: dict[str, str] = Field(default_factory=dict)
    loudness_lufs: float | None = None
    true_peak_dbtp: float | None = None


class BatchFailure(BaseModel):
    name: str | None = None
    index: int | None = None
    id: str | None = None
    avatar: str | None = None
    model: str | None = None
    error_type: str | None = None
    error: str | None = None
    attempts: int | None = None


class BatchRunDetail(BatchRunInfo):
    entries: list[BatchEntry]
    failures: list[BatchFailure]
    #: the run's summary.json, when it finished and the caller may use every model it used
    summary: dict[str, object] | None = None
