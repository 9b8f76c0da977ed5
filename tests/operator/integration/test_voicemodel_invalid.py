"""An invalid VoiceModel gets ValidationFailed naming the field and no child; fixing the spec recovers."""

from __future__ import annotations

from opkit import Cluster, FakeKubeRay, eventually, voicemodel

from voxray_operator import k8s


async def test_invalid_spec_creates_nothing(cluster: Cluster, kuberay: FakeKubeRay, operator: object) -> None:
    # the schema admits it; only the model's cross-field rules reject it
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-bad", engine="piper", quantization="fp16"))

    vm = await cluster.wait_phase(k8s.VOICEMODELS, "tts-bad", "Failed")
    conditions = {c["type"]: c for c in vm["status"]["conditions"]}
    failed = conditions["ValidationFailed"]
    assert failed["status"] == "True"
    assert failed["reason"] == "InvalidSpec"
    # the field once, then the runtime's words: the same text as `voxray render` prints
    assert failed["message"].startswith("spec: quantization 'fp16' is not available for engine piper")
    assert vm["status"]["message"] == failed["message"]
    assert failed["observedGeneration"] == 1
    assert await cluster.get(k8s.RAYSERVICES, "tts-bad") is None
    warnings = await eventually(lambda: cluster.reasons("tts-bad"), lambda r: "Failed" in r)
    assert warnings.count("Failed") == 1

    await cluster.api.patch(k8s.VOICEMODELS, "tts", "tts-bad", {"spec": {"quantization": "int8"}})
    await cluster.wait_for(k8s.RAYSERVICES, "tts-bad", lambda rs: True, what="RayService after the fix")
    vm = await cluster.wait_phase(k8s.VOICEMODELS, "tts-bad", "Ready")
    conditions = {c["type"]: c for c in vm["status"]["conditions"]}
    assert conditions["ValidationFailed"]["status"] == "False"
    assert vm["status"]["observedGeneration"] == 2


async def test_foreign_rayservice_is_not_taken_over(
    cluster: Cluster, kuberay: FakeKubeRay, operator: object
) -> None:
    foreign = {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": {"name": "tts-taken", "namespace": "tts"},
        "spec": {"serveConfigV2": "applications: []\n", "rayClusterConfig": {"headGroupSpec": {}}},
    }
    await cluster.create(k8s.RAYSERVICES, foreign)
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-taken"))

    vm = await cluster.wait_phase(k8s.VOICEMODELS, "tts-taken", "Failed")
    assert vm["status"]["message"].startswith("metadata.name: RayService tts-taken exists and is not owned")
    rs = await cluster.get(k8s.RAYSERVICES, "tts-taken")
    assert rs is not None
    assert rs["spec"]["serveConfigV2"] == "applications: []\n"
    assert not rs["metadata"].get("ownerReferences")
