"""VoiceModel credentials: a generated API key (once, never rotated), a referenced Secret that is missing."""

from __future__ import annotations

import base64

import yaml
from opkit import Cluster, FakeKubeRay, Operator, eventually, voicemodel

from voxray_operator import k8s


def condition(vm: dict[str, object], type_: str) -> dict[str, str]:
    conditions = vm["status"]["conditions"]  # type: ignore[index]
    return next(c for c in conditions if c["type"] == type_)  # type: ignore[union-attr]


async def test_generated_key_is_created_once_and_never_rotated(
    cluster: Cluster, kuberay: FakeKubeRay, operator: Operator
) -> None:
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-keys"))
    vm = await cluster.wait_phase(k8s.VOICEMODELS, "tts-keys", "Ready")
    ready = condition(vm, "CredentialsReady")
    assert (ready["status"], ready["reason"]) == ("True", "GeneratedApiKey")
    command = "kubectl -n tts get secret tts-keys-api-keys -o jsonpath='{.data.api-key}' | base64 -d"
    assert vm["status"]["credentials"]["readKeyCommand"] == command
    secret = await cluster.get(k8s.SECRETS, "tts-keys-api-keys")
    assert secret is not None
    assert secret["metadata"]["ownerReferences"][0]["uid"] == vm["metadata"]["uid"]
    key = base64.b64decode(secret["data"]["api-key"])
    assert len(key) >= 43
    messages = await eventually(
        lambda: cluster.event_messages("tts-keys", "ApiKeyGenerated"), bool, what="ApiKeyGenerated event"
    )
    assert command in messages[0]
    assert key.decode() not in " ".join(messages)

    # spec changes and restarts reconcile again: the Secrets are read, never rewritten
    await cluster.api.patch(
        k8s.VOICEMODELS, "tts", "tts-keys", {"spec": {"serving": {"maxOngoingRequests": 8}}}
    )
    await cluster.wait_for(k8s.VOICEMODELS, "tts-keys", lambda v: v["status"]["observedGeneration"] == 2)
    await operator.stop()
    await operator.start()
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-sentinel"))
    await cluster.wait_phase(k8s.VOICEMODELS, "tts-sentinel", "Ready")
    again = await cluster.get(k8s.SECRETS, "tts-keys-api-keys")
    assert again is not None
    assert again["data"] == secret["data"]
    assert again["metadata"]["resourceVersion"] == secret["metadata"]["resourceVersion"]
    assert cluster.requests("POST", "secrets", "tts-keys-api-keys") == 1
    assert cluster.requests("PATCH", "secrets") == 0


async def test_missing_referenced_secret_is_a_condition_then_heals(
    cluster: Cluster, kuberay: FakeKubeRay, operator: Operator
) -> None:
    spec = {"security": {"apiKeys": {"secretRef": {"name": "tenant-keys"}}}}
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-ref", **spec))
    vm = await cluster.wait_for(
        k8s.VOICEMODELS,
        "tts-ref",
        lambda v: condition(v, "CredentialsReady")["reason"] == "SecretNotFound",
        what="SecretNotFound",
    )
    cond = condition(vm, "CredentialsReady")
    assert cond["status"] == "False"
    assert cond["message"] == "Secret tts/tenant-keys was not found"
    assert vm["status"]["phase"] == "Pending"
    assert await cluster.get(k8s.RAYSERVICES, "tts-ref") is None  # pods would hang on the missing volume
    assert await cluster.get(k8s.SECRETS, "tts-ref-api-keys") is None  # a referenced Secret is not generated
    await eventually(
        lambda: cluster.reasons("tts-ref"), lambda r: "SecretNotFound" in r, what="Warning event"
    )

    # a Secret without the key is still not usable
    wrong = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tenant-keys"}, "data": {"x": "eA=="}}
    await cluster.create(k8s.SECRETS, wrong)
    await cluster.wait_for(
        k8s.VOICEMODELS,
        "tts-ref",
        lambda v: condition(v, "CredentialsReady")["reason"] == "SecretKeyNotFound",
    )
    await cluster.api.patch(k8s.SECRETS, "tts", "tenant-keys", {"data": {"keys.yaml": "a2V5czogW10K"}})
    vm = await cluster.wait_phase(k8s.VOICEMODELS, "tts-ref", "Ready")  # retried: no watch on Secrets needed
    assert condition(vm, "CredentialsReady")["status"] == "True"
    assert vm["status"]["credentials"]["apiKeysSecret"] == "tenant-keys"
    assert "readKeyCommand" not in vm["status"]["credentials"]


def ingress_env(rs: dict[str, object]) -> dict[str, str] | None:
    serve = yaml.safe_load(rs["spec"]["serveConfigV2"])  # type: ignore[index]
    deployments = serve["applications"][0]["deployments"]
    ingress = next(d for d in deployments if d["name"] == "VoxrayIngress")
    env = (ingress["ray_actor_options"].get("runtime_env") or {}).get("env_vars")
    return dict(env) if env is not None else None


async def test_credentials_revision_annotation_restarts_only_the_ingress(
    cluster: Cluster, kuberay: FakeKubeRay, operator: Operator
) -> None:
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-rot"))
    await cluster.wait_phase(k8s.VOICEMODELS, "tts-rot", "Ready")
    before = await cluster.get(k8s.RAYSERVICES, "tts-rot")
    assert before is not None
    assert ingress_env(before) is None
    annotation = {"metadata": {"annotations": {"voxray.io/credentials-revision": "2026-11-21T16:00"}}}
    await cluster.api.patch(k8s.VOICEMODELS, "tts", "tts-rot", annotation)
    after = await cluster.wait_for(
        k8s.RAYSERVICES, "tts-rot", lambda r: ingress_env(r) is not None, what="ingress env"
    )
    assert ingress_env(after) == {"VOXRAY_CREDENTIALS_REVISION": "2026-11-21T16:00"}
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    model = [d for d in yaml.safe_load(after["spec"]["serveConfigV2"])["applications"][0]["deployments"]]
    old = [d for d in yaml.safe_load(before["spec"]["serveConfigV2"])["applications"][0]["deployments"]]
    assert model[1] == old[1]  # the model replicas are left alone
    assert after["spec"]["rayClusterConfig"] == before["spec"]["rayClusterConfig"]  # no new Ray cluster
