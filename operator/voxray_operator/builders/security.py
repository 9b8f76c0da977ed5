"""PURE: a VoiceModel's ``spec.security`` -> the Serve app's SecurityArgs, the Secret volumes, the Secrets.

Credentials (decided from the spec alone, so that every reconcile agrees):

- API keys: the Secret of ``spec.security.apiKeys.secretRef``; else, when auth is Required and no OIDC
  issuer is given, the Secret ``<voicemodel>-api-keys`` that the operator generates once. OIDC only: no
  keys file. Auth Disabled: nothing.
- Audit HMAC key: the Secret of ``spec.security.audit.hmacKeySecretRef``; else the generated
  ``<voicemodel>-audit-key``, so that text fingerprints match across replicas and restarts.

Two generated Secrets rather than one: the API keys are rotated by hand, the audit key should not be
(fingerprints made before and after would no longer match), and a referenced API keys Secret does not
make a Secret named ``-api-keys`` that holds only an audit key.

The generated API keys Secret holds the plain key under ``api-key`` (for the administrator to read) and
the keys file under ``keys.yaml`` with the key's SHA-256 only; the Ray pods mount ``keys.yaml`` alone, so
the plain key never reaches them. Secrets are mounted read-only, mode 0400 (the pods' fsGroup gives their
group read access, as the kubelet does for Secret volumes with an fsGroup).

Rotation: the runtime reads the keys file when a replica starts. The annotation
``voxray.io/credentials-revision`` on the VoiceModel is copied into the ingress deployment's
``runtime_env`` (``VOXRAY_CREDENTIALS_REVISION``); changing it makes Serve replace the ingress replicas in
place (no new Ray cluster, no restart of the model replicas), and the new ones read the updated file.

The random values come from the caller (the handler): these builders stay pure and table-tested.

SpeechBatch audit key (:func:`batch_audit_key`), so that a batch's text hashes match the API's:
``spec.audit.hmacKeySecretRef``; else the audit key of the first VoiceModel the batch uses (its
``hmacKeySecretRef`` or its generated ``<voicemodel>-audit-key``); else none, and the driver hashes with a
random key per run. On a dedicated cluster the RayJob mounts the Secret on the Ray head, where the driver
runs. On ``runOn.voiceModel`` nothing can be mounted: that VoiceModel's head already has its own audit key,
so that key it is, and a different ``hmacKeySecretRef`` is refused.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from voxray_operator.builders.common import child_name, common_labels, metadata
from voxray_operator.builders.errors import BuildError
from voxray_runtime.security.config import (
    API_KEYS_FILE,
    API_KEYS_MOUNT,
    AUDIT_KEY_FILE,
    AUDIT_KEY_MOUNT,
    OidcArgs,
    SecurityArgs,
)
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

#: the kinds with a spec.security block: their pods serve an API
SecuredSpec = VoiceModelSpec | TextModelSpec
ServedKind = Literal["VoiceModel", "TextModel"]

#: names of the generated Secrets: ``<voicemodel>-api-keys`` and ``<voicemodel>-audit-key``
API_KEYS_SUFFIX = "api-keys"
AUDIT_KEY_SUFFIX = "audit-key"
#: the data key of the generated Secret holding the plain API key (never mounted)
PLAIN_KEY = "api-key"
#: the id of the generated key, as audit events and logs name it
GENERATED_KEY_ID = "default"
GENERATED_SCOPES = ("speech", "store")
#: Secret files in Ray pods: owner read only (0400)
SECRET_MODE = 0o400
#: annotation on generated Secrets: says what they are and that the operator never rewrites them
GENERATED_ANNOTATION = "voxray.io/generated"
MAX_SECRET_NAME = 253
#: VoiceModel annotation whose change restarts the ingress replicas (they re-read the mounted Secrets)
CREDENTIALS_REVISION_ANNOTATION = "voxray.io/credentials-revision"
CREDENTIALS_REVISION_ENV = "VOXRAY_CREDENTIALS_REVISION"
COMPONENT = "voicemodel"
#: data key of a TextModel's API keys Secret holding the key its generating SpeechBatches send (never
#: mounted on the serving pods; its hash is in the keys file beside the administrator's key)
BATCH_KEY = "batch-api-key"
BATCH_KEY_ID = "batch"
BATCH_SCOPES = ("speech",)
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
    ``serving.maxPromptChars`` (within what the app's security settings take)."""
    if isinstance(spec, TextModelSpec):
        return min(spec.serving.max_prompt_chars, MAX_TEXT_CHARS)
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


