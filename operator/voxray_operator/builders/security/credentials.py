"""PURE: a served model's ``spec.security`` -> the Secrets it uses, the app's SecurityArgs, the volumes.

Credentials (decided from the spec alone, so that every reconcile agrees):

- API keys: the Secret of ``spec.security.apiKeys.secretRef``; else, when auth is Required and no OIDC
  issuer is given, the Secret ``<voicemodel>-api-keys`` that the operator generates once. OIDC only: no
  keys file. Auth Disabled: nothing.
- Audit HMAC key: the Secret of ``spec.security.audit.hmacKeySecretRef``; else the generated
  ``<voicemodel>-audit-key``, so that text fingerprints match across replicas and restarts.

Two generated Secrets rather than one: the API keys are rotated by hand, the audit key should not be
(fingerprints made before and after would no longer match), and a referenced API keys Secret does not
make a Secret named ``-api-keys`` that holds only an audit key.

Secrets are mounted read-only, mode 0400 (the pods' fsGroup gives their group read access, as the kubelet
does for Secret volumes with an fsGroup), each with only the one data key the runtime reads.

Rotation: the runtime reads the keys file when a replica starts. The annotation
``voxray.io/credentials-revision`` on the VoiceModel is copied into the ingress deployment's
``runtime_env`` (``VOXRAY_CREDENTIALS_REVISION``); changing it makes Serve replace the ingress replicas in
place (no new Ray cluster, no restart of the model replicas), and the new ones read the updated file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from voxray_operator.builders.common import child_name
from voxray_runtime.security.config import (
    API_KEYS_FILE,
    API_KEYS_MOUNT,
    AUDIT_KEY_FILE,
    AUDIT_KEY_MOUNT,
    OidcArgs,
    SecurityArgs,
)
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

#: the kinds with a spec.security block: their pods serve an API
SecuredSpec = VoiceModelSpec | TextModelSpec | TranscriptionModelSpec

#: names of the generated Secrets: ``<voicemodel>-api-keys`` and ``<voicemodel>-audit-key``
API_KEYS_SUFFIX = "api-keys"
AUDIT_KEY_SUFFIX = "audit-key"
#: Secret files in Ray pods: owner read only (0400)
SECRET_MODE = 0o400
MAX_SECRET_NAME = 253
#: VoiceModel annotation whose change restarts the ingress replicas (they re-read the mounted Secrets)
CREDENTIALS_REVISION_ANNOTATION = "voxray.io/credentials-revision"
CREDENTIALS_REVISION_ENV = "VOXRAY_CREDENTIALS_REVISION"
#: the most SecurityArgs.max_text_chars takes
MAX_TEXT_CHARS = 100_000


@dataclass(frozen=True)
class SecretUse:
    """One Secret a VoiceModel's pods mount: its name, the data key used, and whether voxray makes it."""

    name: str
    key: str
    generated: bool


@dataclass(frozen=True)
class CredentialPlan:
    auth: str
    api_keys: SecretUse | None
    audit_key: SecretUse
    oidc_issuer: str | None

    @property
    def secrets(self) -> list[SecretUse]:
        return [s for s in (self.api_keys, self.audit_key) if s is not None]


def api_keys_secret_name(voicemodel: str) -> str:
    return child_name(voicemodel, API_KEYS_SUFFIX, MAX_SECRET_NAME)


def audit_key_secret_name(voicemodel: str) -> str:
    return child_name(voicemodel, AUDIT_KEY_SUFFIX, MAX_SECRET_NAME)


def credentials_revision(voicemodel: Mapping[str, object]) -> str | None:
    """The ``voxray.io/credentials-revision`` annotation of a VoiceModel body, if set and not empty."""
    meta = voicemodel.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    value = annotations.get(CREDENTIALS_REVISION_ANNOTATION) if isinstance(annotations, Mapping) else None
    return str(value)[:256] if value else None


