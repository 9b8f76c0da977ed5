"""Hand edits of a VoiceModel's RayService are put back; the autoscaler's replicas are not edits."""

from __future__ import annotations

from typing import Any

import yaml
from opkit import Cluster, FakeKubeRay, eventually, voicemodel

from voxray_operator import k8s
from voxray_operator.config import DEFAULT_IMAGE


def replicas_of(rs: dict[str, Any], name: str) -> int:
    serve = yaml.safe_load(rs["spec"]["serveConfigV2"])
    return int(
        next(d for d in serve["applications"][0]["deployments"] if d["name"] == f"TTS-{name}")["num_replicas"]
    )


def worker_image(rs: dict[str, Any]) -> str:
    return str(
        rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["image"]
    )


async def edit_by_hand(cluster: Cluster, name: str, *, replicas: int, image: str) -> None:
    rs = await cluster.get(k8s.RAYSERVICES, name)
    assert rs is not None
    serve = yaml.safe_load(rs["spec"]["serveConfigV2"])
    for dep in serve["applications"][0]["deployments"]:
        if dep["name"] == f"TTS-{name}":
            dep["num_replicas"] = replicas
    groups = rs["spec"]["rayClusterConfig"]["workerGroupSpecs"]
    groups[0]["template"]["spec"]["containers"][0]["image"] = image
    await cluster.api.patch(
        k8s.RAYSERVICES,
        "tts",
        name,
        {
            "metadata": {"labels": {"team": "speech"}},
            "spec": {
                "serveConfigV2": yaml.safe_dump(serve),
                "rayClusterConfig": {"workerGroupSpecs": groups},
            },
        },
    )


async def test_hand_edit_is_restored(cluster: Cluster, kuberay: FakeKubeRay, operator: object) -> None:
    await cluster.create(
        k8s.VOICEMODELS, voicemodel("tts-drift", replicas={"min": 1, "max": 3, "initial": 2})
    )
    await cluster.wait_phase(k8s.VOICEMODELS, "tts-drift", "Ready")

    await edit_by_hand(cluster, "tts-drift", replicas=5, image="someone/else:latest")

    rs = await cluster.wait_for(
        k8s.RAYSERVICES,
        "tts-drift",
        lambda r: worker_image(r) == DEFAULT_IMAGE and replicas_of(r, "tts-drift") == 2,
        what="the built spec restored",
    )
    assert rs["metadata"]["labels"]["team"] == "speech"  # fields we never set are left alone
    messages = await eventually(
        lambda: cluster.event_messages("tts-drift", "DriftCorrected"), lambda m: len(m) >= 1
    )
    assert "workerGroupSpecs" in messages[0]
    assert cluster.requests("POST", "rayservices") == 1


async def test_autoscaler_replicas_are_kept(cluster: Cluster, kuberay: FakeKubeRay, operator: object) -> None:
    spec = {"replicas": {"min": 1, "max": 4}, "autoscaling": {"enabled": True, "intervalSeconds": 600}}
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-auto", **spec))
    await cluster.wait_for(k8s.RAYSERVICES, "tts-auto", lambda r: True)

    await edit_by_hand(cluster, "tts-auto", replicas=3, image="someone/else:latest")

    rs = await cluster.wait_for(
        k8s.RAYSERVICES, "tts-auto", lambda r: worker_image(r) == DEFAULT_IMAGE, what="image restored"
    )
    assert replicas_of(rs, "tts-auto") == 3


async def test_deleted_rayservice_is_recreated(
    cluster: Cluster, kuberay: FakeKubeRay, operator: object
) -> None:
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-gone"))
    first = await cluster.wait_for(k8s.RAYSERVICES, "tts-gone", lambda r: True)

    await cluster.api.delete(k8s.RAYSERVICES, "tts", "tts-gone")

    second = await cluster.wait_for(
        k8s.RAYSERVICES,
        "tts-gone",
        lambda r: r["metadata"]["uid"] != first["metadata"]["uid"],
        what="a new RayService",
    )
    assert second["metadata"]["ownerReferences"][0]["name"] == "tts-gone"
    await cluster.wait_phase(k8s.VOICEMODELS, "tts-gone", "Ready")
