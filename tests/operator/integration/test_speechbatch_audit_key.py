"""A SpeechBatch's audit key: a referenced Secret that is missing is a condition, then the RayJob mounts it;
by default the first VoiceModel's generated key, which that VoiceModel (not the batch) creates."""

from __future__ import annotations

import yaml
from opkit import Cluster, FakeKubeRay, eventually, speechbatch, voicemodel

from voxray_operator import k8s


def condition(obj: dict[str, object], type_: str) -> dict[str, str]:
    conditions = obj["status"]["conditions"]  # type: ignore[index]
    return next(c for c in conditions if c["type"] == type_)  # type: ignore[union-attr]


def head_audit_volume(rayjob: dict[str, object]) -> dict[str, object]:
    head = rayjob["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]  # type: ignore[index]
    return next(v for v in head["volumes"] if v["name"] == "audit-key")  # type: ignore[no-any-return]


async def test_missing_referenced_secret_is_a_condition_then_heals(
    cluster: Cluster, kuberay: FakeKubeRay, operator: object
) -> None:
    audit = {"hmacKeySecretRef": {"name": "batch-audit"}}
    await cluster.create(k8s.SPEECHBATCHES, speechbatch("keyed", audit=audit))
    sb = await cluster.wait_for(
        k8s.SPEECHBATCHES,
        "keyed",
        lambda s: condition(s, "CredentialsReady")["reason"] == "SecretNotFound",
        what="SecretNotFound",
    )
    cond = condition(sb, "CredentialsReady")
    assert cond["status"] == "False"
    assert cond["message"] == "Secret tts/batch-audit was not found"
    assert sb["status"]["phase"] == "Pending"
    assert await cluster.get(k8s.RAYJOBS, "keyed") is None  # its head would hang on the missing volume
    await eventually(lambda: cluster.reasons("keyed"), lambda r: "SecretNotFound" in r, what="Warning event")

    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "batch-audit"},
        "data": {"hmac-key": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NQ=="},
    }
    await cluster.create(k8s.SECRETS, secret)
    rayjob = await cluster.wait_for(k8s.RAYJOBS, "keyed", lambda r: True, what="the RayJob")  # retried
    assert head_audit_volume(rayjob)["secret"] == {
        "secretName": "batch-audit",
        "defaultMode": 0o400,
        "items": [{"key": "hmac-key", "path": "hmac-key"}],
    }
    env = yaml.safe_load(rayjob["spec"]["runtimeEnvYAML"])["env_vars"]
    assert env["VOXRAY_BATCH_ACTOR"] == "speechbatch:tts/keyed"
    sb = await cluster.wait_phase(k8s.SPEECHBATCHES, "keyed", "Running")
    assert condition(sb, "CredentialsReady")["reason"] == "AuditKeyMounted"
    assert cluster.requests("POST", "secrets") == 1  # the test's own: a batch generates no Secret


async def test_default_is_the_first_voicemodels_key(
    cluster: Cluster, kuberay: FakeKubeRay, operator: object
) -> None:
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-audited"))
    await cluster.create(k8s.SPEECHBATCHES, speechbatch("linked", voiceModels=["tts-audited"]))
    rayjob = await cluster.wait_for(k8s.RAYJOBS, "linked", lambda r: True, what="the RayJob")
    assert head_audit_volume(rayjob)["secret"]["secretName"] == "tts-audited-audit-key"  # type: ignore[index]
    assert await cluster.get(k8s.SECRETS, "tts-audited-audit-key") is not None
    sb = await cluster.wait_phase(k8s.SPEECHBATCHES, "linked", "Running")
    cond = condition(sb, "CredentialsReady")
    assert (cond["status"], cond["reason"]) == ("True", "AuditKeyMounted")
    assert "tts-audited-audit-key" in cond["message"]
