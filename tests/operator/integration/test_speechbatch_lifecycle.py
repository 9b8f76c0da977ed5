"""SpeechBatch: ConfigMap + RayJob -> progress from the driver's logs -> Succeeded with final counts,
the same counts in the operator's gauges, which go with the SpeechBatch."""

from __future__ import annotations

from opkit import Cluster, FakeDashboard, FakeKubeRay, Operator, eventually, speechbatch, voicemodel

from voxray_operator import k8s
from voxray_runtime.batch.progress import Progress

FILES = "voxray_operator_speechbatch_files"
AUDIO = "voxray_operator_speechbatch_audio_seconds"


async def gauges(operator: Operator, name: str) -> dict[str, float | None]:
    """The batch's gauges: files by state, and audio seconds."""
    labels = {"speechbatch_namespace": "tts", "speechbatch": name}
    out = {
        state: operator.sample(FILES, **labels, state=state)
        for state in ("total", "done", "failed", "skipped")
    }
    out["audio"] = operator.sample(AUDIO, **labels)
    return out


async def test_batch_runs_to_success(
    cluster: Cluster, kuberay: FakeKubeRay, dashboard: FakeDashboard, operator: Operator
) -> None:
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-en"))
    sb = await cluster.create(k8s.SPEECHBATCHES, speechbatch("posts", voiceModels=["tts-en"]))
    owner = {"kind": "SpeechBatch", "name": "posts", "uid": sb["metadata"]["uid"], "controller": True}

    configmap = await cluster.wait_for(k8s.CONFIGMAPS, "posts-speechbatch", lambda c: True)
    assert owner.items() <= configmap["metadata"]["ownerReferences"][0].items()
    assert "kind: VoiceModel" in configmap["data"]["speechbatch.yaml"]  # the model's spec travels along
    rayjob = await cluster.wait_for(k8s.RAYJOBS, "posts", lambda r: True)
    assert owner.items() <= rayjob["metadata"]["ownerReferences"][0].items()
    assert rayjob["spec"]["shutdownAfterJobFinishes"] is True

    job_id = "posts-job-1"  # what the fake KubeRay submits
    dashboard.logs[job_id] = "loading voices\n" + Progress(total=4, done=0, failed=0).line() + "\n"
    running = await cluster.wait_for(
        k8s.SPEECHBATCHES,
        "posts",
        lambda s: s["status"]["phase"] == "Running" and s["status"]["counts"]["total"] == 4,
        what="Running with a total",
    )
    assert running["status"]["rayJobId"] == job_id

    dashboard.logs[job_id] += Progress(total=4, done=3, failed=1, audio_seconds=9.5).line() + "\n"
    advanced = await cluster.wait_for(
        k8s.SPEECHBATCHES, "posts", lambda s: s["status"]["counts"]["done"] == 3, what="progress advances"
    )
    assert advanced["status"]["counts"]["failed"] == 1
    assert advanced["status"]["message"] == "3/4 files done, 1 failed"
    # the operator's gauges follow the status it wrote
    await eventually(
        lambda: gauges(operator, "posts"),
        lambda g: g == {"total": 4, "done": 3, "failed": 1, "skipped": 0, "audio": 9.5},
        what="gauges at 3/4 done",
    )

    dashboard.logs[job_id] += Progress(
        total=4, done=4, failed=0, skipped=0, audio_seconds=12.0, finished=True
    ).line()
    kuberay.job_results["posts"] = "SUCCEEDED"
    done = await cluster.wait_phase(k8s.SPEECHBATCHES, "posts", "Succeeded")
    st = done["status"]
    assert st["counts"] == {"total": 4, "done": 4, "failed": 0, "skipped": 0}
    assert st["audioSeconds"] == 12.0
    assert st["finishTime"] == "2026-01-01T00:10:00Z"
    assert st["startTime"] == "2026-01-01T00:00:00Z"
    conditions = {c["type"]: c["status"] for c in st["conditions"]}
    assert conditions["Complete"] == "True"
    assert conditions["Failed"] == "False"
    # set right after the status write (which the test may see first)
    await eventually(
        lambda: gauges(operator, "posts"),
        lambda g: g == {"total": 4, "done": 4, "failed": 0, "skipped": 0, "audio": 12.0},
        what="gauges at the final counts",
    )
    reasons = await eventually(lambda: cluster.reasons("posts"), lambda r: "Succeeded" in r)
    assert reasons.count("Created") == 2  # the ConfigMap and the RayJob
    # the progress timer has ended, and with it kopf's finalizer
    await cluster.wait_for(k8s.SPEECHBATCHES, "posts", lambda s: not s["metadata"].get("finalizers"))

    # retention: KubeRay deletes the finished RayJob after its TTL; the batch is not run again
    await cluster.api.delete(k8s.RAYJOBS, "tts", "posts")
    await cluster.create(k8s.SPEECHBATCHES, speechbatch("posts-next", voiceModels=["tts-en"]))
    await cluster.wait_for(k8s.RAYJOBS, "posts-next", lambda r: True)
    assert await cluster.get(k8s.RAYJOBS, "posts") is None
    again = await cluster.get(k8s.SPEECHBATCHES, "posts")
    assert again is not None
    assert again["status"]["phase"] == "Succeeded"
    assert cluster.requests("POST", "rayjobs", "posts") == 1
    final = {"total": 4, "done": 4, "failed": 0, "skipped": 0, "audio": 12.0}
    assert await gauges(operator, "posts") == final  # a finished batch keeps its final counts
    # a restarted operator exports them again (from the status: the RayJob is gone)
    await operator.stop()
    await operator.start()
    await eventually(lambda: gauges(operator, "posts"), lambda g: g == final, what="gauges after a restart")

    # deleting the SpeechBatch removes its series
    await cluster.api.delete(k8s.SPEECHBATCHES, "tts", "posts")
    await cluster.wait_gone(k8s.SPEECHBATCHES, "posts")
    await eventually(
        lambda: gauges(operator, "posts"),
        lambda g: set(g.values()) == {None},
        what="the deleted batch's gauges gone",
    )
