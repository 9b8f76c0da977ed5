"""A VoiceModel spec update rolls out to its RayService; the status follows KubeRay to the new generation."""

from __future__ import annotations

import yaml
from opkit import Cluster, FakeKubeRay, voicemodel

from voxray_operator import k8s
from voxray_operator.builders import SPEC_HASH_ANNOTATION


def model_deployment(rs: dict[str, object]) -> dict[str, object]:
    serve = yaml.safe_load(rs["spec"]["serveConfigV2"])  # type: ignore[index]
    return next(d for d in serve["applications"][0]["deployments"] if d["name"] == "TTS-tts-es")


async def test_spec_update_rolls_out(cluster: Cluster, kuberay: FakeKubeRay, operator: object) -> None:
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-es"))
    await cluster.wait_phase(k8s.VOICEMODELS, "tts-es", "Ready")
    before = await cluster.get(k8s.RAYSERVICES, "tts-es")
    assert before is not None

    await cluster.api.patch(
        k8s.VOICEMODELS,
        "tts",
        "tts-es",
        {"spec": {"serving": {"maxOngoingRequests": 64}, "image": "registry.example/voxray:0.2.0"}},
    )

    after = await cluster.wait_for(
        k8s.RAYSERVICES,
        "tts-es",
        lambda rs: model_deployment(rs)["max_ongoing_requests"] == 64,
        what="the new spec in serveConfigV2",
    )
    assert after["metadata"]["uid"] == before["metadata"]["uid"]  # patched, not replaced
    assert (
        after["metadata"]["annotations"][SPEC_HASH_ANNOTATION]
        != before["metadata"]["annotations"][SPEC_HASH_ANNOTATION]
    )
    containers = [
        g["template"]["spec"]["containers"][0]["image"]
        for g in after["spec"]["rayClusterConfig"]["workerGroupSpecs"]
    ]
    assert containers == ["registry.example/voxray:0.2.0"]

    vm = await cluster.wait_for(
        k8s.VOICEMODELS,
        "tts-es",
        lambda v: v["status"]["observedGeneration"] == 2 and v["status"]["phase"] == "Ready",
        what="status of generation 2",
    )
    assert vm["metadata"]["generation"] == 2
    assert "Updated" in await cluster.reasons("tts-es")
    assert cluster.requests("POST", "rayservices") == 1
