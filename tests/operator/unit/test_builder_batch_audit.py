"""SpeechBatch audit identity and key: the actor in the RayJob, the audit key Secret chosen and mounted."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.operator.unit.support import NOW, SETTINGS
from voxray_operator import status
from voxray_operator.builders import BatchAuditKey, BuildError, SecretUse, batch_audit_key, build_rayjob
from voxray_runtime.security.config import AUDIT_KEY_FILE, AUDIT_KEY_MOUNT
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

ESPEAK = VoiceModelSpec.model_validate({"engine": "espeak", "output": {"volumeClaim": "audio"}})
REFERENCED = VoiceModelSpec.model_validate(
    {
        "engine": "espeak",
        "output": {"volumeClaim": "audio"},
        "security": {"audit": {"hmacKeySecretRef": {"name": "tts-audit", "key": "k"}}},
    }
)
MODELS = {"alpha": ESPEAK, "beta": REFERENCED}
OWN = {"hmacKeySecretRef": {"name": "batch-audit"}}


def batch(**fields: Any) -> SpeechBatchSpec:
    base: dict[str, Any] = {
        "input": {"items": [{"index": 1, "texts": {"en": "Hello."}}]},
        "variants": {"avatars": ["female_en-GB"]},
    }
    return SpeechBatchSpec.model_validate({**base, **fields})


# fields of the batch -> (Secret name, data key, generated, mounted by the RayJob) or None (random key)
RULES: dict[str, tuple[dict[str, Any], tuple[str, str, bool, bool] | None]] = {
    "no voicemodel: random per run": ({}, None),
    "own ref, bundled models": ({"audit": OWN}, ("batch-audit", "hmac-key", False, True)),
    "own ref wins over the voicemodels'": (
        {"voiceModels": ["alpha"], "audit": OWN},
        ("batch-audit", "hmac-key", False, True),
    ),
    "first voicemodel's generated key": (
        {"voiceModels": ["alpha", "beta"]},
        ("alpha-audit-key", "hmac-key", True, True),
    ),
    "first voicemodel's referenced key": (
        {"voiceModels": ["beta", "alpha"]},
        ("tts-audit", "k", False, True),
    ),
    "on a voicemodel's cluster: its key, already mounted": (
        {"voiceModels": ["alpha"], "runOn": {"voiceModel": "beta"}},
        ("tts-audit", "k", False, False),
    ),
    "on a voicemodel's cluster: the same key named again": (
        {"runOn": {"voiceModel": "alpha"}, "audit": {"hmacKeySecretRef": {"name": "alpha-audit-key"}}},
        ("alpha-audit-key", "hmac-key", True, False),
    ),
}


@pytest.mark.parametrize("case", RULES, ids=list(RULES))
def test_audit_key_rule(case: str) -> None:
    fields, expected = RULES[case]
    audit = batch_audit_key(batch(**fields), MODELS)
    if expected is None:
        assert audit.secret is None
        assert not audit.mount
        assert audit.volumes() == ([], [])
        assert "random key per run" in audit.describe()
        return
    name, key, generated, mount = expected
    assert audit.secret == SecretUse(name, key, generated)
    assert audit.mount is mount
    assert name in audit.describe()


@pytest.mark.parametrize(
    ("fields", "field", "retryable"),
    [
        ({"runOn": {"voiceModel": "alpha"}, "audit": OWN}, "spec.audit.hmacKeySecretRef", False),
        (
            {
                "runOn": {"voiceModel": "alpha"},
                "audit": {"hmacKeySecretRef": {"name": "alpha-audit-key", "key": "x"}},
            },
            "spec.audit.hmacKeySecretRef",
            False,
        ),
        ({"voiceModels": ["gamma"]}, "spec.voiceModels.0", True),
        ({"runOn": {"voiceModel": "gamma"}}, "spec.runOn.voiceModel", True),
    ],
)
def test_audit_key_errors(fields: dict[str, Any], field: str, retryable: bool) -> None:
    with pytest.raises(BuildError) as err:
        batch_audit_key(batch(**fields), MODELS)
    assert err.value.field == field
    assert err.value.retryable is retryable


def test_conflicting_key_on_a_voicemodel_cluster_is_refused_by_the_builder() -> None:
    spec = batch(voiceModels=["alpha"], runOn={"voiceModel": "alpha"}, audit=OWN)
    with pytest.raises(BuildError, match="alpha-audit-key") as err:
        build_rayjob("b", "tts", spec, SETTINGS, voice_models=MODELS, cluster_name="alpha-raycluster-x")
    assert err.value.field == "spec.audit.hmacKeySecretRef"


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container.get("env") or []}


@pytest.mark.parametrize(
    ("fields", "cluster"),
    [
        ({"voiceModels": ["alpha"], "runOn": {"workers": 1}}, None),
        ({"runOn": {"voiceModel": "alpha"}}, "c-1"),
    ],
    ids=["dedicated", "on-cluster"],
)
def test_the_driver_names_the_speechbatch(fields: dict[str, Any], cluster: str | None) -> None:
    job = build_rayjob("posts", "tts", batch(**fields), SETTINGS, voice_models=MODELS, cluster_name=cluster)
    actor = "speechbatch:tts/posts"
    runtime_env = yaml.safe_load(job["spec"]["runtimeEnvYAML"])
    assert runtime_env["env_vars"]["VOXRAY_BATCH_ACTOR"] == actor  # reaches the driver on either cluster
    submitter = job["spec"]["submitterPodTemplate"]["spec"]["containers"][0]
    assert _env(submitter)["VOXRAY_BATCH_ACTOR"] == actor
    cluster_spec = job["spec"].get("rayClusterSpec")
    if cluster_spec is not None:
        head = cluster_spec["headGroupSpec"]["template"]["spec"]["containers"][0]
        assert _env(head)["VOXRAY_BATCH_ACTOR"] == actor
        worker = cluster_spec["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]
        assert "VOXRAY_BATCH_ACTOR" not in _env(worker)  # the driver runs on the head


@pytest.mark.parametrize("workers", [0, 2])
def test_dedicated_head_mounts_the_audit_key_read_only(workers: int) -> None:
    spec = batch(voiceModels=["beta"], runOn={"workers": workers})
    job = build_rayjob("b", "tts", spec, SETTINGS, voice_models=MODELS)
    cluster = job["spec"]["rayClusterSpec"]
    head = cluster["headGroupSpec"]["template"]["spec"]
    volume = next(v for v in head["volumes"] if v["name"] == "audit-key")
    assert volume["secret"] == {
        "secretName": "tts-audit",
        "defaultMode": 0o400,
        "items": [{"key": "k", "path": AUDIT_KEY_FILE}],
    }
    mount = next(m for m in head["containers"][0]["volumeMounts"] if m["name"] == "audit-key")
    assert mount == {"name": "audit-key", "mountPath": AUDIT_KEY_MOUNT, "readOnly": True}
    for group in cluster.get("workerGroupSpecs") or []:
        pod = group["template"]["spec"]
        assert all(v["name"] != "audit-key" for v in pod["volumes"])
        assert all(m["name"] != "audit-key" for m in pod["containers"][0]["volumeMounts"])
    submitter = job["spec"]["submitterPodTemplate"]["spec"]
    assert all("secret" not in v for v in submitter["volumes"])  # nothing secret is uploaded with the job


@pytest.mark.parametrize(
    ("fields", "cluster"),
    [({}, None), ({"runOn": {"voiceModel": "alpha"}}, "c-1")],
    ids=["random-key", "on-cluster"],
)
def test_no_secret_volume_without_a_key_to_mount(fields: dict[str, Any], cluster: str | None) -> None:
    job = build_rayjob(
        "b",
        "tts",
        batch(output={"volumeClaim": "audio"}, **fields),
        SETTINGS,
        voice_models=MODELS,
        cluster_name=cluster,
    )
    assert "secretName" not in yaml.safe_dump(job)


def _condition(st: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in st["conditions"] if c["type"] == "CredentialsReady")


@pytest.mark.parametrize(
    ("audit", "problem", "state", "reason", "says"),
    [
        (BatchAuditKey(None, False, ""), None, "True", "RandomAuditKey", "random key per run"),
        (
            BatchAuditKey(SecretUse("tts-audit", "k", False), True, "VoiceModel beta"),
            None,
            "True",
            "AuditKeyMounted",
            "Secret tts-audit (key k) from VoiceModel beta",
        ),
        (
            BatchAuditKey(SecretUse("alpha-audit-key", "hmac-key", True), False, "VoiceModel alpha"),
            None,
            "True",
            "VoiceModelAuditKey",
            "alpha-audit-key",
        ),
        (
            BatchAuditKey(SecretUse("batch-audit", "hmac-key", False), True, "spec.audit.hmacKeySecretRef"),
            ("SecretNotFound", "Secret tts/batch-audit was not found"),
            "False",
            "SecretNotFound",
            "Secret tts/batch-audit was not found",
        ),
        (
            BatchAuditKey(SecretUse("alpha-audit-key", "hmac-key", True), True, "VoiceModel alpha"),
            ("SecretNotFound", "Secret tts/alpha-audit-key was not found"),
            "False",
            "SecretNotFound",
            "VoiceModel alpha creates it",
        ),
    ],
)
def test_credentials_condition(
    audit: BatchAuditKey, problem: tuple[str, str] | None, state: str, reason: str, says: str
) -> None:
    before = status.speechbatch_status_from_rayjob(None, generation=3, progress=None, previous=None, now=NOW)
    after = status.batch_credentials_status(before, audit, generation=3, now=NOW, problem=problem)
    cond = _condition(after)
    assert (cond["status"], cond["reason"], cond["observedGeneration"]) == (state, reason, 3)
    assert says in cond["message"]
    if problem is not None:
        assert after["message"] == cond["message"]
        events = status.transition_events(before, after)
        assert ("Warning", reason, cond["message"]) in events
    # the next derivation keeps the condition
    again = status.speechbatch_status_from_rayjob(None, generation=3, progress=None, previous=after, now=NOW)
    assert _condition(again) == cond
