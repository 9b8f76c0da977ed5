"""VoiceModel: a TTS model to serve (an engine, its weights, quantization, the avatars it speaks)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from voxray_runtime.spec.common import SpecModel
from voxray_runtime.spec.kuberay import UpgradeSpec
from voxray_runtime.spec.lexicon import LexiconName, check_lexicon_names, lexicons_field
from voxray_runtime.spec.storage import S3OutputSpec, WithS3Output, check_output_location
from voxray_runtime.voices.avatars import ALL_AVATARS, DIALECTS
from voxray_runtime.voices.blend import KOKORO_PACKAGED_VOICES
from voxray_runtime.voices.catalog import OPENAI_VOICE_ALIASES

Engine = Literal["kokoro", "piper", "espeak", "vits"]
Quantization = Literal["none", "int8", "fp16", "bf16"]

#: Quantizations each engine can run. Kokoro's packaged weights are an int8 ONNX graph already.
ENGINE_QUANTIZATIONS: dict[str, tuple[str, ...]] = {
    "kokoro": ("int8",),
    "piper": ("none", "int8"),
    "espeak": ("none",),
    "vits": ("none", "int8", "fp16", "bf16"),
}
DEFAULT_QUANTIZATION: dict[str, str] = {"kokoro": "int8", "piper": "none", "espeak": "none", "vits": "none"}


class WeightsSpec(SpecModel):
    """Where the weights come from: the packaged ones, a Hugging Face repo, a PVC, or a local path."""

    source: Literal["packaged", "huggingface", "pvc", "path"] = "packaged"
    #: Hugging Face repo id (``facebook/mms-tts-urd-script_arabic``) when source is huggingface
    repo: str | None = Field(default=None, max_length=200)
    #: git revision (commit, tag or branch) of the repo; pin a commit in production
    revision: str | None = Field(default=None, max_length=100)
    #: PVC name when source is pvc (mounted read-only at /models)
    claim_name: str | None = Field(default=None, max_length=253)
    #: file or folder: inside the PVC for source pvc, on disk for source path
    path: str | None = Field(default=None, max_length=1024)

    @model_validator(mode="after")
    def _check(self) -> WeightsSpec:
        if self.source == "huggingface" and not self.repo:
            raise ValueError("weights.repo is required when weights.source is huggingface")
        if self.source == "pvc" and not (self.claim_name and self.path):
            raise ValueError("weights.claimName and weights.path are required when weights.source is pvc")
        if self.source == "path" and not self.path:
            raise ValueError("weights.path is required when weights.source is path")
        return self


class VoiceEntry(SpecModel):
    """One avatar this model serves, optionally with an explicit engine speaker."""

    avatar: str = Field(min_length=3, max_length=32)
    #: engine speaker (Kokoro style name, espeak voice+variant, Piper voice); default from the catalog
    speaker: str | None = Field(default=None, max_length=128)
    #: engine language code (phonemizer language); default from the catalog
    engine_language: str | None = Field(default=None, max_length=16)
    #: declare this binding an approximation, with the reason shown to users
    fallback: str | None = Field(default=None, max_length=300)


#: a custom avatar's name: letters, digits, "_" and "-" (matched case-insensitively, like built-in names)
AVATAR_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$"


class CustomAvatar(SpecModel):
    """A brand voice: a named avatar speaking a locale with a blend of the engine's voices (Kokoro styles)."""

    name: str = Field(pattern=AVATAR_NAME, max_length=63)
    language: Literal["en", "ar", "es", "hi", "ur"]
    #: the locale's dialect where the language has them (en-US, en-GB, en-AU, ar-SA, ar-EG, ar-AE)
    dialect: str | None = Field(default=None, max_length=8)
    gender: Literal["female", "male"]
    #: engine voice -> weight (> 0; normalised to sum 1), at most 8 voices
    blend: dict[str, float] = Field(min_length=1, max_length=8)

    @model_validator(mode="after")
    def _check(self) -> CustomAvatar:
        dialects = DIALECTS[self.language]
        if self.dialect is not None and self.dialect not in dialects:
            known = ", ".join(dialects) or "none (the language has one locale)"
            raise ValueError(f"avatar {self.name}: dialect {self.dialect!r} is not one of {known}")
        bad = [f"{v} ({w:g})" for v, w in self.blend.items() if not w > 0]
        if bad:
            raise ValueError(f"avatar {self.name}: blend weights must be > 0: {', '.join(bad)}")
        return self

    @property
    def locale(self) -> str:
        return self.dialect or (DIALECTS[self.language] or (self.language,))[0]


