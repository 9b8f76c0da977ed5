"""KubeRay v1.7 options (spec.upgrade, spec.deletion, spec.queueName): what the operator builds passes
KubeRay's CRD schemas and its controller's own validation (ported in :mod:`kuberay_rules`), and a spec
KubeRay or Kueue would refuse is refused first, naming the field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.operator.schema.kuberay_rules import kueue_errors, rayjob_errors, rayservice_errors
from tests.operator.schema.kuberay_schema import errors, kuberay_validator
from tests.operator.unit.support import SETTINGS, example_documents
from voxray_operator.builders import (
    BuildError,
    batch_warnings,
    build_rayjob,
    build_rayservice,
    build_text_rayservice,
    parse_spec,
)
from voxray_operator.cli import render_documents
from voxray_operator.config import BuildSettings

RULES = BuildSettings(batch_deletion="Rules")
INCREMENTAL = {
    "strategy": "NewClusterWithIncrementalUpgrade",
    "incremental": {"gatewayClassName": "istio", "stepSizePercent": 25, "intervalSeconds": 30},
}
BATCH: dict[str, Any] = {
    "input": {"items": [{"index": 1, "texts": {"en": "hello"}}]},
    "variants": {"avatars": ["female_en-US"]},
    "runOn": {"dedicated": True, "workers": 1},
}


def kuberay_valid(folder: Path, obj: dict[str, Any]) -> None:
    assert errors(kuberay_validator(folder, obj["kind"]), obj) == []
    found = rayservice_errors(obj) if obj["kind"] == "RayService" else rayjob_errors(obj) + kueue_errors(obj)
    assert found == [], found


@pytest.mark.parametrize("settings", [SETTINGS, RULES], ids=["shutdown", "rules"])
def test_every_example_child_passes_kuberays_validation(
    kuberay_schemas: Path, settings: BuildSettings
) -> None:
    docs = example_documents()
    result = render_documents(docs, settings, context=docs)
    assert result.errors == []
    for obj in result.objects:
        if obj["apiVersion"] == "ray.io/v1":
            kuberay_valid(kuberay_schemas, obj)


@pytest.mark.parametrize(
    "upgrade",
    [
        {"strategy": "NewCluster"},
        {"strategy": "None"},
        INCREMENTAL,
        {**INCREMENTAL, "incremental": {**INCREMENTAL["incremental"], "maxSurgePercent": 25}},
        {**INCREMENTAL, "incremental": {**INCREMENTAL["incremental"], "stepSizePercent": 0}},
    ],
    ids=["new-cluster", "none", "incremental", "step-equals-surge", "step-zero"],
)
def test_upgrade_strategy_reaches_the_rayservice(kuberay_schemas: Path, upgrade: dict[str, Any]) -> None:
    vm = parse_spec("VoiceModel", {"engine": "espeak", "replicas": {"min": 1, "max": 3}, "upgrade": upgrade})
    rs = build_rayservice("m", "tts", vm, SETTINGS)
    kuberay_valid(kuberay_schemas, rs)
    strategy = rs["spec"]["upgradeStrategy"]
    assert strategy["type"] == upgrade["strategy"]
    if "incremental" in upgrade:
        options = strategy["clusterUpgradeOptions"]
        assert options["gatewayClassName"] == "istio"
        assert options["maxSurgePercent"] == upgrade["incremental"].get("maxSurgePercent", 100)
    tm = parse_spec("TextModel", {"replicas": {"min": 1, "max": 2}, "upgrade": upgrade})
    trs = build_text_rayservice("t", "tts", tm, SETTINGS)
    kuberay_valid(kuberay_schemas, trs)
    assert trs["spec"]["upgradeStrategy"] == strategy


def test_no_upgrade_writes_no_strategy_and_keeps_the_spec_hash() -> None:
    plain = parse_spec("VoiceModel", {"engine": "espeak"})
    rs = build_rayservice("m", "tts", plain, SETTINGS)
    assert "upgradeStrategy" not in rs["spec"]
    with_upgrade = parse_spec("VoiceModel", {"engine": "espeak", "upgrade": {"strategy": "NewCluster"}})
    other = build_rayservice("m", "tts", with_upgrade, SETTINGS)
    annotation = "voxray.io/spec-hash"
    assert rs["metadata"]["annotations"][annotation] != other["metadata"]["annotations"][annotation]


@pytest.mark.parametrize(
    ("kind", "spec", "field", "words"),
    [
        (
            "VoiceModel",
            {"engine": "espeak", "upgrade": INCREMENTAL},
            "spec.upgrade.strategy",
            "Ray's autoscaler",
        ),
        (
            "TextModel",
            {"upgrade": INCREMENTAL},
            "spec.upgrade.strategy",
            "Ray's autoscaler",
        ),
        (
            "VoiceModel",
            {"engine": "espeak", "upgrade": {"strategy": "NewClusterWithIncrementalUpgrade"}},
            "spec.upgrade",
            "incremental",
        ),
        (
            "VoiceModel",
            {
                "engine": "espeak",
                "upgrade": {"strategy": "NewCluster", "incremental": INCREMENTAL["incremental"]},
            },
            "spec.upgrade",
            "applies to strategy NewClusterWithIncrementalUpgrade only",
        ),
        (
            "VoiceModel",
            {
                "engine": "espeak",
                "replicas": {"min": 1, "max": 3},
                "upgrade": {
                    **INCREMENTAL,
                    "incremental": {**INCREMENTAL["incremental"], "maxSurgePercent": 20},
                },
            },
            "spec.upgrade.incremental",
            "less than or equal to maxSurgePercent",
        ),
        (
            "VoiceModel",
            {
                "engine": "espeak",
                "replicas": {"min": 1, "max": 3},
                "upgrade": {
                    **INCREMENTAL,
                    "incremental": {**INCREMENTAL["incremental"], "intervalSeconds": 0},
                },
            },
            "spec.upgrade.incremental.intervalSeconds",
            "",
        ),
        (
            "VoiceModel",
            {"engine": "espeak", "upgrade": {"strategy": "Recreate"}},
            "spec.upgrade.strategy",
            "",
        ),
        (
            "SpeechBatch",
            {**BATCH, "runOn": {"voiceModel": "kokoro"}, "queueName": "gpu"},
            "spec.queueName",
            "suspend",
        ),
        (
            "SpeechBatch",
            {**BATCH, "runOn": {"voiceModel": "kokoro"}, "deletion": {}},
            "spec.deletion",
            "ClusterSelector",
        ),
        (
            "SpeechBatch",
            {**BATCH, "queueName": "gpu", "deletion": {}},
            "spec.deletion",
            "shutdownAfterJobFinishes",
        ),
        ("SpeechBatch", {**BATCH, "workloadPriorityClass": "low"}, "spec", "needs queueName"),
        ("SpeechBatch", {**BATCH, "queueName": "GPU_queue"}, "spec.queueName", ""),
        (
            "SpeechBatch",
            {**BATCH, "deletion": {"onSuccess": {"policy": "DeleteSelf"}}},
            "spec.deletion.onSuccess.policy",
            "",
        ),
    ],
    ids=[
        "incremental-without-autoscaler",
        "text-incremental-without-autoscaler",
        "incremental-without-options",
        "options-without-incremental",
        "step-above-surge",
        "interval-zero",
        "unknown-strategy",
        "queued-on-a-voicemodel",
        "deletion-on-a-voicemodel",
        "deletion-of-a-queued-batch",
        "priority-without-queue",
        "queue-not-a-label-value",
        "delete-self-not-offered",
    ],
)
def test_what_kuberay_or_kueue_would_refuse_is_refused_first(
    kind: Any, spec: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(BuildError) as exc:
        parse_spec(kind, spec)
    assert exc.value.field == field, exc.value
    assert words in str(exc.value)


def test_default_deletion_rules_keep_a_failed_cluster_for_debugging(kuberay_schemas: Path) -> None:
    spec = parse_spec("SpeechBatch", {**BATCH, "retention": {"ttlSecondsAfterFinished": 7200}})
    job = build_rayjob("b", "tts", spec, RULES)
    kuberay_valid(kuberay_schemas, job)
    assert job["spec"]["shutdownAfterJobFinishes"] is False
    assert "ttlSecondsAfterFinished" not in job["spec"]
    rules = {
        (tuple(sorted(r["condition"].items())), r["policy"])
        for r in job["spec"]["deletionStrategy"]["deletionRules"]
    }
    assert rules == {
        ((("jobStatus", "SUCCEEDED"), ("ttlSeconds", 300)), "DeleteCluster"),  # the operator's cluster TTL
        ((("jobStatus", "FAILED"), ("ttlSeconds", 7200)), "DeleteCluster"),  # kept for the retention
        ((("jobDeploymentStatus", "Failed"), ("ttlSeconds", 7200)), "DeleteCluster"),
    }
    # the operator's Shutdown default writes today's fields; a spec's deletion block asks for rules anyway
    legacy = build_rayjob("b", "tts", spec, SETTINGS)["spec"]
    assert (legacy["shutdownAfterJobFinishes"], legacy["ttlSecondsAfterFinished"]) == (True, 300)
    assert "deletionStrategy" not in legacy
    explicit = parse_spec("SpeechBatch", {**BATCH, "deletion": {"onFailure": {"policy": "DeleteNone"}}})
    assert build_rayjob("b", "tts", explicit, SETTINGS)["spec"]["deletionStrategy"]["deletionRules"][1] == {
        "condition": {"jobStatus": "FAILED", "ttlSeconds": 86400},
        "policy": "DeleteNone",
    }


def test_delete_workers_is_followed_by_delete_cluster_in_kuberays_order(kuberay_schemas: Path) -> None:
    spec = parse_spec(
        "SpeechBatch",
        {
            **BATCH,
            "retention": {"ttlSecondsAfterFinished": 600},
            "deletion": {"onFailure": {"policy": "DeleteWorkers", "afterSeconds": 900}},
        },
    )
    job = build_rayjob("b", "tts", spec, SETTINGS)
    kuberay_valid(kuberay_schemas, job)
    failed = [
        r
        for r in job["spec"]["deletionStrategy"]["deletionRules"]
        if r["condition"].get("jobStatus") == "FAILED"
    ]
    assert [(r["policy"], r["condition"]["ttlSeconds"]) for r in failed] == [
        ("DeleteWorkers", 900),
        ("DeleteCluster", 900),  # never before the workers' TTL (KubeRay: Workers <= Cluster)
    ]


def test_a_queued_batch_is_created_suspended_with_kueues_labels(kuberay_schemas: Path) -> None:
    spec = parse_spec("SpeechBatch", {**BATCH, "queueName": "gpu-batch", "workloadPriorityClass": "low"})
    for settings in (SETTINGS, RULES):
        job = build_rayjob("b", "tts", spec, settings)
        kuberay_valid(kuberay_schemas, job)
        assert job["spec"]["suspend"] is True
        assert job["spec"]["shutdownAfterJobFinishes"] is True  # KubeRay: a suspended RayJob needs it
        assert "deletionStrategy" not in job["spec"]
        labels = job["metadata"]["labels"]
        assert labels["kueue.x-k8s.io/queue-name"] == "gpu-batch"
        assert labels["kueue.x-k8s.io/priority-class"] == "low"
        # the pods are Kueue's to place: the labels stay on the RayJob
        assert "kueue.x-k8s.io/queue-name" not in job["spec"]["submitterPodTemplate"]["metadata"]["labels"]
    plain = build_rayjob("b", "tts", parse_spec("SpeechBatch", BATCH), SETTINGS)
    assert "suspend" not in plain["spec"]
    assert not any(k.startswith("kueue.x-k8s.io/") for k in plain["metadata"]["labels"])


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (
            lambda rs: rs["spec"]["rayClusterConfig"].update(enableInTreeAutoscaling=False),
            "Autoscaler is required",
        ),
        (
            lambda rs: rs["spec"]["upgradeStrategy"]["clusterUpgradeOptions"].update(stepSizePercent=60),
            "less than or equal to maxSurgePercent",
        ),
        (lambda rs: rs["spec"]["upgradeStrategy"].update(type="Recreate"), "is invalid"),
    ],
    ids=["no-autoscaler", "step-above-surge", "unknown-type"],
)
def test_the_rayservice_oracle_catches_what_kuberay_refuses(mutate: Any, words: str) -> None:
    vm = parse_spec(
        "VoiceModel",
        {
            "engine": "espeak",
            "replicas": {"min": 1, "max": 3},
            "upgrade": {**INCREMENTAL, "incremental": {**INCREMENTAL["incremental"], "maxSurgePercent": 50}},
        },
    )
    rs = copy.deepcopy(build_rayservice("m", "tts", vm, SETTINGS))
    mutate(rs)
    assert any(words in e for e in rayservice_errors(rs))


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda j: j["spec"].update(shutdownAfterJobFinishes=True), "mutually exclusive"),
        (lambda j: j["spec"].update(suspend=True), "not allowed to be suspended"),
        (lambda j: j["spec"].update(ttlSecondsAfterFinished=60), "cannot have TTLSecondsAfterFinished"),
        (
            lambda j: j["spec"]["deletionStrategy"]["deletionRules"].append(
                {"condition": {"jobStatus": "FAILED", "ttlSeconds": 999_999}, "policy": "DeleteWorkers"}
            ),
            "DeleteWorkers TTL",
        ),
        (
            lambda j: j["spec"]["deletionStrategy"].update(onSuccess={"policy": "DeleteCluster"}),
            "cannot be used",
        ),
    ],
    ids=[
        "rules-with-shutdown",
        "suspended-without-shutdown",
        "ttl-without-shutdown",
        "ttl-order",
        "legacy-and-rules",
    ],
)
def test_the_rayjob_oracle_catches_what_kuberay_refuses(mutate: Any, words: str) -> None:
    job = copy.deepcopy(build_rayjob("b", "tts", parse_spec("SpeechBatch", BATCH), RULES))
    assert rayjob_errors(job) == []
    mutate(job)
    assert any(words in e for e in rayjob_errors(job)), rayjob_errors(job)


def test_a_cluster_kept_forever_is_warned_about() -> None:
    keep = parse_spec("SpeechBatch", {**BATCH, "deletion": {"onFailure": {"policy": "DeleteNone"}}})
    assert any("DeleteNone keeps" in w for w in batch_warnings(keep))
    workers = parse_spec("SpeechBatch", {**BATCH, "deletion": {"onFailure": {"policy": "DeleteWorkers"}}})
    assert not any("DeleteNone" in w for w in batch_warnings(workers))
