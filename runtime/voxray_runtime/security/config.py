"""Security settings of the Serve app: what ``AppArgs.security`` holds.

Light on purpose (pydantic only): the operator builds these from a VoiceModel's ``spec.security`` and the
runtime enforces them. camelCase on the wire like every spec model.

- ``auth``: ``required`` (the default: a RayService listens beyond loopback) or ``disabled`` (a local
  developer run on loopback only; ``voxray serve`` logs a warning).
- API keys come from a file (a mounted Kubernetes Secret): see :class:`ApiKeyFile`. Keys are hashed on load
  (SHA-256) and compared as hashes in constant time; the plain key is never kept.
- ``oidc``: optional JWT bearer validation against an issuer's JWKS.
- Limits apply per caller (API key id or token subject) and per ingress replica.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from voxray_runtime.spec.common import SpecModel

#: the mount path of the API keys Secret in the operator's pods, and the file name in it
API_KEYS_MOUNT = "/etc/voxray/api-keys"
API_KEYS_FILE = "keys.yaml"
#: the mount path of the audit HMAC key Secret, and the file name in it
AUDIT_KEY_MOUNT = "/etc/voxray/audit-key"
AUDIT_KEY_FILE = "hmac-key"

#: permission names a key or token may carry
Scope = Literal["speech", "store"]
#: JWT signature algorithms accepted (asymmetric only: a shared secret would sit in every replica)
Algorithm = Literal["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


def _speech_only() -> list[Scope]:
    return ["speech"]


def _default_algorithms() -> list[Algorithm]:
    return ["RS256", "ES256"]


class ApiKey(SpecModel):
    """One entry of the API keys file. Exactly one of ``key`` (plain, hashed on load) or ``sha256``."""

    #: shown in logs, audit events and metrics instead of the key
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    key: str | None = Field(default=None, min_length=16, max_length=512)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    #: VoiceModel names this key may use; ``*`` for all
    models: list[str] = Field(default_factory=lambda: ["*"], min_length=1, max_length=256)
    #: ``speech``: synthesize and return audio; ``store``: also write files to the output volume
    scopes: list[Scope] = Field(default_factory=_speech_only, min_length=1)
    #: per-key overrides of the defaults in :class:`SecurityArgs`
    requests_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    max_concurrent: int | None = Field(default=None, ge=1, le=10_000)

    @model_validator(mode="after")
    def _one_secret(self) -> ApiKey:
        if (self.key is None) == (self.sha256 is None):
            raise ValueError("give exactly one of key or sha256")
        return self


class ApiKeyFile(SpecModel):
    """The API keys file (YAML or JSON): ``{"keys": [ApiKey, ...]}``."""

    keys: list[ApiKey] = Field(min_length=1, max_length=10_000)


class OidcArgs(SpecModel):
    """JWT bearer tokens: signature checked against the issuer's JWKS, ``iss``, ``aud``, ``exp`` required."""

    issuer: str = Field(min_length=1, max_length=2048)
    audience: str = Field(min_length=1, max_length=2048)
    #: where the JWKS is fetched (default: the issuer's discovery document), or a file holding it
    jwks_url: str | None = Field(default=None, max_length=2048)
    jwks_file: str | None = Field(default=None, max_length=4096)
    algorithms: list[Algorithm] = Field(default_factory=_default_algorithms, min_length=1)
    #: claim listing the VoiceModels a token may use (absent: all); claim listing scopes (space-separated
    #: string or list; absent: ``speech``)
    models_claim: str = Field(default="voxray_models", max_length=128)
    scopes_claim: str = Field(default="scope", max_length=128)


class SecurityArgs(SpecModel):
    auth: Literal["required", "disabled"] = "required"
    api_keys_file: str | None = Field(default=None, max_length=4096)
    oidc: OidcArgs | None = None
    #: defaults per caller when a key does not set its own
    requests_per_minute: int = Field(default=600, ge=1, le=1_000_000)
    max_concurrent: int = Field(default=16, ge=1, le=10_000)
    #: request body and text limits (OpenAI's own text limit is 4096 characters)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    max_text_chars: int = Field(default=4096, ge=1, le=100_000)
    #: CORS is off unless origins are listed
    cors_allow_origins: list[str] = Field(default_factory=list, max_length=64)
    #: key for the keyed hash (HMAC-SHA256) of texts in logs and audit events; absent: a random key per
    #: process (hashes then do not match across replicas or restarts)
    audit_hmac_key_file: str | None = Field(default=None, max_length=4096)
    #: log the text itself (off by default: the text to speak is personal data)
    log_text: bool = False
    #: file the audit events are appended to (JSON lines, mode 0600); absent: ``VOXRAY_AUDIT_LOG`` or stderr
    audit_log_file: str | None = Field(default=None, max_length=4096)
    #: stored audio (store=true) older than this is deleted; absent: kept
    retention_seconds: int | None = Field(default=None, ge=60, le=10 * 365 * 86400)

    @model_validator(mode="after")
    def _credentials(self) -> SecurityArgs:
        if self.auth == "required" and self.api_keys_file is None and self.oidc is None:
            raise ValueError(
                "auth is required but no credentials are configured: give api_keys_file or oidc, "
                "or set auth to disabled (loopback development only)"
            )
        return self
