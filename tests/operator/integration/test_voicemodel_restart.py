"""Operator restarts: resume applies what changed meanwhile, creates no duplicates, touches nothing else."""

from __future__ import annotations

import yaml
from opkit import Cluster, FakeKubeRay, Operator, voicemodel

from voxray_operator import k8s


def max_ongoing(rs: dict[str, object]) -> int:
    serve = yaml.safe_load(rs["spec"]["serveConfigV2"])  # type: ignore[index]
    dep = next(d for d in serve["applications"][0]["deployments"] if d["name"] == "TTS-tts-rs")
    return int(dep["max_ongoing_requests"])


async def test_restart_resumes_without_duplicates(
    cluster: Cluster, kuberay: FakeKubeRay, operator: Operator
) -> None:
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-rs"))
    await cluster.wait_phase(k8s.VOICEMODELS, "tts-rs", "Ready")
    before = await cluster.get(k8s.RAYSERVICES, "tts-rs")
    assert before is not None

    # a spec change while the operator is down is applied when it comes back
    await operator.stop()
    await cluster.api.patch(
        k8s.VOICEMODELS, "tts", "tts-rs", {"spec": {"serving": {"maxOngoingRequests": 48}}}
    )
    await operator.start()
    after = await cluster.wait_for(k8s.RAYSERVICES, "tts-rs", lambda r: max_ongoing(r) == 48, what="resumed")
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    await cluster.wait_for(
        k8s.VOICEMODELS,
        "tts-rs",
        lambda v: v["status"]["observedGeneration"] == 2 and v["status"]["phase"] == "Ready",
    )

    # a restart with nothing changed writes nothing to the RayService
    spec_patches = cluster.requests("PATCH", "rayservices", "tts-rs")
    await operator.stop()
    await operator.start()
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-sentinel"))
    await cluster.wait_phase(k8s.VOICEMODELS, "tts-sentinel", "Ready")
    assert cluster.requests("PATCH", "rayservices", "tts-rs") == spec_patches
    assert cluster.requests("POST", "rayservices", "tts-rs") == 1
    vm = await cluster.get(k8s.VOICEMODELS, "tts-rs")
    assert vm is not None
    assert vm["status"]["phase"] == "Ready"
