"""PURE: the Secrets the operator generates once for a served model (its API keys, its audit HMAC key),
and the checks of the Secrets a model's pods mount.

The generated API keys Secret holds the plain key under ``api-key`` (for the administrator to read) and
the keys file under ``keys.yaml`` with the key's SHA-256 only; the Ray pods mount ``keys.yaml`` alone, so
the plain key never reaches them. A TextModel's also holds ``batch-api-key``, the key its generating
SpeechBatches send (scope ``speech`` only, its hash in the same keys file).

The random values come from the caller (the handler): these builders stay pure and table-tested.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import yaml

from voxray_operator.builders.common import ServedKind, metadata, served_labels
from voxray_operator.builders.security.credentials import (
    SecretUse,
    api_keys_secret_name,
    audit_key_secret_name,
)
from voxray_runtime.security.config import API_KEYS_FILE, AUDIT_KEY_FILE

#: the data key of the generated Secret holding the plain API key (never mounted)
PLAIN_KEY = "api-key"
#: the id of the generated key, as audit events and logs name it
GENERATED_KEY_ID = "default"
GENERATED_SCOPES = ("speech", "store")
#: annotation on generated Secrets: says what they are and that the operator never rewrites them
GENERATED_ANNOTATION = "voxray.io/generated"
#: data key of a TextModel's API keys Secret holding the key its generating SpeechBatches send (never
#: mounted on the serving pods; its hash is in the keys file beside the administrator's key)
BATCH_KEY = "batch-api-key"
BATCH_KEY_ID = "batch"
BATCH_SCOPES = ("speech",)


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


def _generated_secret(
    kind: ServedKind,
    model: str,
    namespace: str,
    *,
    name: str,
    what: str,
    data: dict[str, bytes],
    owner: dict[str, Any] | None,
) -> dict[str, Any]:
    """Secret ``name`` that the operator generates once for ``kind`` ``model``; ``what`` it holds."""
    note = {GENERATED_ANNOTATION: f"{what} of the {kind}; created once, never rewritten by the operator"}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(name, namespace, served_labels(kind, model), annotations=note, owner=owner),
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
    name = api_keys_secret_name(voicemodel)
    return _generated_secret(kind, voicemodel, namespace, name=name, what="API keys", data=data, owner=owner)


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
    name = audit_key_secret_name(voicemodel)
    data = {AUDIT_KEY_FILE: key}
    return _generated_secret(
        kind, voicemodel, namespace, name=name, what="audit HMAC key", data=data, owner=owner
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
