"""PURE: a SpeechBatch's ``spec.generate`` -> the TextModel writing its posts, and how the driver reaches it.

The driver (``voxray batch``) reads (contracts of the content pipeline):

- ``VOXRAY_TEXT_MODEL_URL``: the TextModel's OpenAI base URL (``http://<rs>-serve-svc.<ns>.svc:8000/v1``);
- ``VOXRAY_TEXT_MODEL_ID``: the model id to send (``servedModelName``, else the TextModel's name);
- ``VOXRAY_TEXT_API_KEY_FILE``: a mounted file holding an API key; absent when the TextModel's auth is off.

They go into the job's runtime env (which reaches the driver on either kind of cluster); the key file is
mounted read-only, mode 0400, on the dedicated cluster's head, where the driver runs.

The batch key: a TextModel's API keys Secret carries, besides the administrator's key and the keys file,
``batch-api-key``, a key with scope ``speech`` only whose SHA-256 is in that keys file. The serving pods
mount only the keys file (hashes); the batch mounts only ``batch-api-key``. The operator generates it with
the Secret (``<textmodel>-api-keys``); with ``spec.security.apiKeys.secretRef`` the administrator adds it
to that Secret (and its hash to the keys file). An OIDC-only TextModel has no key a batch could send.

``generate.textModel`` names a TextModel of the batch's namespace, by name or by ``servedModelName``.
Left out, the driver writes with the packaged model in process and none of this applies. The TextModel
must exist and be Ready: otherwise :class:`BuildError` with ``retryable`` (the batch waits, Pending, with
the reason in its TextModelReady condition).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from voxray_operator.builders.cluster import rayservice_name
from voxray_operator.builders.errors import BuildError
from voxray_operator.builders.security import BATCH_KEY, SecretUse, credential_plan, secret_volume
from voxray_operator.builders.serveconfig import text_base_url
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.textmodel import TextModelSpec

ENV_URL = "VOXRAY_TEXT_MODEL_URL"
ENV_MODEL_ID = "VOXRAY_TEXT_MODEL_ID"
ENV_KEY_FILE = "VOXRAY_TEXT_API_KEY_FILE"
#: where the batch key is mounted on the driver's Ray head, and the file name in it
TEXT_KEY_MOUNT = "/etc/voxray/text-api-key"
TEXT_KEY_FILE = "api-key"
FIELD = "spec.generate.textModel"


class TextModelUnavailableError(BuildError):
    """The batch's TextModel cannot be used yet; ``reason`` is the TextModelReady condition's reason."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, field=FIELD, retryable=True, reason=reason)


@dataclass(frozen=True)
class TextModelInfo:
    """A TextModel as the handler read it: name, parsed spec (None: invalid) and status phase."""

    name: str
    spec: TextModelSpec | None
    phase: str = ""
    message: str = ""

    def model_id(self) -> str:
        return self.spec.model_id(self.name) if self.spec is not None else self.name


@dataclass(frozen=True)
class GenerationTarget:
    """The TextModel a batch generates with, its URL and model id, and the key Secret item it mounts."""

    text_model: str
    url: str
    model_id: str
    key: SecretUse | None

    def env(self) -> dict[str, str]:
        out = {ENV_URL: self.url, ENV_MODEL_ID: self.model_id}
        if self.key is not None:
            out[ENV_KEY_FILE] = f"{TEXT_KEY_MOUNT}/{TEXT_KEY_FILE}"
        return out

    def volumes(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(volumes, mounts) of the batch key on the driver's head; empty when auth is off."""
        if self.key is None:
            return [], []
        vol, mnt = secret_volume("text-api-key", self.key, TEXT_KEY_MOUNT, TEXT_KEY_FILE)
        return [vol], [mnt]

    def describe(self) -> str:
        how = (
            f"with the batch key {self.key.key!r} of Secret {self.key.name}"
            if self.key is not None
            else "without a key (its auth is Disabled)"
        )
        return f"posts are written by TextModel {self.text_model} (model {self.model_id}) {how}"


def find_text_model(ref: str, text_models: Mapping[str, TextModelInfo]) -> TextModelInfo | None:
    """The TextModel named ``ref``, else the one whose model id is ``ref`` (only when exactly one is)."""
    if ref in text_models:
        return text_models[ref]
    matches = [t for t in text_models.values() if t.model_id() == ref]
    return matches[0] if len(matches) == 1 else None


def batch_key(name: str, spec: TextModelSpec) -> SecretUse | None:
    """The Secret item holding the key a batch sends to TextModel ``name`` (see the module docstring)."""
    plan = credential_plan(name, spec)
    if plan.auth == "Disabled":
        return None
    if plan.api_keys is None:
        raise TextModelUnavailableError(
            f"TextModel {name!r} accepts only OIDC tokens, and a batch has no token to send; give it "
            f"spec.security.apiKeys.secretRef with a {BATCH_KEY!r} entry (and its sha256 in the keys file)",
            reason="NoBatchCredentials",
        )
    return SecretUse(plan.api_keys.name, BATCH_KEY, generated=plan.api_keys.generated)


def generation_target(
    spec: SpeechBatchSpec, namespace: str, text_models: Mapping[str, TextModelInfo]
) -> GenerationTarget | None:
    """Where the batch's posts come from; None without ``generate.textModel`` (the packaged model).

    :class:`TextModelUnavailableError` (retryable, with the condition's reason) when the TextModel is
    missing, invalid, not Ready yet or has no key a batch could send.
    """
    gen = spec.generate
    if gen is None or not gen.text_model:
        return None
    found = find_text_model(gen.text_model, text_models)
    if found is None:
        raise TextModelUnavailableError(
            f"TextModel {gen.text_model!r} was not found in namespace {namespace}",
            reason="TextModelNotFound",
        )
    if found.spec is None:
        raise TextModelUnavailableError(
            f"TextModel {found.name!r} has an invalid spec ({found.message or 'see its status'})",
            reason="TextModelInvalid",
        )
    if found.phase != "Ready":
        why = f": {found.message}" if found.message else ""
        raise TextModelUnavailableError(
            f"TextModel {found.name!r} is not Ready yet (phase {found.phase or 'Pending'}){why}",
            reason="TextModelNotReady",
        )
    return GenerationTarget(
        text_model=found.name,
        url=text_base_url(rayservice_name(found.name), namespace),
        model_id=found.model_id(),
        key=batch_key(found.name, found.spec),
    )
