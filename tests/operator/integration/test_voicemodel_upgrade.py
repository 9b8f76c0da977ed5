"""VoiceModel with spec.upgrade -> the RayService's upgradeStrategy; KubeRay's incremental upgrade in
progress -> the VoiceModel stays Ready, Progressing says Upgrading with the traffic split, status.upgrade
follows; when KubeRay is done the upgrade field goes."""

from __future__ import annotations

from opkit import Cluster, FakeKubeRay, voicemodel

from voxray_operator import k8s

UPGRADE = {
    "strategy": "NewClusterWithIncrementalUpgrade",
    "incremental": {
        "gatewayClassName": "istio",
        "stepSizePercent": 20,
        "intervalSeconds": 60,
        "maxSurgePercent": 40,
    },
}


def progressing(vm: dict[str, object]) -> dict[str, str]:
    return next(c for c in vm["status"]["conditions"] if c["type"] == "Progressing")  # type: ignore[index]


async def test_incremental_upgrade_is_reported(
    cluster: Cluster, kuberay: FakeKubeRay, operator: object
) -> None:
    await cluster.create(
        k8s.VOICEMODELS, voicemodel("tts-up", replicas={"min": 1, "max": 4}, upgrade=UPGRADE)
    )
    rs = await cluster.wait_for(k8s.RAYSERVICES, "tts-up", lambda r: True)
    assert rs["spec"]["upgradeStrategy"] == {
        "type": "NewClusterWithIncrementalUpgrade",
        "clusterUpgradeOptions": {
            "gatewayClassName": "istio",
            "stepSizePercent": 20,
            "intervalSeconds": 60,
            "maxSurgePercent": 40,
        },
    }
    assert rs["spec"]["rayClusterConfig"]["enableInTreeAutoscaling"] is True
    await cluster.wait_phase(k8s.VOICEMODELS, "tts-up", "Ready")

    kuberay.upgrades["tts-up"] = {
        "conditions": [
            {
                "type": "UpgradeInProgress",
                "status": "True",
                "reason": "BothActivePendingClustersExist",
                "message": "",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            }
        ],
        "pendingServiceStatus": {
            "rayClusterName": "tts-up-raycluster-new",
            "trafficRoutedPercent": 40,
            "targetCapacity": 60,
        },
    }
    upgrading = await cluster.wait_for(
        k8s.VOICEMODELS, "tts-up", lambda v: "upgrade" in v["status"], what="status.upgrade"
    )
    assert upgrading["status"]["phase"] == "Ready"
    assert upgrading["status"]["upgrade"]["pendingTrafficPercent"] == 40
    assert progressing(upgrading)["reason"] == "Upgrading"
    assert "40% of the traffic on the new cluster" in progressing(upgrading)["message"]

    del kuberay.upgrades["tts-up"]
    done = await cluster.wait_for(
        k8s.VOICEMODELS, "tts-up", lambda v: progressing(v)["reason"] == "Deployed", what="upgrade over"
    )
    assert "upgrade" not in done["status"]
