"""TranscriptionModel created -> generated Secrets -> RayService with its STT-<name> deployment -> Ready
with its OpenAI URL; a spec edit rebuilds it; a bad spec fails naming the field, with no RayService."""

from __future__ import annotations

import yaml
from opkit import NS, Cluster, eventually, transcriptionmodel

from voxray_operator import k8s


def condition(obj: dict[str, object], type_: str) -> dict[str, str]:
    status = obj["status"]
    assert isinstance(status, dict)
    return next(c for c in status["conditions"] if c["type"] == type_)


def stt_deployment(rs: dict[str, object], name: str) -> dict[str, object]:
    spec = rs["spec"]
    assert isinstance(spec, dict)
    app = yaml.safe_load(spec["serveConfigV2"])["applications"][0]
    return next(d for d in app["deployments"] if d["name"] == f"STT-{name}")  # type: ignore[no-any-return]


async def test_transcriptionmodel_to_ready_and_an_edit_rebuilds_it(
    cluster: Cluster, kuberay: object, operator: object
) -> None:
    tr = await cluster.create(
        k8s.TRANSCRIPTIONMODELS,
        transcriptionmodel("whisper", servedModelName="whisper-1", resources={"cpu": 2}, languages=["en"]),
    )
    rs = await eventually(lambda: cluster.get(k8s.RAYSERVICES, "whisper"), lambda r: r is not None)
    assert rs is not None
    assert rs["metadata"]["ownerReferences"][0]["uid"] == tr["metadata"]["uid"]
    assert rs["metadata"]["labels"]["voxray.io/transcriptionmodel"] == "whisper"
    app = yaml.safe_load(rs["spec"]["serveConfigV2"])["applications"][0]
    assert app["args"]["stt"]["name"] == "whisper"
    assert app["args"]["stt"]["spec"]["languages"] == ["en"]
    assert stt_deployment(rs, "whisper")["ray_actor_options"]["num_cpus"] == 2
    assert await cluster.get(k8s.SECRETS, "whisper-api-keys") is not None

    ready = await cluster.wait_for(
        k8s.TRANSCRIPTIONMODELS, "whisper", lambda t: t["status"]["phase"] == "Ready", what="Ready"
    )
    st = ready["status"]
    assert st["baseUrl"] == f"http://whisper-serve-svc.{NS}.svc:8000/v1"
    assert (st["modelId"], st["engine"], st["model"]) == ("whisper-1", "faster-whisper", "base")
    assert condition(ready, "Ready")["observedGeneration"] == 1
    assert "/v1/audio/transcriptions" in st["message"]

    await cluster.api.patch(
        k8s.TRANSCRIPTIONMODELS, NS, "whisper", {"spec": {"serving": {"maxConcurrent": 2}}}
    )
    rebuilt = await eventually(
        lambda: cluster.get(k8s.RAYSERVICES, "whisper"),
        lambda r: r is not None and stt_deployment(r, "whisper")["max_ongoing_requests"] == 10,
        what="STT-whisper with two workers",
    )
    assert rebuilt is not None


async def test_invalid_transcriptionmodel_names_the_field(
    cluster: Cluster, kuberay: object, operator: object
) -> None:
    await cluster.create(k8s.TRANSCRIPTIONMODELS, transcriptionmodel("bad", computeType="float16"))
    tr = await cluster.wait_for(
        k8s.TRANSCRIPTIONMODELS, "bad", lambda t: t.get("status", {}).get("phase") == "Failed", what="Failed"
    )
    cond = condition(tr, "ValidationFailed")
    assert (cond["status"], cond["reason"]) == ("True", "InvalidSpec")
    assert "needs a GPU" in cond["message"]
    assert await cluster.get(k8s.RAYSERVICES, "bad") is None
