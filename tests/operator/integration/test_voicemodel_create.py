"""VoiceModel created -> RayService with an owner reference -> KubeRay Ready -> VoiceModel Ready."""

from __future__ import annotations

import yaml
from opkit import NS, Cluster, eventually, voicemodel

from voxray_operator import k8s


async def test_create_to_ready(cluster: Cluster, kuberay: object, operator: object) -> None:
    vm = await cluster.create(
        k8s.VOICEMODELS, voicemodel("tts-en", replicas={"min": 1, "max": 3, "initial": 2})
    )

    rs = await eventually(
        lambda: cluster.get(k8s.RAYSERVICES, "tts-en"), lambda r: r is not None, what="RayService"
    )
    assert rs is not None
    assert rs["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "voxray.io/v1alpha1",
            "kind": "VoiceModel",
            "name": "tts-en",
            "uid": vm["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    serve = yaml.safe_load(rs["spec"]["serveConfigV2"])
    model = next(d for d in serve["applications"][0]["deployments"] if d["name"] == "TTS-tts-en")
    assert model["num_replicas"] == 2

    ready = await eventually(
        lambda: cluster.get(k8s.VOICEMODELS, "tts-en"),
        lambda v: v["status"]["phase"] == "Ready",
        what="VoiceModel Ready",
    )
    assert ready is not None
    st = ready["status"]
    assert st["endpoint"] == f"http://tts-en-serve-svc.{NS}.svc:8000"
    assert st["rayServiceName"] == "tts-en"
    assert st["observedGeneration"] == 1
    assert st["replicas"]["desired"] == 2
    conditions = {c["type"]: c for c in st["conditions"]}
    assert conditions["Ready"]["status"] == "True"
    assert conditions["Ready"]["observedGeneration"] == 1
    assert conditions["ValidationFailed"]["status"] == "False"
    # no autoscaling, no cleanup to do: no finalizer blocks deletion
    assert not ready["metadata"].get("finalizers")

    reasons = await eventually(lambda: cluster.reasons("tts-en"), lambda r: {"Created", "Ready"} <= set(r))
    assert reasons.count("Created") == 1
