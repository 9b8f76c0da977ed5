"""TextModel status: the VoiceModel's phase rules on its RayService, plus baseUrl, modelId and engine;
SpeechBatch TextModelReady."""

from __future__ import annotations

from typing import Any

import pytest

from tests.operator.unit.support import NOW, SETTINGS
from voxray_operator.api import TextModelStatus
from voxray_operator.builders import GenerationTarget, SecretUse, build_text_rayservice
from voxray_operator.status import (
    get_condition,
    text_model_condition,
    textmodel_status_from_rayservice,
    validation_failed_status,
)
from voxray_runtime.spec.textmodel import TextModelSpec

SPEC = TextModelSpec.model_validate(
    {"servedModelName": "gemma-3", "replicas": {"min": 1, "max": 4, "initial": 2}}
)


def rayservice(ready: str | None, app: str | None, model: str | None = "HEALTHY") -> dict[str, Any]:
    rs = build_text_rayservice("gemma", "nlp", SPEC, SETTINGS)
    rs["metadata"]["generation"] = 1
    status: dict[str, Any] = {"observedGeneration": 1}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": ready, "reason": "NonZeroServeEndpoints"}]
    active: dict[str, Any] = {"rayClusterName": "gemma-raycluster-abcde", "rayClusterStatus": {}}
    if app is not None:
        deps = {"VoxrayIngress": {"status": "HEALTHY"}}
        if model is not None:
            deps["LLM-gemma"] = {"status": model}
        active["applicationStatuses"] = {"voxray": {"status": app, "serveDeploymentStatuses": deps}}
    status["activeServiceStatus"] = active
    rs["status"] = status
    return rs


def derive(rs: dict[str, Any] | None, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    return textmodel_status_from_rayservice(
        rs, name="gemma", generation=1, spec=SPEC, previous=previous, now=NOW
    )


def conditions(st: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in st["conditions"]}


@pytest.mark.parametrize(
    ("rs", "phase", "ready", "degraded"),
    [
        (None, "Pending", ("False", "RayServicePending"), ("False", "AsExpected")),
        (rayservice(None, None), "Deploying", ("False", "Deploying"), ("False", "AsExpected")),
        (
            rayservice("False", "DEPLOYING", "UPDATING"),
            "Deploying",
            ("False", "Deploying"),
            ("False", "AsExpected"),
        ),
        (rayservice("True", "RUNNING"), "Ready", ("True", "Serving"), ("False", "AsExpected")),
        (
            rayservice("True", "UNHEALTHY", "UNHEALTHY"),
            "Degraded",
            ("True", "Unhealthy"),
            ("True", "Unhealthy"),
        ),
        (rayservice("False", "DEPLOY_FAILED"), "Failed", ("False", "DeployFailed"), ("True", "DeployFailed")),
    ],
    ids=["pending", "cluster-coming", "deploying", "ready", "unhealthy", "deploy-failed"],
)
def test_phases(
    rs: dict[str, Any] | None, phase: str, ready: tuple[str, str], degraded: tuple[str, str]
) -> None:
    st = derive(rs)
    assert st["phase"] == phase
    assert conditions(st)["Ready"] == ready
    assert conditions(st)["Degraded"] == degraded
    assert conditions(st)["ValidationFailed"] == ("False", "SpecValid")
    assert all(c["observedGeneration"] == 1 for c in st["conditions"])
    assert (st["modelId"], st["engine"]) == ("gemma-3", "llamacpp")
    TextModelStatus.model_validate(st)  # only fields the CRD keeps


def test_ready_says_where_and_what() -> None:
    st = derive(rayservice("True", "RUNNING"))
    assert st["endpoint"] == "http://gemma-serve-svc.nlp.svc:8000"
    assert st["baseUrl"] == "http://gemma-serve-svc.nlp.svc:8000/v1"
    assert st["message"] == "serving gemma-3 at http://gemma-serve-svc.nlp.svc:8000/v1"
    assert st["replicas"] == {"desired": 2, "current": 2, "min": 1, "max": 4}
    assert st["rayServiceName"] == "gemma"


def test_scaling_history_and_credentials_are_carried() -> None:
    previous = {
        "phase": "Ready",
        "lastScaling": {"time": "2026-03-01T11:00:00Z", "from": 1, "to": 2, "reason": "ScaleUp"},
        "credentials": {"auth": "Required", "apiKeysSecret": "gemma-api-keys"},
        "conditions": [{"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"}],
    }
    st = derive(rayservice("True", "RUNNING"), previous)
    assert st["lastScaling"]["to"] == 2
    assert st["credentials"]["apiKeysSecret"] == "gemma-api-keys"
    assert conditions(st)["ScalingActive"] == ("True", "ValidMetricFound")


def test_invalid_spec_names_the_field() -> None:
    st = validation_failed_status(
        "TextModel",
        message="spec.contextLength: Input should be greater than or equal to 128",
        generation=3,
        previous={"phase": "Ready", "modelId": "gemma-3", "conditions": []},
        now=NOW,
    )
    assert st["phase"] == "Failed"
    assert st["modelId"] == "gemma-3"  # a TextModel's own fields survive
    cond = get_condition(st["conditions"], "ValidationFailed")
    assert cond is not None
    assert (cond["status"], cond["reason"], cond["observedGeneration"]) == ("True", "InvalidSpec", 3)
    assert cond["message"].startswith("spec.contextLength")


@pytest.mark.parametrize(
    ("problem", "target", "want"),
    [
        (("TextModelNotFound", "spec.generate.textModel: TextModel 'gemma' was not found"), None, "False"),
        (("TextModelNotReady", "spec.generate.textModel: not Ready yet"), None, "False"),
        (
            None,
            GenerationTarget(
                "gemma", "http://x/v1", "gemma-3", SecretUse("gemma-api-keys", "batch-api-key", True)
            ),
            "True",
        ),
    ],
)
def test_text_model_ready_condition(
    problem: tuple[str, str] | None, target: GenerationTarget | None, want: str
) -> None:
    st = text_model_condition({"phase": "Pending"}, generation=2, now=NOW, target=target, problem=problem)
    cond = get_condition(st["conditions"], "TextModelReady")
    assert cond is not None
    assert cond["status"] == want
    assert cond["observedGeneration"] == 2
    if problem is not None:
        assert (cond["reason"], st["message"]) == problem
    else:
        assert "batch-api-key" in cond["message"]
        assert "gemma-3" in cond["message"]
