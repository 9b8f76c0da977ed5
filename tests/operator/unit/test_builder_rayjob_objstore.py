"""A SpeechBatch with an s3:// output: the RayJob passes the URI as it is, mounts no output volume need,
and gives every Ray container the credentials Secret as ``valueFrom.secretKeyRef`` (never a value);
without a secretRef nothing is added (the pods' identity: IRSA, Workload Identity). Validated against
KubeRay's real RayJob schema where it is available."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.operator.schema.kuberay_schema import errors, kuberay_dir, kuberay_validator
from tests.operator.unit.support import REPO_ROOT, SETTINGS
from voxray_operator.builders import BuildError, batch_warnings, build_rayjob
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

ON_PVC = VoiceModelSpec.model_validate({"engine": "espeak", "output": {"volumeClaim": "audio"}})
NO_PVC = VoiceModelSpec.model_validate({"engine": "espeak"})
SECRET = {
    "name": "posts-s3",
    "accessKeyIdKey": "id",
    "secretAccessKeyKey": "secret",
    "sessionTokenKey": "token",
}


def s3_batch(secret: dict[str, Any] | None = None, **fields: Any) -> SpeechBatchSpec:
    s3: dict[str, Any] = {"endpoint": "https://minio.storage:9000", "region": "eu-west-1", "pathStyle": True}
    if secret is not None:
        s3["secretRef"] = secret
    return SpeechBatchSpec.model_validate(
        {
            "input": {"items": [{"index": 1, "texts": {"en": "Hello."}}]},
            "variants": {"avatars": ["female_en-GB"]},
            "voiceModels": ["espeak"],
            "output": {"path": "s3://posts/run-1", "s3": s3},
            **fields,
        }
    )


def containers(job: dict[str, Any]) -> list[dict[str, Any]]:
    cluster = job["spec"]["rayClusterSpec"]
    groups = [cluster["headGroupSpec"], *cluster.get("workerGroupSpecs", [])]
    return [c for g in groups for c in g["template"]["spec"]["containers"]]


def test_dedicated_cluster_gets_the_secret_as_references() -> None:
    job = build_rayjob(
        "b",
        "tts",
        s3_batch(SECRET, runOn={"dedicated": True, "workers": 1}),
        SETTINGS,
        voice_models={"espeak": NO_PVC},
    )
    assert job["spec"]["entrypoint"] == "voxray batch -f speechbatch.yaml --out s3://posts/run-1"
    found = containers(job)
    assert len(found) == 2
    for c in found:
        env = {e["name"]: e for e in c["env"]}
        assert env["AWS_ACCESS_KEY_ID"]["valueFrom"] == {"secretKeyRef": {"name": "posts-s3", "key": "id"}}
        assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"] == {
            "secretKeyRef": {"name": "posts-s3", "key": "secret"}
        }
        assert env["AWS_SESSION_TOKEN"]["valueFrom"] == {"secretKeyRef": {"name": "posts-s3", "key": "token"}}
        assert all("value" not in env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"))
    assert batch_warnings(s3_batch(SECRET)) == []  # no emptyDir warning: nothing is kept on the cluster
    folder = kuberay_dir(REPO_ROOT)
    if (folder / "ray.io_rayjobs.yaml").is_file():
        assert errors(kuberay_validator(folder, "RayJob"), job) == []


def test_without_a_secret_the_pods_identity_is_used() -> None:
    job = build_rayjob("b", "tts", s3_batch(), SETTINGS, voice_models={"espeak": NO_PVC})
    text = json.dumps(job)
    assert "AWS_ACCESS_KEY_ID" not in text
    assert "secretKeyRef" not in text or "posts-s3" not in text


def test_on_a_voicemodel_cluster_the_uri_is_kept_and_no_pvc_is_needed() -> None:
    spec = s3_batch(runOn={"voiceModel": "espeak"})
    job = build_rayjob("b", "tts", spec, SETTINGS, voice_models={"espeak": NO_PVC}, cluster_name="espeak-rc")
    assert job["spec"]["entrypoint"].endswith("--out s3://posts/run-1")
    job = build_rayjob("b", "tts", spec, SETTINGS, voice_models={"espeak": ON_PVC}, cluster_name="espeak-rc")
    assert job["spec"]["entrypoint"].endswith("--out s3://posts/run-1")


def test_a_secret_cannot_reach_a_voicemodel_cluster() -> None:
    spec = s3_batch(SECRET, runOn={"voiceModel": "espeak"})
    with pytest.raises(BuildError, match="own identity") as caught:
        build_rayjob("b", "tts", spec, SETTINGS, voice_models={"espeak": NO_PVC}, cluster_name="espeak-rc")
    assert caught.value.field == "spec.output.s3.secretRef"


def test_a_voicemodel_with_an_object_store_output() -> None:
    from voxray_operator.builders import build_rayservice

    spec = VoiceModelSpec.model_validate(
        {
            "engine": "espeak",
            "output": {
                "path": "s3://speech/stored",
                "s3": {"endpoint": "https://storage.googleapis.com", "secretRef": SECRET},
            },
        }
    )
    service = build_rayservice("espeak", "tts", spec, SETTINGS)
    cluster = service["spec"]["rayClusterConfig"]
    pods = [cluster["headGroupSpec"], *cluster.get("workerGroupSpecs", [])]
    for pod in pods:
        template = pod["template"]["spec"]
        assert "audio-output" not in {v["name"] for v in template.get("volumes", [])}
        for c in template["containers"]:
            env = {e["name"]: e for e in c["env"]}
            assert env["VOXRAY_OUTPUT_DIR"]["value"] == "s3://speech/stored"
            assert env["AWS_ENDPOINT_URL_S3"]["value"] == "https://storage.googleapis.com"
            assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"] == {
                "name": "posts-s3",
                "key": "secret",
            }
    assert "s3://speech/stored" in json.dumps(service["spec"]["serveConfigV2"])
