"""Status of the KubeRay v1.7 options: an upgrade in progress on a served model (RayService
UpgradeInProgress / RollbackInProgress, the traffic split of an incremental upgrade), and a Kueue-queued
SpeechBatch (phase Queued, condition Admitted) from its RayJob's ``suspend`` and jobDeploymentStatus."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.operator.schema.kuberay_schema import crd_validator, errors
from tests.operator.unit.support import LATER, NOW, REPO_ROOT, SETTINGS
from voxray_operator.builders import build_rayjob, build_rayservice, parse_spec
from voxray_operator.status import (
    BatchPhase,
    ConditionType,
    Reason,
    ServedPhase,
    get_condition,
    speechbatch_status_from_rayjob,
    textmodel_status_from_rayservice,
    voicemodel_status_from_rayservice,
)

VM = parse_spec(
    "VoiceModel",
    {
        "engine": "espeak",
        "replicas": {"min": 1, "max": 3},
        "upgrade": {
            "strategy": "NewClusterWithIncrementalUpgrade",
            "incremental": {"gatewayClassName": "istio", "stepSizePercent": 25, "intervalSeconds": 30},
        },
    },
)
APP = {"voxray": {"status": "RUNNING", "serveDeploymentStatuses": {"TTS-m": {"status": "HEALTHY"}}}}
READY = {"type": "Ready", "status": "True", "reason": "NonZeroServeEndpoints", "message": ""}


def crd(kind: str) -> Any:
    doc = yaml.safe_load((REPO_ROOT / "crds" / f"voxray.io_{kind}.yaml").read_text(encoding="utf-8"))
    return crd_validator(doc, "v1alpha1")


def rayservice(*conditions: dict[str, Any], pending: dict[str, Any] | None = None) -> dict[str, Any]:
    rs = build_rayservice("m", "tts", VM, SETTINGS)
    rs["metadata"]["generation"] = 2
    rs["status"] = {
        "observedGeneration": 2,
        "conditions": [READY, *conditions],
        "activeServiceStatus": {"applicationStatuses": APP, "rayClusterName": "m-raycluster-old"},
    }
    if pending is not None:
        rs["status"]["pendingServiceStatus"] = pending
        rs["status"]["activeServiceStatus"]["trafficRoutedPercent"] = 100 - pending.get(
            "trafficRoutedPercent", 0
        )
    return rs


UPGRADING = {"type": "UpgradeInProgress", "status": "True", "reason": "BothActivePendingClustersExist"}


def test_an_incremental_upgrade_reports_its_traffic_split_and_stays_ready() -> None:
    pending = {
        "rayClusterName": "m-raycluster-new",
        "trafficRoutedPercent": 25,
        "targetCapacity": 50,
        "applicationStatuses": APP,
    }
    status = voicemodel_status_from_rayservice(
        rayservice(UPGRADING, pending=pending), generation=1, spec=VM, previous=None, now=NOW
    )
    assert status["phase"] == ServedPhase.READY  # the old cluster still serves
    progressing = get_condition(status["conditions"], ConditionType.PROGRESSING)
    assert progressing is not None
    assert (progressing["status"], progressing["reason"]) == ("True", Reason.UPGRADING)
    assert "25% of the traffic on the new cluster, its target capacity 50%" in progressing["message"]
    assert status["upgrade"] == {
        "strategy": "NewClusterWithIncrementalUpgrade",
        "rollingBack": False,
        "pendingRayClusterName": "m-raycluster-new",
        "pendingTrafficPercent": 25,
        "pendingTargetCapacity": 50,
        "activeTrafficPercent": 75,
    }
    assert (
        errors(
            crd("voicemodels"),
            {
                "apiVersion": "voxray.io/v1alpha1",
                "kind": "VoiceModel",
                "metadata": {"name": "m"},
                "spec": {"engine": "espeak"},
                "status": status,
            },
        )
        == []
    )


def test_a_blue_green_upgrade_and_a_rollback() -> None:
    plain = parse_spec("VoiceModel", {"engine": "espeak"})
    pending = {"rayClusterName": "m-raycluster-new"}
    status = voicemodel_status_from_rayservice(
        rayservice(UPGRADING, pending=pending), generation=1, spec=plain, previous=None, now=NOW
    )
    assert status["upgrade"]["strategy"] == "NewCluster"
    progressing = get_condition(status["conditions"], ConditionType.PROGRESSING)
    assert progressing is not None
    assert progressing["message"] == "KubeRay is rolling out a new Ray cluster"
    rollback = {"type": "RollbackInProgress", "status": "True", "reason": "RollbackInProgress"}
    back = voicemodel_status_from_rayservice(
        rayservice(rollback, pending=pending), generation=1, spec=VM, previous=status, now=LATER
    )
    progressing = get_condition(back["conditions"], ConditionType.PROGRESSING)
    assert progressing is not None
    assert progressing["reason"] == Reason.ROLLING_BACK
    assert back["upgrade"]["rollingBack"] is True


def test_no_upgrade_no_upgrade_field_and_the_text_model_carries_it_too() -> None:
    done = {"type": "UpgradeInProgress", "status": "False", "reason": "NoPendingCluster"}
    status = voicemodel_status_from_rayservice(
        rayservice(done), generation=1, spec=VM, previous=None, now=NOW
    )
    assert "upgrade" not in status
    tm = parse_spec("TextModel", {"replicas": {"min": 1, "max": 2}})
    text = textmodel_status_from_rayservice(
        rayservice(UPGRADING, pending={"rayClusterName": "n"}),
        name="m",
        generation=1,
        spec=tm,
        previous=None,
        now=NOW,
    )
    assert text["upgrade"]["pendingRayClusterName"] == "n"


# ---- SpeechBatch in a Kueue LocalQueue -----------------------------------------------------------------
SB = parse_spec(
    "SpeechBatch",
    {
        "input": {"items": [{"index": 1, "texts": {"en": "hi"}}]},
        "variants": {"avatars": ["female_en-US"]},
        "runOn": {"dedicated": True},
        "queueName": "gpu-batch",
    },
)


def rayjob(suspend: bool, deployment: str = "", job: str = "") -> dict[str, Any]:
    rj = build_rayjob("b", "tts", SB, SETTINGS)
    rj["spec"]["suspend"] = suspend
    rj["status"] = {"jobDeploymentStatus": deployment, "jobStatus": job}
    return rj


def admitted(status: dict[str, Any]) -> tuple[str, str]:
    cond = get_condition(status["conditions"], ConditionType.ADMITTED)
    assert cond is not None
    return cond["status"], cond["reason"]


def step(rj: dict[str, Any] | None, previous: dict[str, Any] | None) -> dict[str, Any]:
    return speechbatch_status_from_rayjob(
        rj, generation=1, progress=None, previous=previous, now=NOW, spec=SB
    )


@pytest.mark.parametrize("deployment", ["", "New", "Suspended"])
def test_a_suspended_rayjob_is_queued(deployment: str) -> None:
    status = step(rayjob(True, deployment), None)
    assert status["phase"] == BatchPhase.QUEUED
    assert admitted(status) == ("False", Reason.QUEUED)
    assert "LocalQueue gpu-batch" in status["message"]
    assert "startTime" not in status


def test_admission_run_preemption_and_readmission() -> None:
    queued = step(None, None)
    assert queued["phase"] == BatchPhase.PENDING
    assert admitted(queued) == ("False", Reason.QUEUED)
    queued = step(rayjob(True, "Suspended"), queued)
    started = step(rayjob(False, "Initializing"), queued)
    assert started["phase"] == BatchPhase.PENDING
    assert admitted(started) == ("True", Reason.ADMITTED)
    running = step(rayjob(False, "Running", "RUNNING"), started)
    assert running["phase"] == BatchPhase.RUNNING
    preempted = step(rayjob(True, "Suspending", "RUNNING"), running)
    assert preempted["phase"] == BatchPhase.QUEUED
    assert admitted(preempted) == ("False", Reason.REQUEUED)
    assert "preempted or evicted" in preempted["message"]
    still = step(rayjob(True, "Suspended"), preempted)
    assert admitted(still) == ("False", Reason.REQUEUED)
    done = step(rayjob(False, "Complete", "SUCCEEDED"), step(rayjob(False, "Running", "RUNNING"), still))
    assert done["phase"] == BatchPhase.SUCCEEDED
    assert admitted(done) == ("True", Reason.ADMITTED)
    doc = {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "SpeechBatch",
        "metadata": {"name": "b"},
        "spec": SB.to_wire(),
        "status": preempted,
    }
    assert errors(crd("speechbatches"), doc) == []


def test_a_batch_without_a_queue_has_no_admitted_condition() -> None:
    plain = parse_spec("SpeechBatch", {**SB.to_wire(), "queueName": None})
    rj = build_rayjob("b", "tts", plain, SETTINGS)
    rj["status"] = {"jobDeploymentStatus": "Suspended"}
    rj["spec"]["suspend"] = True
    status = speechbatch_status_from_rayjob(
        rj, generation=1, progress=None, previous=None, now=NOW, spec=plain
    )
    assert status["phase"] == BatchPhase.PENDING
    assert get_condition(status["conditions"], ConditionType.ADMITTED) is None
