"""A SpeechBatch naming a VoiceModel that does not exist yet waits (Pending, saying why), then runs."""

from __future__ import annotations

from opkit import Cluster, FakeKubeRay, speechbatch, voicemodel

from voxray_operator import k8s


async def test_waits_for_its_voicemodel(cluster: Cluster, kuberay: FakeKubeRay, operator: object) -> None:
    await cluster.create(k8s.SPEECHBATCHES, speechbatch("later", voiceModels=["tts-late"]))

    pending = await cluster.wait_for(
        k8s.SPEECHBATCHES,
        "later",
        lambda s: s["status"]["phase"] == "Pending" and "tts-late" in s["status"]["message"],
        what="Pending naming the missing VoiceModel",
    )
    assert "spec.voiceModels.0" in pending["status"]["message"]
    assert await cluster.get(k8s.RAYJOBS, "later") is None

    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-late"))
    await cluster.wait_for(k8s.RAYJOBS, "later", lambda r: True, what="the RayJob once the model exists")
    await cluster.wait_phase(k8s.SPEECHBATCHES, "later", "Running")


async def test_runs_on_the_voicemodels_cluster(
    cluster: Cluster, kuberay: FakeKubeRay, operator: object
) -> None:
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-shared", output={"volumeClaim": "audio"}))
    await cluster.create(k8s.SPEECHBATCHES, speechbatch("shared", runOn={"voiceModel": "tts-shared"}))

    rayjob = await cluster.wait_for(k8s.RAYJOBS, "shared", lambda r: True)
    # KubeRay's clusterSelector takes the RayCluster's name, which only KubeRay's status knows
    assert rayjob["spec"]["clusterSelector"] == {"ray.io/cluster": "tts-shared-raycluster-x7k2p"}
    assert rayjob["spec"]["shutdownAfterJobFinishes"] is False
    assert "rayClusterSpec" not in rayjob["spec"]