def _check_avatars(spec: VoiceModelSpec) -> None:
    """Names unique and clear of built-in avatars, OpenAI voice names and engine voices; voices known."""
    if spec.avatars and spec.engine != "kokoro":
        raise ValueError(f"avatars (voice blends) need engine kokoro, not {spec.engine}")
    taken = {a.name.lower(): "a built-in avatar" for a in ALL_AVATARS}
    taken.update({n: "an OpenAI voice name" for n in OPENAI_VOICE_ALIASES})
    taken.update({v: "a Kokoro voice" for v in KOKORO_PACKAGED_VOICES})
    for i, a in enumerate(spec.avatars):
        key = a.name.lower()
        if key in taken:
            raise ValueError(f"avatars[{i}].name {a.name!r} is already {taken[key]}; choose another name")
        taken[key] = f"the name of avatars[{i}] (names are matched case-insensitively)"
        if spec.weights.source == "packaged":
            unknown = sorted(set(a.blend) - KOKORO_PACKAGED_VOICES)
            if unknown:
                raise ValueError(
                    f"avatars[{i}] ({a.name}): no Kokoro voice {', '.join(unknown)}; voices: "
                    + ", ".join(sorted(KOKORO_PACKAGED_VOICES))
                )


class ReplicasSpec(SpecModel):
    min: int = Field(default=1, ge=0, le=100)
    max: int = Field(default=1, ge=1, le=100)
    #: replicas at creation; the autoscaler owns the number afterwards
    initial: int | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _check(self) -> ReplicasSpec:
        if self.min > self.max:
            raise ValueError(f"replicas.min ({self.min}) must not exceed replicas.max ({self.max})")
        if self.initial is not None and not self.min <= self.initial <= self.max:
            raise ValueError("replicas.initial must lie within replicas.min..replicas.max")
        return self


