"""The autoscaler timer end to end: PromQL answer -> decision -> RayService replicas, status, events.

Prometheus here is a stand-in answering ``/api/v1/query`` over HTTP (real PromQL against the real
Prometheus binary is tests/operator/scaling/test_prometheus_scaling.py).
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from opkit import Cluster, FakeKubeRay, FakePrometheus, eventually, voicemodel

from voxray_operator import k8s
from voxray_operator.scaling.autoscaler import HISTORY_ANNOTATION


def model_replicas(rs: dict[str, Any]) -> int:
    serve = yaml.safe_load(rs["spec"]["serveConfigV2"])
    return int(
        next(d for d in serve["applications"][0]["deployments"] if d["name"] == "TTS-tts-gpu")["num_replicas"]
    )


def scaling_condition(vm: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in vm["status"]["conditions"] if c["type"] == "ScalingActive")


async def test_scales_up_down_and_holds(
    cluster: Cluster, kuberay: FakeKubeRay, prometheus: FakePrometheus, operator: object
) -> None:
    prometheus.value = 1.6  # twice the target
    autoscaling = {
        "enabled": True,
        "intervalSeconds": 5,
        "scaleUpStabilizationSeconds": 0,
        "scaleDownStabilizationSeconds": 0,
    }
    await cluster.create(
        k8s.VOICEMODELS, voicemodel("tts-gpu", replicas={"min": 1, "max": 6}, autoscaling=autoscaling)
    )

    rs = await cluster.wait_for(
        k8s.RAYSERVICES, "tts-gpu", lambda r: model_replicas(r) == 2, what="scaled up"
    )
    assert rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["replicas"] == 2
    assert 'namespace="tts"' in prometheus.queries[0]
    vm = await cluster.wait_for(
        k8s.VOICEMODELS,
        "tts-gpu",
        # the status is written first, then the history annotation: wait for both
        lambda v: (
            v["status"].get("lastScaling", {}).get("to") == 2
            and HISTORY_ANNOTATION in (v["metadata"].get("annotations") or {})
        ),
        what="lastScaling and the scaling history",
    )
    assert vm["status"]["lastScaling"]["from"] == 1
    assert vm["status"]["lastScaling"]["utilization"] == 1.6
    assert json.loads(vm["metadata"]["annotations"][HISTORY_ANNOTATION])["v"] == 1
    messages = await eventually(lambda: cluster.event_messages("tts-gpu", "Scaled"), lambda m: len(m) >= 1)
    assert "replicas 1 -> 2" in messages[0]

    # a spec change rolls out without resetting the autoscaler's replicas
    prometheus.value = 0.8  # on target: hold
    await cluster.api.patch(
        k8s.VOICEMODELS, "tts", "tts-gpu", {"spec": {"serving": {"maxOngoingRequests": 40}}}
    )
    rs = await cluster.wait_for(
        k8s.RAYSERVICES, "tts-gpu", lambda r: "max_ongoing_requests: 40" in r["spec"]["serveConfigV2"]
    )
    assert model_replicas(rs) == 2

    prometheus.value = 0.2
    await cluster.wait_for(k8s.RAYSERVICES, "tts-gpu", lambda r: model_replicas(r) == 1, what="scaled down")
    await cluster.wait_for(
        k8s.VOICEMODELS,
        "tts-gpu",
        lambda v: v["status"]["lastScaling"]["to"] == 1 and v["status"]["replicas"]["desired"] == 1,
        what="status after scaling down",
    )

    prometheus.value = None  # the series is gone: hold, and say so
    vm = await cluster.wait_for(
        k8s.VOICEMODELS,
        "tts-gpu",
        lambda v: scaling_condition(v)["status"] == "False",
        what="ScalingActive False",
    )
    condition = scaling_condition(vm)
    assert condition["reason"] == "MetricsUnavailable"
    assert "no-data" in condition["message"]
    rs = await cluster.get(k8s.RAYSERVICES, "tts-gpu")
    assert rs is not None
    assert model_replicas(rs) == 1
