"""A failed Ray job fails the SpeechBatch, with a Warning event and the counts it reached."""

from __future__ import annotations

from opkit import Cluster, FakeDashboard, FakeKubeRay, eventually, speechbatch

from voxray_operator import k8s
from voxray_runtime.batch.progress import Progress


async def test_failed_job_fails_the_batch(
    cluster: Cluster, kuberay: FakeKubeRay, dashboard: FakeDashboard, operator: object
) -> None:
    dashboard.logs["broken-job-1"] = Progress(total=10, done=2, failed=8).line()
    await cluster.create(k8s.SPEECHBATCHES, speechbatch("broken"))
    await cluster.wait_for(k8s.SPEECHBATCHES, "broken", lambda s: s["status"]["phase"] == "Running")

    kuberay.job_results["broken"] = "FAILED"

    failed = await cluster.wait_phase(k8s.SPEECHBATCHES, "broken", "Failed")
    st = failed["status"]
    assert st["counts"]["done"] == 2
    assert st["counts"]["failed"] == 8
    assert {c["type"]: c["status"] for c in st["conditions"]}["Failed"] == "True"
    assert st["finishTime"]
    await eventually(lambda: cluster.reasons("broken"), lambda r: "Failed" in r)