def credential_plan(name: str, spec: SecuredSpec) -> CredentialPlan:
    """Which Secrets VoiceModel ``name`` uses, referenced or generated (see the module docstring)."""
    sec = spec.security
    api_keys: SecretUse | None = None
    if sec.api_keys is not None:
        ref = sec.api_keys.secret_ref
        api_keys = SecretUse(ref.name, ref.key, generated=False)
    elif sec.auth == "Required" and sec.oidc is None:
        api_keys = SecretUse(api_keys_secret_name(name), API_KEYS_FILE, generated=True)
    audit_ref = sec.audit.hmac_key_secret_ref
    audit = (
        SecretUse(audit_ref.name, audit_ref.key, generated=False)
        if audit_ref is not None
        else SecretUse(audit_key_secret_name(name), AUDIT_KEY_FILE, generated=True)
    )
    return CredentialPlan(
        auth=sec.auth,
        api_keys=api_keys,
        audit_key=audit,
        oidc_issuer=sec.oidc.issuer if sec.oidc is not None else None,
    )


def own_text_limit(spec: SecuredSpec) -> int:
    """The model's own text limit: a VoiceModel's ``serving.maxTextChars``, a TextModel's
    ``serving.maxPromptChars`` (within what the app's security settings take); a TranscriptionModel reads
    no text but its prompt, which Whisper caps itself: the app's default."""
    if isinstance(spec, TextModelSpec):
        return min(spec.serving.max_prompt_chars, MAX_TEXT_CHARS)
    if isinstance(spec, TranscriptionModelSpec):
        return MAX_TEXT_CHARS
    return spec.serving.max_text_chars


def security_args(name: str, spec: SecuredSpec) -> SecurityArgs:
    """The Serve app's security settings of VoiceModel / TextModel ``name`` (files where
    :func:`secret_volumes` mounts).

    Unset limits are left to the runtime's defaults, except the text limit, which falls back to the
    model's own (:func:`own_text_limit`) so that nothing changes for existing VoiceModels.
    """
    sec = spec.security
    plan = credential_plan(name, spec)
    args: dict[str, Any] = {
        "auth": "required" if sec.auth == "Required" else "disabled",
        "max_text_chars": sec.limits.max_text_chars or own_text_limit(spec),
        "audit_hmac_key_file": f"{AUDIT_KEY_MOUNT}/{AUDIT_KEY_FILE}",
        "log_text": sec.log_text,
    }
    if plan.api_keys is not None:
        args["api_keys_file"] = f"{API_KEYS_MOUNT}/{API_KEYS_FILE}"
    if sec.oidc is not None:
        oidc: dict[str, Any] = {"issuer": sec.oidc.issuer, "audience": sec.oidc.audience}
        if sec.oidc.jwks_url:
            oidc["jwks_url"] = sec.oidc.jwks_url
        args["oidc"] = OidcArgs.model_validate(oidc)
    optional = {
        "requests_per_minute": sec.rate_limit.requests_per_minute,
        "max_concurrent": sec.rate_limit.max_concurrent,
        "max_body_bytes": sec.limits.max_body_bytes,
        "retention_seconds": sec.retention.ttl_seconds,
    }
    args.update({k: v for k, v in optional.items() if v is not None})
    if sec.cors.allow_origins:
        args["cors_allow_origins"] = list(sec.cors.allow_origins)
    return SecurityArgs.model_validate(args)


def secret_volumes(plan: CredentialPlan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(volumes, mounts): each Secret read-only, mode 0400, only the one data key the runtime reads."""
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    for volume, use, mount, file in (
        ("api-keys", plan.api_keys, API_KEYS_MOUNT, API_KEYS_FILE),
        ("audit-key", plan.audit_key, AUDIT_KEY_MOUNT, AUDIT_KEY_FILE),
    ):
        if use is None:
            continue
        vol, mnt = secret_volume(volume, use, mount, file)
        volumes.append(vol)
        mounts.append(mnt)
    return volumes, mounts


def secret_volume(
    volume: str, use: SecretUse, mount: str, file: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(volume, mount) of one Secret: read-only, mode 0400, only data key ``use.key``, as ``file``."""
    return (
        {
            "name": volume,
            "secret": {
                "secretName": use.name,
                "defaultMode": SECRET_MODE,
                "items": [{"key": use.key, "path": file}],
            },
        },
        {"name": volume, "mountPath": mount, "readOnly": True},
    )
