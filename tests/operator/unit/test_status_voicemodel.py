"""VoiceModel status from the RayService's real status fields (KubeRay v1)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.operator.unit.support import LATER, NOW, SETTINGS
from voxray_operator.api import VoiceModelStatus
from voxray_operator.builders import build_rayservice, spec_hash
from voxray_operator.status import get_condition, voicemodel_status_from_rayservice
from voxray_runtime.spec.voicemodel import VoiceModelSpec

SPEC = VoiceModelSpec.model_validate({"engine": "espeak", "replicas": {"min": 1, "max": 4, "initial": 2}})
GPU_SPEC = VoiceModelSpec.model_validate(
    {"engine": "espeak", "replicas": {"min": 1, "max": 8, "initial": 4}, "resources": {"gpuFraction": 0.5}}
)


def rayservice(
    *,
    spec: VoiceModelSpec = SPEC,
    ready: tuple[str, str] | None = None,
    app: str | None = None,
    app_message: str = "",
    model: str | None = None,
    ingress: str = "HEALTHY",
    upgrading: bool = False,
    ready_workers: int = 0,
    generation: int = 1,
    observed: int | None = 1,
) -> dict[str, Any]:
    rs = build_rayservice("espeak", "tts", spec, SETTINGS)
    rs["metadata"]["generation"] = generation
    status: dict[str, Any] = {}
    conditions = []
    if ready is not None:
        conditions.append(
            {
                "type": "Ready",
                "status": ready[0],
                "reason": ready[1],
                "message": "",
                "lastTransitionTime": "2026-03-01T11:00:00Z",
            }
        )
    if upgrading:
        conditions.append(
            {
                "type": "UpgradeInProgress",
                "status": "True",
                "reason": "BothActivePendingClustersExist",
                "message": "",
                "lastTransitionTime": "2026-03-01T11:00:00Z",
            }
        )
    if conditions:
        status["conditions"] = conditions
    if observed is not None:
        status["observedGeneration"] = observed
    active: dict[str, Any] = {
        "rayClusterName": "espeak-raycluster-abcde",
        "rayClusterStatus": {"readyWorkerReplicas": ready_workers},
    }
    if app is not None:
        deps = {"VoxrayIngress": {"status": ingress}}
        if model is not None:
            deps["TTS-espeak"] = {"status": model}
        active["applicationStatuses"] = {
            "voxray": {"status": app, "message": app_message, "serveDeploymentStatuses": deps}
        }
    status["activeServiceStatus"] = active
    rs["status"] = status
    return rs


def derive(
    rs: dict[str, Any] | None,
    previous: dict[str, Any] | None = None,
    spec: VoiceModelSpec = SPEC,
    now: Any = NOW,
) -> dict[str, Any]:
    out = voicemodel_status_from_rayservice(rs, generation=7, spec=spec, previous=previous, now=now)
    VoiceModelStatus.model_validate(out)  # only fields the CRD keeps
    return out


def cond(status: dict[str, Any], type_: str) -> tuple[str, str]:
    found = get_condition(status["conditions"], type_)
    assert found is not None, type_
    assert found["observedGeneration"] == 7
    return found["status"], found["reason"]


def test_no_rayservice_yet() -> None:
    out = derive(None)
    assert out["phase"] == "Pending"
    assert cond(out, "Ready") == ("False", "RayServicePending")
    assert cond(out, "Progressing")[0] == "True"
    assert cond(out, "ValidationFailed")[0] == "False"
    assert out["observedGeneration"] == 7
    assert out["specHash"] == spec_hash(SPEC)
    assert out["replicas"] == {"desired": 0, "current": 0, "min": 1, "max": 4}
    assert "endpoint" not in out


@pytest.mark.parametrize(
    ("kwargs", "phase", "ready", "progressing", "degraded"),
    [
        ({}, "Deploying", "False", "True", "False"),
        (
            {"ready": ("False", "Initializing"), "app": "DEPLOYING", "model": "UPDATING"},
            "Deploying",
            "False",
            "True",
            "False",
        ),
        (
            {"ready": ("True", "NonZeroServeEndpoints"), "app": "RUNNING", "model": "HEALTHY"},
            "Ready",
            "True",
            "False",
            "False",
        ),
        (
            {
                "ready": ("True", "NonZeroServeEndpoints"),
                "app": "RUNNING",
                "model": "HEALTHY",
                "upgrading": True,
            },
            "Ready",
            "True",
            "True",
            "False",
        ),
        (
            {
                "ready": ("True", "NonZeroServeEndpoints"),
                "app": "RUNNING",
                "model": "HEALTHY",
                "generation": 2,
                "observed": 1,
            },
            "Ready",
            "True",
            "True",
            "False",
        ),
        (
            {"ready": ("True", "NonZeroServeEndpoints"), "app": "UNHEALTHY", "model": "UNHEALTHY"},
            "Degraded",
            "True",
            "False",
            "True",
        ),
        (
            {"ready": ("True", "NonZeroServeEndpoints"), "app": "RUNNING", "model": "UNHEALTHY"},
            "Degraded",
            "True",
            "False",
            "True",
        ),
        (
            {"ready": ("False", "Initializing"), "app": "DEPLOY_FAILED", "app_message": "ImportError: boom"},
            "Failed",
            "False",
            "False",
            "True",
        ),
        ({"ready": ("False", "InitializingTimeout")}, "Failed", "False", "False", "True"),
    ],
)
def test_phase_table(kwargs: dict[str, Any], phase: str, ready: str, progressing: str, degraded: str) -> None:
    out = derive(rayservice(**kwargs))
    assert out["phase"] == phase
    assert cond(out, "Ready")[0] == ready
    assert cond(out, "Progressing")[0] == progressing
    assert cond(out, "Degraded")[0] == degraded
    assert out["rayServiceName"] == "espeak"
    assert out["endpoint"] == "http://espeak-serve-svc.tts.svc:8000"


def test_a_failing_upgrade_keeps_serving_but_says_so() -> None:
    rs = rayservice(ready=("True", "NonZeroServeEndpoints"), app="RUNNING", model="HEALTHY", upgrading=True)
    rs["status"]["pendingServiceStatus"] = {
        "applicationStatuses": {"voxray": {"status": "DEPLOY_FAILED", "message": "ImportError: new code"}}
    }
    out = derive(rs)
    assert out["phase"] == "Ready"
    found = get_condition(out["conditions"], "Progressing")
    assert found is not None
    assert (found["status"], found["reason"], found["message"]) == (
        "True",
        "UpgradeFailing",
        "ImportError: new code",
    )


def test_older_kuberay_without_conditions() -> None:
    rs = rayservice(app="RUNNING", model="HEALTHY")
    rs["status"]["serviceStatus"] = "Running"
    assert derive(rs)["phase"] == "Ready"
    rs["status"]["serviceStatus"] = "WaitForServeDeploymentReady"
    assert derive(rs)["phase"] == "Deploying"


def test_failure_message_comes_from_serve() -> None:
    out = derive(
        rayservice(ready=("False", "Initializing"), app="DEPLOY_FAILED", app_message="ImportError: boom")
    )
    assert out["message"] == "ImportError: boom"
    assert cond(out, "Ready")[1] == "DeployFailed"


def test_losing_endpoints_after_ready_is_degraded() -> None:
    ready = derive(rayservice(ready=("True", "NonZeroServeEndpoints"), app="RUNNING", model="HEALTHY"))
    lost = derive(
        rayservice(ready=("False", "ZeroServeEndpoints"), app="RUNNING", model="HEALTHY"),
        previous=ready,
        now=LATER,
    )
    assert lost["phase"] == "Degraded"
    assert cond(lost, "Degraded") == ("True", "ZeroServeEndpoints")
    never_ready = derive(rayservice(ready=("False", "ZeroServeEndpoints"), app="RUNNING", model="HEALTHY"))
    assert never_ready["phase"] == "Deploying"


@pytest.mark.parametrize(
    ("spec", "model", "ready_workers", "desired", "current"),
    [
        (SPEC, "HEALTHY", 0, 2, 2),  # Serve says all target replicas run
        (SPEC, "UPDATING", 1, 2, 1),  # one pod (one replica per pod) is up
        (SPEC, None, 3, 2, 0),  # no model deployment status yet
        (GPU_SPEC, "UPDATING", 1, 4, 2),  # two replicas per GPU pod
        (GPU_SPEC, "UPDATING", 5, 4, 4),  # capped at desired
    ],
)
def test_replicas(
    spec: VoiceModelSpec, model: str | None, ready_workers: int, desired: int, current: int
) -> None:
    rs = rayservice(
        spec=spec,
        ready=("True", "NonZeroServeEndpoints"),
        app="DEPLOYING",
        model=model,
        ready_workers=ready_workers,
    )
    out = derive(rs, spec=spec)
    assert out["replicas"]["desired"] == desired
    assert out["replicas"]["current"] == current
    assert (out["replicas"]["min"], out["replicas"]["max"]) == (spec.replicas.min, spec.replicas.max)


def test_scaler_fields_are_carried_and_transition_times_kept() -> None:
    rs = rayservice(ready=("True", "NonZeroServeEndpoints"), app="RUNNING", model="HEALTHY")
    first = derive(rs)
    first["lastScaling"] = {"time": "2026-03-01T11:59:00Z", "from": 1, "to": 2, "reason": "up"}
    first["conditions"].append(
        {
            "type": "ScalingActive",
            "status": "True",
            "reason": "Scaling",
            "message": "",
            "lastTransitionTime": "2026-03-01T11:59:00Z",
            "observedGeneration": 7,
        }
    )
    second = derive(rs, previous=first, now=LATER)
    assert second["lastScaling"] == first["lastScaling"]
    assert get_condition(second["conditions"], "ScalingActive") == get_condition(
        first["conditions"], "ScalingActive"
    )
    assert get_condition(second["conditions"], "Ready") == get_condition(first["conditions"], "Ready")


def test_validation_failure_clears_once_the_spec_is_good() -> None:
    prev = {
        "phase": "Failed",
        "conditions": [
            {
                "type": "ValidationFailed",
                "status": "True",
                "reason": "InvalidSpec",
                "message": "spec.x: bad",
                "lastTransitionTime": "2026-03-01T11:00:00Z",
            }
        ],
    }
    out = derive(rayservice(), previous=prev)
    assert cond(out, "ValidationFailed") == ("False", "SpecValid")
