"""Prometheus unreachable (a closed port): the operator's autoscaler holds the replicas where they are and
says why in the VoiceModel's ScalingActive condition, a Warning event and its metrics. The real operator
(kopf) against the API server emulator; the RayService stands in for KubeRay's."""

from __future__ import annotations

import socket

import pytest
import yaml
from opkit import Cluster, FakeKubeRay, Operator, eventually, voicemodel

from voxray_operator import k8s

pytestmark = pytest.mark.timeout(120)

NAME = "tts-gpu"


def closed_port() -> int:
    """A loopback port that was free a moment ago and has nothing listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def unreachable_prometheus(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("VOXRAY_OPERATOR_PROMETHEUS_URL", url)
    return url


def model_replicas(rs: dict[str, object]) -> int:
    serve = yaml.safe_load(rs["spec"]["serveConfigV2"])  # type: ignore[index]
    deployments = serve["applications"][0]["deployments"]
    return int(next(d for d in deployments if d["name"] == f"TTS-{NAME}")["num_replicas"])


def scaling_condition(vm: dict[str, object]) -> dict[str, str]:
    conditions = (vm.get("status") or {}).get("conditions") or []  # type: ignore[attr-defined]
    return next((c for c in conditions if c["type"] == "ScalingActive"), {})


async def test_prometheus_unreachable_holds_replicas_and_says_why(
    cluster: Cluster, kuberay: FakeKubeRay, unreachable_prometheus: str, operator: Operator
) -> None:
    autoscaling = {"enabled": True, "intervalSeconds": 5, "scaleDownStabilizationSeconds": 0}
    await cluster.create(
        k8s.VOICEMODELS,
        voicemodel(NAME, replicas={"min": 1, "max": 6, "initial": 3}, autoscaling=autoscaling),
    )
    rs = await cluster.wait_for(k8s.RAYSERVICES, NAME, lambda r: model_replicas(r) == 3, what="RayService")

    # the condition says why nothing scales
    vm = await cluster.wait_for(
        k8s.VOICEMODELS,
        NAME,
        lambda v: scaling_condition(v).get("status") == "False",
        what="ScalingActive False",
    )
    condition = scaling_condition(vm)
    assert condition["reason"] == "MetricsUnavailable"
    assert "unreachable" in condition["message"]
    assert unreachable_prometheus.removeprefix("http://") in condition["message"]
    message = condition["message"]
    assert message.startswith("holding at 3: prometheus error: unreachable"), message

    # a Warning event says it too
    events = await eventually(
        cluster.events, lambda es: any(e.get("reason") == "MetricsUnavailable" for e in es), what="event"
    )
    event = next(e for e in events if e.get("reason") == "MetricsUnavailable")
    assert event["type"] == "Warning"
    assert event["involvedObject"]["name"] == NAME

    # several evaluations later the replicas are unchanged and the metrics count the failures
    async def errors() -> float:
        return operator.sample("voxray_operator_prometheus_query_errors_total", error="unreachable") or 0.0

    await eventually(errors, lambda n: n >= 2, within=30, what="two failed evaluations")
    rs = await cluster.get(k8s.RAYSERVICES, NAME)
    assert rs is not None
    assert model_replicas(rs) == 3
    assert rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["replicas"] == 3
    decisions = operator.sample(
        "voxray_operator_scaling_decisions_total", direction="none", reason="MetricsUnavailable"
    )
    assert decisions is not None
    assert decisions >= 2
    desired = operator.sample("voxray_operator_desired_replicas", voicemodel_namespace="tts", voicemodel=NAME)
    assert desired == 3
    vm = await cluster.get(k8s.VOICEMODELS, NAME)
    assert vm is not None
    assert "lastScaling" not in vm["status"]
