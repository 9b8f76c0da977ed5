"""A CPU TextModel scales its LLM-<name> deployment on sequence slots in use, with the VoiceModel's policy."""

from __future__ import annotations

from typing import Any

import yaml
from opkit import Cluster, FakeKubeRay, FakePrometheus, textmodel

from voxray_operator import k8s


def llm_replicas(rs: dict[str, Any]) -> int:
    serve = yaml.safe_load(rs["spec"]["serveConfigV2"])
    return int(
        next(d for d in serve["applications"][0]["deployments"] if d["name"] == "LLM-gemma")["num_replicas"]
    )


async def test_scales_on_text_slots(
    cluster: Cluster, kuberay: FakeKubeRay, prometheus: FakePrometheus, operator: object
) -> None:
    prometheus.value = 2.0  # every slot busy and as many requests again queued: 2.5x the 0.8 target
    autoscaling = {
        "enabled": True,
        "intervalSeconds": 5,
        "scaleUpStabilizationSeconds": 0,
        "scaleDownStabilizationSeconds": 0,
    }
    await cluster.create(
        k8s.TEXTMODELS,
        textmodel(
            "gemma",
            replicas={"min": 1, "max": 5},
            autoscaling=autoscaling,
            serving={"maxConcurrentSequences": 4},
        ),
    )
    rs = await cluster.wait_for(k8s.RAYSERVICES, "gemma", lambda r: llm_replicas(r) == 3, what="scaled up")
    assert rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["replicas"] == 3
    query = prometheus.queries[0]
    assert "ray_voxray_text_active_sequences" in query
    assert "ray_voxray_text_queue_depth" in query
    assert query.endswith("/ 4")  # 4 slots x 1 replica when it was measured
    tm = await cluster.wait_for(
        k8s.TEXTMODELS,
        "gemma",
        lambda t: t["status"].get("lastScaling", {}).get("to") == 3,
        what="lastScaling",
    )
    assert tm["status"]["lastScaling"]["utilization"] == 2.0
    active = next(c for c in tm["status"]["conditions"] if c["type"] == "ScalingActive")
    assert active["status"] == "True"

    prometheus.value = 0.1
    await cluster.wait_for(k8s.RAYSERVICES, "gemma", lambda r: llm_replicas(r) == 2, what="scaled down")
    assert any(q.endswith("/ 12") for q in prometheus.queries)  # slots follow the replicas