@dataclass(frozen=True)
class BatchAuditKey:
    """The audit key of a SpeechBatch's driver (see the module docstring).

    ``secret``: the Secret holding it (None: a random key per run); ``mount``: whether the RayJob mounts it
    (a dedicated cluster) rather than finding it already on the VoiceModel's head; ``source``: where the
    choice came from, for messages.
    """

    secret: SecretUse | None
    mount: bool
    source: str

    def volumes(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(volumes, mounts) for the Ray head of a dedicated cluster; empty when nothing is mounted."""
        if self.secret is None or not self.mount:
            return [], []
        vol, mnt = secret_volume("audit-key", self.secret, AUDIT_KEY_MOUNT, AUDIT_KEY_FILE)
        return [vol], [mnt]

    def describe(self) -> str:
        """One sentence for the status and ``voxray render``; names Secrets, never a key."""
        if self.secret is None:
            return (
                "no audit key Secret to share (no spec.audit.hmacKeySecretRef and no VoiceModel): the batch "
                "hashes texts with a random key per run, so its hashes do not match the API's"
            )
        where = "mounted on the Ray head" if self.mount else "already mounted on its Ray cluster"
        return (
            f"batch audit hashes use Secret {self.secret.name} (key {self.secret.key}) from {self.source}, "
            f"{where}"
        )


def batch_audit_key(spec: SpeechBatchSpec, voice_models: Mapping[str, VoiceModelSpec]) -> BatchAuditKey:
    """Which audit HMAC key Secret the driver of a SpeechBatch uses (see the module docstring).

    ``voice_models``: the specs of the VoiceModels the batch names; one needed here and missing raises
    BuildError(retryable). A ``hmacKeySecretRef`` other than the key of ``runOn.voiceModel`` raises
    BuildError.
    """
    ref = spec.audit.hmac_key_secret_ref
    own = SecretUse(ref.name, ref.key, generated=False) if ref is not None else None
    target = spec.run_on.voice_model
    if own is not None and not target:
        return BatchAuditKey(own, mount=True, source="spec.audit.hmacKeySecretRef")
    first = target or (spec.voice_models[0] if spec.voice_models else None)
    if first is None:
        return BatchAuditKey(None, mount=False, source="")
    vm = voice_models.get(first)
    if vm is None:
        field = "spec.runOn.voiceModel" if target else "spec.voiceModels.0"
        raise BuildError(f"VoiceModel {first!r} was not found in the namespace", field=field, retryable=True)
    theirs = credential_plan(first, vm).audit_key
    if own is not None and (own.name, own.key) != (theirs.name, theirs.key):
        raise BuildError(
            f"on VoiceModel {first!r}'s cluster the driver uses that VoiceModel's audit key (Secret "
            f"{theirs.name}, key {theirs.key}), which is mounted there; leave spec.audit.hmacKeySecretRef "
            "out, set it to that Secret, or run on a dedicated cluster",
            field="spec.audit.hmacKeySecretRef",
        )
    source = "spec.audit.hmacKeySecretRef" if own is not None else f"VoiceModel {first}"
    return BatchAuditKey(theirs, mount=not target, source=source)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _sha256(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_keys_file_text(key: str, key_id: str = GENERATED_KEY_ID, *, batch_key: str | None = None) -> str:
    """The keys file of a generated Secret: the keys' SHA-256 only, never a key.

    ``batch_key``: a TextModel's key for its generating SpeechBatches (id ``batch``, scope speech only).
    """
    keys = [{"id": key_id, "sha256": _sha256(key), "models": ["*"], "scopes": list(GENERATED_SCOPES)}]
    if batch_key is not None:
        keys.append(
            {"id": BATCH_KEY_ID, "sha256": _sha256(batch_key), "models": ["*"], "scopes": list(BATCH_SCOPES)}
        )
    return yaml.safe_dump({"keys": keys}, sort_keys=False)


def _labels(kind: ServedKind, name: str) -> dict[str, str]:
    if kind == "TextModel":
        return common_labels("textmodel", textmodel=name)
    return common_labels(COMPONENT, voicemodel=name)


def _generated_secret(
    name: str,
    namespace: str,
    model: str,
    data: dict[str, bytes],
    what: str,
    owner: dict[str, Any] | None,
    kind: ServedKind = "VoiceModel",
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(
            name,
            namespace,
            _labels(kind, model),
            annotations={GENERATED_ANNOTATION: f"{what}; created once, never rewritten by the operator"},
            owner=owner,
        ),
        "type": "Opaque",
        "data": {k: _b64(v) for k, v in data.items()},
    }


def build_api_keys_secret(
    voicemodel: str,
    namespace: str,
    key: str,
    *,
    owner: dict[str, Any] | None = None,
    kind: ServedKind = "VoiceModel",
    batch_key: str | None = None,
) -> dict[str, Any]:
    """Secret ``<name>-api-keys``: ``api-key`` (the plain key) and ``keys.yaml`` (its hash).

    ``batch_key`` (TextModels): also ``batch-api-key``, the key generating SpeechBatches mount, with its
    hash in ``keys.yaml``. The serving pods mount ``keys.yaml`` alone.
    """
    if len(key) < 32 or (batch_key is not None and len(batch_key) < 32):
        raise ValueError("a generated API key must have at least 32 characters")
    data = {
        PLAIN_KEY: key.encode("utf-8"),
        API_KEYS_FILE: api_keys_file_text(key, batch_key=batch_key).encode("utf-8"),
    }
    if batch_key is not None:
        data[BATCH_KEY] = batch_key.encode("utf-8")
    return _generated_secret(
        api_keys_secret_name(voicemodel), namespace, voicemodel, data, f"API keys of the {kind}", owner, kind
    )


def build_audit_key_secret(
    voicemodel: str,
    namespace: str,
    key: bytes,
    *,
    owner: dict[str, Any] | None = None,
    kind: ServedKind = "VoiceModel",
) -> dict[str, Any]:
    """Secret ``<name>-audit-key``: ``hmac-key``, the key of text fingerprints in audit events."""
    if len(key) < 16:
        raise ValueError("an audit HMAC key must have at least 16 bytes")
    return _generated_secret(
        audit_key_secret_name(voicemodel),
        namespace,
        voicemodel,
        {AUDIT_KEY_FILE: key},
        f"audit HMAC key of the {kind}",
        owner,
        kind,
    )


def read_key_command(secret: str, namespace: str) -> str:
    """The shell command that prints the generated API key."""
    return f"kubectl -n {namespace} get secret {secret} -o jsonpath='{{.data.{PLAIN_KEY}}}' | base64 -d"


def secret_problem(secret: dict[str, Any] | None, use: SecretUse, namespace: str) -> tuple[str, str] | None:
    """(reason, message) when the Secret a VoiceModel mounts is unusable, else None. Never shows values."""
    if secret is None:
        return "SecretNotFound", f"Secret {namespace}/{use.name} was not found"
    data = {**(secret.get("data") or {}), **(secret.get("stringData") or {})}
    if use.key not in data:
        return "SecretKeyNotFound", f"Secret {namespace}/{use.name} has no key {use.key!r}"
    return None
