"""PURE: the audit key of a SpeechBatch's driver, so that a batch's text hashes match the API's.

``spec.audit.hmacKeySecretRef``; else the audit key of the first VoiceModel the batch uses (its
``hmacKeySecretRef`` or its generated ``<voicemodel>-audit-key``); else none, and the driver hashes with a
random key per run. On a dedicated cluster the RayJob mounts the Secret on the Ray head, where the driver
runs. On ``runOn.voiceModel`` nothing can be mounted: that VoiceModel's head already has its own audit key,
so that key it is, and a different ``hmacKeySecretRef`` is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from voxray_operator.builders.errors import BuildError
from voxray_operator.builders.security.credentials import SecretUse, credential_plan, secret_volume
from voxray_runtime.security.config import AUDIT_KEY_FILE, AUDIT_KEY_MOUNT
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec


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
        raise BuildError(
            f"VoiceModel {first!r} was not found in the namespace",
            field=field,
            retryable=True,
            reason="VoiceModelNotFound",
        )
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
