"""A SpeechBatch queued in Kueue, over real HTTP: the RayJob is created suspended with Kueue's labels, the
batch is Queued until "Kueue" (the test) unsuspends it, then runs; a preemption (suspend again) queues it
again, and the operator never takes the RayJob's suspend back (Kueue owns it once created)."""

from __future__ import annotations

from typing import Any

from opkit import NS, Cluster, FakeKubeRay, Operator, speechbatch

from voxray_operator import k8s


def admitted(sb: dict[str, Any]) -> tuple[str, str]:
    cond = next(c for c in sb["status"]["conditions"] if c["type"] == "Admitted")
    return cond["status"], cond["reason"]


async def kueue_sets_suspend(cluster: Cluster, value: bool) -> None:
    await cluster.api.patch(k8s.RAYJOBS, NS, "posts", {"spec": {"suspend": value}})


async def test_queued_batch_waits_for_admission_and_is_requeued_on_preemption(
    cluster: Cluster, kuberay: FakeKubeRay, operator: Operator
) -> None:
    await cluster.create(
        k8s.SPEECHBATCHES,
        speechbatch("posts", runOn={"dedicated": True}, queueName="gpu-batch", workloadPriorityClass="low"),
    )
    rayjob = await cluster.wait_for(k8s.RAYJOBS, "posts", lambda r: True)
    assert rayjob["spec"]["suspend"] is True
    assert rayjob["metadata"]["labels"]["kueue.x-k8s.io/queue-name"] == "gpu-batch"
    assert rayjob["metadata"]["labels"]["kueue.x-k8s.io/priority-class"] == "low"
    queued = await cluster.wait_for(
        k8s.SPEECHBATCHES,
        "posts",
        lambda s: (
            s["status"]["phase"] == "Queued"
            and (s["status"].get("rayJobName") == "posts")
            and admitted(s) == ("False", "Queued")
        ),
        what="Queued, not admitted",
    )
    assert "LocalQueue gpu-batch" in queued["status"]["message"]

    await kueue_sets_suspend(cluster, False)  # Kueue admits the Workload
    await cluster.wait_for(
        k8s.SPEECHBATCHES,
        "posts",
        lambda s: s["status"]["phase"] == "Running" and admitted(s) == ("True", "Admitted"),
        what="admitted and running",
    )

    await kueue_sets_suspend(cluster, True)  # Kueue preempts it
    await cluster.wait_for(
        k8s.SPEECHBATCHES,
        "posts",
        lambda s: s["status"]["phase"] == "Queued" and admitted(s) == ("False", "Requeued"),
        what="requeued after preemption",
    )
    await kueue_sets_suspend(cluster, False)  # re-admitted: it runs again and finishes
    kuberay.job_results["posts"] = "SUCCEEDED"
    done = await cluster.wait_phase(k8s.SPEECHBATCHES, "posts", "Succeeded")
    assert admitted(done) == ("True", "Admitted")
    final = await cluster.get(k8s.RAYJOBS, "posts")
    assert final is not None
    assert final["spec"]["suspend"] is False  # never set back by the operator
