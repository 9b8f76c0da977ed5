"""TextModel created -> generated Secrets (with the batch key) -> RayService -> Ready with its OpenAI URL;
a SpeechBatch generating with it waits (TextModelReady False) until it exists and is Ready."""

from __future__ import annotations

import base64

import yaml
from opkit import NS, Cluster, eventually, speechbatch, textmodel

from voxray_operator import k8s
from voxray_runtime.security.config import ApiKeyFile

GENERATE = {
    "textModel": "gemma",
    "brief": "A boutique hotel by the sea opens its rooftop terrace.",
    "count": 2,
    "languages": ["en", "es"],
}


def condition(obj: dict[str, object], type_: str) -> dict[str, str]:
    status = obj["status"]
    assert isinstance(status, dict)
    return next(c for c in status["conditions"] if c["type"] == type_)


async def test_textmodel_to_ready_and_a_batch_that_waits_for_it(
    cluster: Cluster, kuberay: object, operator: object
) -> None:
    # the batch comes first: nothing to generate with yet, so it waits and says why
    batch = speechbatch("posts", generate=GENERATE, runOn={"workers": 0}, output={"volumeClaim": "audio"})
    batch["spec"].pop("input")
    await cluster.create(k8s.SPEECHBATCHES, batch)
    waiting = await cluster.wait_for(
        k8s.SPEECHBATCHES,
        "posts",
        lambda b: condition(b, "TextModelReady")["reason"] == "TextModelNotFound",
        what="TextModelReady False",
    )
    assert condition(waiting, "TextModelReady")["status"] == "False"
    assert "spec.generate.textModel" in condition(waiting, "TextModelReady")["message"]
    assert await cluster.get(k8s.RAYJOBS, "posts") is None

    tm = await cluster.create(
        k8s.TEXTMODELS, textmodel("gemma", servedModelName="gemma-3", resources={"cpu": 2})
    )
    rs = await eventually(lambda: cluster.get(k8s.RAYSERVICES, "gemma"), lambda r: r is not None)
    assert rs is not None
    assert rs["metadata"]["ownerReferences"][0]["uid"] == tm["metadata"]["uid"]
    serve = yaml.safe_load(rs["spec"]["serveConfigV2"])
    app = serve["applications"][0]
    assert [t["name"] for t in app["args"]["textModels"]] == ["gemma"]
    llm = next(d for d in app["deployments"] if d["name"] == "LLM-gemma")
    assert llm["ray_actor_options"] == {"num_cpus": 2}

    keys = await cluster.get(k8s.SECRETS, "gemma-api-keys")
    assert keys is not None
    data = {k: base64.b64decode(v).decode() for k, v in keys["data"].items()}
    parsed = ApiKeyFile.model_validate(yaml.safe_load(data["keys.yaml"])).keys
    assert [k.id for k in parsed] == ["default", "batch"]
    assert data["batch-api-key"] not in data["keys.yaml"]  # the serving pods get hashes only
    assert await cluster.get(k8s.SECRETS, "gemma-audit-key") is not None

    ready = await cluster.wait_for(
        k8s.TEXTMODELS, "gemma", lambda t: t["status"]["phase"] == "Ready", what="TextModel Ready"
    )
    st = ready["status"]
    assert st["baseUrl"] == f"http://gemma-serve-svc.{NS}.svc:8000/v1"
    assert (st["modelId"], st["engine"]) == ("gemma-3", "llamacpp")
    assert condition(ready, "Ready")["observedGeneration"] == 1
    assert condition(ready, "CredentialsReady")["reason"] == "GeneratedApiKey"

    # the batch's retry finds it Ready: the RayJob gets the URL, the model id and the batch key
    job = await eventually(lambda: cluster.get(k8s.RAYJOBS, "posts"), lambda j: j is not None, within=30)
    assert job is not None
    env = yaml.safe_load(job["spec"]["runtimeEnvYAML"])["env_vars"]
    assert env["VOXRAY_TEXT_MODEL_URL"] == st["baseUrl"]
    assert env["VOXRAY_TEXT_MODEL_ID"] == "gemma-3"
    assert env["VOXRAY_TEXT_API_KEY_FILE"] == "/etc/voxray/text-api-key/api-key"
    head = job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
    (key,) = [v for v in head["volumes"] if v["name"] == "text-api-key"]
    assert key["secret"]["items"] == [{"key": "batch-api-key", "path": "api-key"}]
    batch_now = await cluster.wait_for(
        k8s.SPEECHBATCHES, "posts", lambda b: condition(b, "TextModelReady")["status"] == "True"
    )
    assert "gemma" in condition(batch_now, "TextModelReady")["message"]


async def test_invalid_textmodel_names_the_field(cluster: Cluster, kuberay: object, operator: object) -> None:
    await cluster.create(k8s.TEXTMODELS, textmodel("bad", engine="vllm"))  # vLLM without a GPU or weights
    tm = await cluster.wait_for(
        k8s.TEXTMODELS, "bad", lambda t: t.get("status", {}).get("phase") == "Failed", what="Failed"
    )
    cond = condition(tm, "ValidationFailed")
    assert (cond["status"], cond["reason"]) == ("True", "InvalidSpec")
    assert cond["message"].startswith("spec")
    assert "vllm" in cond["message"]
    assert await cluster.get(k8s.RAYSERVICES, "bad") is None
