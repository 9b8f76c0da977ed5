"""Deleting a VoiceModel: its RayService goes by the owner reference, and nothing brings it back."""

from __future__ import annotations

from opkit import Cluster, FakeKubeRay, voicemodel

from voxray_operator import k8s
from voxray_operator.handlers.common import FINALIZER


async def test_delete_removes_the_rayservice(
    cluster: Cluster, kuberay: FakeKubeRay, operator: object
) -> None:
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-del"))
    await cluster.wait_phase(k8s.VOICEMODELS, "tts-del", "Ready")

    await cluster.api.delete(k8s.VOICEMODELS, "tts", "tts-del")

    await cluster.wait_gone(k8s.VOICEMODELS, "tts-del")  # no finalizer held it
    await cluster.wait_gone(k8s.RAYSERVICES, "tts-del")  # the garbage collector took the child
    # the operator saw the RayService's DELETED event; by the time a later model is Ready it has acted on it
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-after"))
    await cluster.wait_phase(k8s.VOICEMODELS, "tts-after", "Ready")
    # A reconcile already past its read of the VoiceModel when the delete lands may create the child
    # once more; its owner's uid is gone, so the garbage collector removes it (as a real API server
    # does). What must hold: the RayService stays gone, and no reconcile loop keeps recreating it.
    await cluster.wait_gone(k8s.RAYSERVICES, "tts-del")
    assert cluster.requests("POST", "rayservices", "tts-del") <= 2


async def test_delete_autoscaled_model(cluster: Cluster, kuberay: FakeKubeRay, operator: object) -> None:
    spec = {"replicas": {"min": 1, "max": 2}, "autoscaling": {"enabled": True, "intervalSeconds": 600}}
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-scaled", **spec))
    # kopf's finalizer guards the scaling timer, and only on autoscaled models
    await cluster.wait_for(
        k8s.VOICEMODELS, "tts-scaled", lambda v: FINALIZER in v["metadata"].get("finalizers", [])
    )
    await cluster.wait_for(k8s.RAYSERVICES, "tts-scaled", lambda r: True)

    await cluster.api.delete(k8s.VOICEMODELS, "tts", "tts-scaled")

    await cluster.wait_gone(k8s.VOICEMODELS, "tts-scaled")
    await cluster.wait_gone(k8s.RAYSERVICES, "tts-scaled")
