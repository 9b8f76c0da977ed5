"""An invalid SpeechBatch gets ValidationFailed naming the field, and no ConfigMap or RayJob."""

from __future__ import annotations

from opkit import Cluster, FakeKubeRay, speechbatch

from voxray_operator import k8s


async def test_invalid_batch_creates_nothing(
    cluster: Cluster, kuberay: FakeKubeRay, operator: object
) -> None:
    await cluster.create(k8s.SPEECHBATCHES, speechbatch("typo", variants={"avatars": ["purple_en-US"]}))

    sb = await cluster.wait_phase(k8s.SPEECHBATCHES, "typo", "ValidationFailed")
    condition = next(c for c in sb["status"]["conditions"] if c["type"] == "ValidationFailed")
    assert condition["status"] == "True"
    assert condition["message"].startswith("spec.variants: unknown avatar 'purple_en-US'")
    assert await cluster.get(k8s.RAYJOBS, "typo") is None
    assert await cluster.get(k8s.CONFIGMAPS, "typo-speechbatch") is None
    # no progress timer for a batch that cannot run, so kopf holds no finalizer on it
    await cluster.wait_for(k8s.SPEECHBATCHES, "typo", lambda s: not s["metadata"].get("finalizers"))