class ResourcesSpec(SpecModel):
    #: whole GPUs per model replica (0 for CPU-only)
    gpu: int = Field(default=0, ge=0, le=8)
    #: a GPU fraction per replica for small models (Ray's num_gpus); overrides gpu when set
    gpu_fraction: float | None = Field(default=None, gt=0, le=1)
    #: CPUs per model replica (Ray num_cpus)
    cpu: float = Field(default=1.0, gt=0, le=64)
    #: memory request/limit for each worker pod, Kubernetes quantity
    memory: str = Field(default="4Gi", pattern=r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")
    #: GPU node type label value for the worker group (nvidia.com/gpu.product), optional
    accelerator: str | None = Field(default=None, max_length=100)


class AutoscalingSpec(SpecModel):
    enabled: bool = False
    #: dcgm: DCGM_FI_DEV_GPU_UTIL from the NVIDIA exporter; ray: ray_node_gpus_utilization
    metric: Literal["dcgm", "ray"] = "dcgm"
    #: target GPU utilisation, kept at or under 0.8
    target_utilization: float = Field(default=0.8, gt=0, le=0.8)
    #: relative deviation from target inside which nothing changes (HPA's tolerance)
    tolerance: float = Field(default=0.1, ge=0, le=0.5)
    scale_up_stabilization_seconds: int = Field(default=60, ge=0, le=3600)
    scale_down_stabilization_seconds: int = Field(default=300, ge=0, le=3600)
    #: most replicas added / removed in one decision
    max_scale_up_step: int = Field(default=4, ge=1, le=100)
    max_scale_down_step: int = Field(default=1, ge=1, le=100)
    #: seconds between evaluations
    interval_seconds: int = Field(default=30, ge=5, le=600)


class ServingSpec(SpecModel):
    #: Serve max_ongoing_requests per model replica (>= maxBatchSize x concurrent batches)
    max_ongoing_requests: int = Field(default=32, ge=1, le=1024)
    #: dynamic batching: requests combined per engine call where the engine gains from it
    max_batch_size: int = Field(default=8, ge=1, le=64)
    batch_wait_timeout_s: float = Field(default=0.01, ge=0, le=1)
    #: engine threads per replica (on CPU, Kokoro and Piper run them as one-thread sessions side by side);
    #: default derives from the CPUs given to the replica
    threads: int | None = Field(default=None, ge=1, le=64)
    #: longest text accepted per request, in characters
    max_text_chars: int = Field(default=5000, ge=1, le=100000)
    #: an int8 graph's convolutions on CPU: ``auto`` runs Kokoro's as int8 GEMMs (VNNI/AMX) where the CPU
    #: has exact int8 dot products and a load-time check finds the audio unchanged bit for bit;
    #: ``onnxruntime`` keeps the graph's own ConvInteger kernels
    int8_kernels: Literal["auto", "onnxruntime"] = "auto"


class OutputSpec(WithS3Output):
    #: PVC for stored audio (store=true and batches); local runs use path directly
    volume_claim: str | None = Field(default=None, max_length=253)
    #: a path (in the volume) or s3://bucket/prefix; any other scheme is invalid
    path: str = Field(default="/data/audio", min_length=1, max_length=1024)
    #: the object store of an s3:// path: endpoint, region, credentials Secret
    s3: S3OutputSpec | None = None

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        from voxray_runtime.storage.location import check_location

        return check_location(value, "")

    @model_validator(mode="after")
    def _check(self) -> OutputSpec:
        check_output_location(self.path, self.s3, self.volume_claim)
        return self


#: a Secret name (DNS-1123 subdomain) and a key inside it
SECRET_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
SECRET_KEY = r"^[-._a-zA-Z0-9]+$"
#: a browser origin: scheme, host and optional port, no path and no wildcard
Origin = Annotated[str, StringConstraints(max_length=256, pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")]


class ApiKeysSecretRef(SpecModel):
    """A Secret holding an API keys file (``{keys: [{id, key | sha256, models, scopes}]}``)."""

    name: str = Field(min_length=1, max_length=253, pattern=SECRET_NAME)
    #: the key inside the Secret holding the file
    key: str = Field(default="keys.yaml", min_length=1, max_length=253, pattern=SECRET_KEY)


class AuditKeySecretRef(SpecModel):
    """A Secret holding the audit HMAC key (at least 16 bytes)."""

    name: str = Field(min_length=1, max_length=253, pattern=SECRET_NAME)
    #: the key inside the Secret holding the HMAC key
    key: str = Field(default="hmac-key", min_length=1, max_length=253, pattern=SECRET_KEY)


class ApiKeysSpec(SpecModel):
    #: the Secret holding the keys; absent (and no oidc): the operator generates ``<name>-api-keys``
    secret_ref: ApiKeysSecretRef


class OidcSpec(SpecModel):
    """JWT bearer tokens from an OpenID Connect issuer (signature, iss, aud and exp checked)."""

    #: the issuer URL, exactly as the tokens' ``iss`` claim has it
    issuer: str = Field(min_length=9, max_length=2048, pattern=r"^https://\S+$")
    #: the audience (``aud``) the tokens must carry
    audience: str = Field(min_length=1, max_length=2048)
    #: where the signing keys are fetched; default: the issuer's discovery document
    jwks_url: str | None = Field(default=None, max_length=2048, pattern=r"^https://\S+$")


class RateLimitSpec(SpecModel):
    """Per caller (API key id or token subject) and per ingress replica; absent: the runtime's defaults."""

    #: requests per minute (600 when unset)
    requests_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    #: requests in flight at once (16 when unset)
    max_concurrent: int | None = Field(default=None, ge=1, le=10_000)


class RequestLimitsSpec(SpecModel):
    #: longest text accepted, in characters; unset: serving.maxTextChars
    max_text_chars: int | None = Field(default=None, ge=1, le=100_000)
    #: largest request body, in bytes (64 KiB when unset)
    max_body_bytes: int | None = Field(default=None, ge=1024, le=16 * 1024 * 1024)


class CorsSpec(SpecModel):
    #: origins allowed to call the API from a browser (``https://app.example.com``); empty: CORS off
    allow_origins: list[Origin] = Field(default_factory=list, max_length=64)


class AuditSpec(SpecModel):
    #: the HMAC key for text fingerprints in audit events; absent: the operator generates ``<name>-audit-key``
    hmac_key_secret_ref: AuditKeySecretRef | None = None


class RetentionSpec(SpecModel):
    #: stored audio (store=true) older than this many seconds is deleted; absent: kept
    ttl_seconds: int | None = Field(default=None, ge=60, le=10 * 365 * 86400)


class SecuritySpec(SpecModel):
    """Access control, abuse limits, audit and retention of the model's API."""

    #: Required (the default): every request needs an API key or a token; Disabled must be written out
    auth: Literal["Required", "Disabled"] = "Required"
    #: API keys from a Secret holding a keys file; absent (and no oidc): a generated ``<name>-api-keys``
    api_keys: ApiKeysSpec | None = None
    #: JWT bearer tokens from an OpenID Connect issuer (alone or beside API keys)
    oidc: OidcSpec | None = None
    #: per-caller request rate and concurrency
    rate_limit: RateLimitSpec = RateLimitSpec()
    #: request text and body size
    limits: RequestLimitsSpec = RequestLimitsSpec()
    #: browser origins allowed to call the API
    cors: CorsSpec = CorsSpec()
    #: the key of the text fingerprints in audit events
    audit: AuditSpec = AuditSpec()
    #: log the texts themselves (off: audit events carry their length and keyed hash only)
    log_text: bool = False
    #: how long stored audio is kept
    retention: RetentionSpec = RetentionSpec()

    @model_validator(mode="after")
    def _check(self) -> SecuritySpec:
        if self.auth == "Disabled" and (self.api_keys is not None or self.oidc is not None):
            raise ValueError("auth is Disabled: remove apiKeys and oidc, or set auth to Required")
        return self


class VoiceModelSpec(SpecModel):
    engine: Engine
    weights: WeightsSpec = WeightsSpec()
    quantization: Quantization | None = None
    #: avatars served; empty means every avatar the engine's catalog binds
    voices: list[VoiceEntry] = Field(default_factory=list, max_length=64)
    #: language of a single-language checkpoint (vits/MMS), e.g. ur
    language: str | None = Field(default=None, max_length=8)
    replicas: ReplicasSpec = ReplicasSpec()
    resources: ResourcesSpec = ResourcesSpec()
    autoscaling: AutoscalingSpec = AutoscalingSpec()
    serving: ServingSpec = ServingSpec()
    output: OutputSpec = OutputSpec()
    #: runtime image for the Ray head and workers; the operator's default when unset
    image: str | None = Field(default=None, max_length=512)
    #: API authentication, limits, CORS, audit and retention (authentication is on by default)
    security: SecuritySpec = SecuritySpec()
    #: cluster only: how KubeRay rolls out a change of the model's Ray cluster (RayService upgradeStrategy)
    upgrade: UpgradeSpec | None = None
    #: brand voices beside the built-in avatars: named blends of the engine's voices (engine kokoro)
    avatars: list[CustomAvatar] = Field(default_factory=list, max_length=64)
    #: Lexicons (pronunciation entries) applied to every request; where two have an entry of the same text,
    #: the one listed first wins; a request's own ``pronunciations`` win over all of them
    lexicons: list[LexiconName] = lexicons_field()

    @model_validator(mode="after")
    def _check(self) -> VoiceModelSpec:
        check_lexicon_names(self.lexicons)
        q = self.effective_quantization
        if q not in ENGINE_QUANTIZATIONS[self.engine]:
            allowed = ", ".join(ENGINE_QUANTIZATIONS[self.engine])
            raise ValueError(
                f"quantization {q!r} is not available for engine {self.engine} (allowed: {allowed})"
            )
        if self.engine == "vits" and not self.voices:
            raise ValueError("voices is required for engine vits: name the avatars the checkpoint speaks")
        if self.autoscaling.enabled and self.replicas.max < 1:
            raise ValueError("autoscaling needs replicas.max >= 1")
        _check_avatars(self)
        return self

    @property
    def effective_quantization(self) -> str:
        return self.quantization or DEFAULT_QUANTIZATION[self.engine]
