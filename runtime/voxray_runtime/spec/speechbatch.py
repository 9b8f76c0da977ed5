"""SpeechBatch: texts x languages x voices rendered into audio files plus a manifest."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, field_validator, model_serializer, model_validator

from voxray_runtime.spec.common import SpecModel
from voxray_runtime.spec.kuberay import LABEL_NAME, DeletionSpec
from voxray_runtime.spec.lexicon import LexiconName, check_lexicon_names, lexicons_field
from voxray_runtime.spec.storage import S3OutputSpec, WithS3Output, check_output_location
from voxray_runtime.spec.voicemodel import AuditKeySecretRef

AudioFormat = Literal["mp3", "wav", "flac", "opus"]
#: MP3 bitrates (kbps) valid for speech at 16-24 kHz (MPEG-2 layer III stops at 160 kbps)
MP3_BITRATES: tuple[int, ...] = (32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
#: ``{avatar}`` is ``{gender}_{locale}`` for the 18 built-in avatars and a custom avatar's own name
DEFAULT_TEMPLATE = "post_{index:02d}_{avatar}.{ext}"


class BatchItem(SpecModel):
    """One text to render, with its translations keyed by language (en, ar, es, hi, ur)."""

    index: int = Field(ge=0, le=10_000_000)
    id: str | None = Field(default=None, max_length=200)
    texts: dict[str, str] = Field(min_length=1)
    #: ``ssml``: every text is an SSML document (``<speak>...</speak>``), parsed safely as /v1/speech does;
    #: absent or ``text``: plain text (absent keeps the spec's hash of batches written before)
    text_type: Literal["text", "ssml"] | None = None

    @model_serializer(mode="wrap")
    def _absent_text_type(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """An absent textType stays absent in every dump (the operator's spec hash included)."""
        data: dict[str, Any] = handler(self)
        if self.text_type is None:
            data.pop("textType", None)
            data.pop("text_type", None)
        return data


class ConfigMapRef(SpecModel):
    name: str = Field(min_length=1, max_length=253)
    #: key holding the JSON Lines data
    key: str = Field(default="posts.jsonl", min_length=1, max_length=253)


class InputSpec(SpecModel):
    """Exactly one of: inline items, a JSON Lines file, a ConfigMap (cluster only)."""

    items: list[BatchItem] | None = Field(default=None, max_length=100_000)
    #: JSON Lines file (one item per line); ``packaged:hospitality`` names the bundled 100 posts
    file: str | None = Field(default=None, max_length=1024)
    config_map: ConfigMapRef | None = None
    #: keep only the first N items (after ordering by index)
    limit: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_source(self) -> InputSpec:
        given = [
            n for n, v in (("items", self.items), ("file", self.file), ("configMap", self.config_map)) if v
        ]
        if len(given) != 1:
            raise ValueError(
                "input needs exactly one of items, file, configMap"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class VariantsSpec(SpecModel):
    """Which voices to render: explicit avatars, all 18, or languages/dialects x genders."""

    all: bool = False
    avatars: list[str] | None = Field(default=None, max_length=18)
    languages: list[str] | None = Field(default=None, max_length=5)
    dialects: list[str] | None = Field(default=None, max_length=6)
    genders: list[Literal["female", "male"]] | None = Field(default=None, max_length=2)


class LoudnessSpec(SpecModel):
    """Every file normalised to a target integrated loudness (ITU-R BS.1770 / EBU R128) under a true-peak
    ceiling; ``enabled: false`` keeps each engine's own level."""

    enabled: bool = True
    target_lufs: float = Field(default=-16.0, ge=-40.0, le=-5.0)
    true_peak_dbtp: float = Field(default=-1.0, ge=-12.0, le=0.0)


class BatchOutputSpec(WithS3Output):
    #: directory (local), path inside the output volume (cluster), or s3://bucket/prefix
    path: str = Field(default="audio-output", min_length=1, max_length=1024)
    #: the object store of an s3:// path: endpoint, region, credentials Secret
    s3: S3OutputSpec | None = None
    #: PVC that receives the files on a cluster
    volume_claim: str | None = Field(default=None, max_length=253)
    file_name_template: str = Field(default=DEFAULT_TEMPLATE, min_length=5, max_length=255)
    format: AudioFormat = "mp3"
    bitrate_kbps: int = 64
    manifest: str = Field(default="manifest.jsonl", min_length=1, max_length=255)
    #: caption files beside each audio file, same stem (``post_01_female_en-US.srt``)
    captions: list[Literal["srt", "vtt"]] = Field(default_factory=list, max_length=2)
    loudness: LoudnessSpec = Field(default_factory=LoudnessSpec)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        from voxray_runtime.storage.location import check_location

        return check_location(value, "")

    @model_validator(mode="after")
    def _check(self) -> BatchOutputSpec:
        check_output_location(self.path, self.s3, self.volume_claim)
        if self.format == "mp3" and self.bitrate_kbps not in MP3_BITRATES:
            raise ValueError(
                f"output.bitrateKbps {self.bitrate_kbps} is not an MP3 bitrate; use one of "
                + ", ".join(map(str, MP3_BITRATES))
            )
        if self.format == "opus" and not 6 <= self.bitrate_kbps <= 256:
            raise ValueError("output.bitrateKbps for opus must lie in 6..256")
        return self


class QualitySpec(SpecModel):
    """Every rendered file transcribed back by a speech recogniser and compared with its text (character
    error rate). A file over its language's bound is rendered once more, then reported as failed-quality
    with its transcript; languages or voices the recogniser reads unreliably are marked unchecked."""

    check: bool = True
    checker: Literal["whisper-base"] = "whisper-base"
    #: per-language CER bounds replacing the measured defaults (``batch/quality.py``), e.g. ``{en: 0.2}``
    bounds: dict[str, float] = Field(default_factory=dict, max_length=16)

    @field_validator("bounds")
    @classmethod
    def _bounds(cls, value: dict[str, float]) -> dict[str, float]:
        for lang, bound in value.items():
            if not 2 <= len(lang) <= 8 or not lang.replace("-", "").isalpha():
                raise ValueError(f"quality.bounds: {lang!r} is not a language code")
            if not 0 < bound <= 2:
                raise ValueError(f"quality.bounds.{lang}: a CER bound lies in (0, 2], got {bound}")
        return value


class RetrySpec(SpecModel):
    max_attempts: int = Field(default=3, ge=1, le=20)
    backoff_seconds: float = Field(default=1.0, ge=0, le=600)


class RunOnSpec(SpecModel):
    """Cluster only: run on an existing VoiceModel's Ray cluster, or on a dedicated one."""

    voice_model: str | None = Field(default=None, max_length=253)
    dedicated: bool = False
    #: worker replicas of a dedicated cluster
    workers: int = Field(default=1, ge=0, le=100)
    image: str | None = Field(default=None, max_length=512)

    @model_validator(mode="after")
    def _check(self) -> RunOnSpec:
        if self.voice_model and self.dedicated:
            raise ValueError("runOn: give voiceModel or dedicated, not both")
        return self


class RetentionSpec(SpecModel):
    #: delete the RayJob (and a dedicated cluster) this many seconds after it finishes
    ttl_seconds_after_finished: int = Field(default=86400, ge=0, le=31_536_000)


class BatchAuditSpec(SpecModel):
    """Cluster only: the key of the text hashes in the batch's audit events."""

    #: the HMAC key Secret mounted for the driver; absent: the audit key of the first VoiceModel the batch
    #: uses (on ``runOn.voiceModel``: that VoiceModel's), else a random key per run
    hmac_key_secret_ref: AuditKeySecretRef | None = None


class GenerateSpec(SpecModel):
    """Texts written by a TextModel before speech starts (kept in ``posts.jsonl`` beside the audio)."""

    #: the TextModel that writes the posts (its name, or servedModelName); empty: the packaged one
    text_model: str | None = Field(default=None, min_length=1, max_length=253)
    #: what to write about: the content team's brief
    brief: str = Field(min_length=1, max_length=4000)
    #: posts to write
    count: int = Field(default=1, ge=1, le=1000)
    #: language the posts are written in; the others of ``languages`` are translations of them
    source_language: str = Field(default="en", min_length=2, max_length=8)
    #: languages each post is given in (translated from sourceLanguage); default: the source only
    languages: list[str] = Field(default_factory=list, max_length=5)
    #: sampling seed: the same brief, model and seed write the same posts
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    temperature: float = Field(default=0.7, ge=0, le=2)
    #: tokens per post (and per translation)
    max_tokens: int = Field(default=160, ge=16, le=4096)


class SpeechBatchSpec(SpecModel):
    #: VoiceModels whose voices render the batch; empty means voxray's bundled defaults
    voice_models: list[str] = Field(default_factory=list, max_length=16)
    #: the texts to speak; give input or generate, not both
    input: InputSpec | None = None
    #: texts written by a TextModel first (brief, count, languages, seed)
    generate: GenerateSpec | None = None
    variants: VariantsSpec
    output: BatchOutputSpec = BatchOutputSpec()
    #: parallel synthesis workers; default: as many as the utilisation ceiling allows
    concurrency: int | None = Field(default=None, ge=1, le=1024)
    #: keep measured worker utilisation under this fraction of the CPUs/GPUs given to the batch
    utilization_ceiling: float = Field(default=0.8, gt=0, le=1)
    speed: float = Field(default=1.0, ge=0.25, le=4.0)
    #: every file transcribed back and compared with its text (on by default)
    quality: QualitySpec = QualitySpec()
    retries: RetrySpec = RetrySpec()
    run_on: RunOnSpec = RunOnSpec()
    retention: RetentionSpec = RetentionSpec()
    #: cluster only: which audit HMAC key the driver hashes texts with (so they match the API's)
    audit: BatchAuditSpec = BatchAuditSpec()
    #: cluster only: what KubeRay deletes when the job ends (RayJob deletionRules), on a dedicated cluster
    deletion: DeletionSpec | None = None
    #: cluster only: the Kueue LocalQueue of the RayJob (label ``kueue.x-k8s.io/queue-name``); the RayJob is
    #: created suspended and starts when Kueue admits it (dedicated cluster only)
    queue_name: str | None = Field(default=None, min_length=1, max_length=63, pattern=LABEL_NAME)
    #: cluster only: the Kueue WorkloadPriorityClass (label ``kueue.x-k8s.io/priority-class``), with queueName
    workload_priority_class: str | None = Field(default=None, min_length=1, max_length=63, pattern=LABEL_NAME)
    #: Lexicons (pronunciation entries) applied to every text; where two have an entry of the same text, the
    #: one listed first wins. Locally: Lexicon documents in the same file (or a -f file beside it)
    lexicons: list[LexiconName] = lexicons_field()

    @model_validator(mode="after")
    def _one_source(self) -> SpeechBatchSpec:
        check_lexicon_names(self.lexicons)
        if (self.input is None) == (self.generate is None):
            raise ValueError(
                "give exactly one of input (texts to speak) and generate (texts a TextModel writes)"
            )
        if self.workload_priority_class and not self.queue_name:
            raise ValueError("workloadPriorityClass needs queueName (it is a Kueue priority)")
        return self
