"""A CPU TranscriptionModel scales its STT-<name> deployment on Whisper workers in use (running and
waiting transcriptions over maxConcurrent x replicas), with the policy every served kind shares."""

from __future__ import annotations

from opkit import Cluster, FakeKubeRay, FakePrometheus, transcriptionmodel

from voxray_operator import k8s
from voxray_operator.builders import model_replicas

FAST = {"enabled": True, "intervalSeconds": 5, "scaleUpStabilizationSeconds": 0}


async def test_scales_on_whisper_workers_in_use(
    cluster: Cluster, kuberay: FakeKubeRay, prometheus: FakePrometheus, operator: object
) -> None:
    prometheus.value = 1.5  # both workers busy and one upload waiting per worker: 1.875x the target
    spec = {"replicas": {"min": 1, "max": 3}, "autoscaling": FAST, "serving": {"maxConcurrent": 2}}
    await cluster.create(k8s.TRANSCRIPTIONMODELS, transcriptionmodel("asr", **spec))
    await cluster.wait_for(
        k8s.RAYSERVICES, "asr", lambda r: model_replicas(r, deployment="STT-asr") == 2, what="scaled up"
    )
    query = prometheus.queries[0]
    assert "ray_voxray_stt_inflight" in query
    assert query.endswith("/ 2")  # 2 workers x 1 replica when it was measured
    tr = await cluster.wait_for(
        k8s.TRANSCRIPTIONMODELS, "asr", lambda t: t["status"].get("lastScaling", {}).get("to") == 2
    )
    assert tr["status"]["lastScaling"]["utilization"] == 1.5
    assert tr["status"]["replicas"]["desired"] == 2
