"""SpeechBatch -> RayJob + ConfigMap: on a VoiceModel's cluster or a dedicated one."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.operator.unit.support import SETTINGS, owner
from voxray_operator.builders import (
    CLUSTER_SELECTOR_KEY,
    BuildError,
    batch_warnings,
    build_batch_configmap,
    build_rayjob,
)
from voxray_operator.config import BuildSettings
from voxray_runtime.spec.documents import iter_documents
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

KOKORO = VoiceModelSpec.model_validate(
    {"engine": "kokoro", "output": {"volumeClaim": "audio", "path": "/data/audio"}, "image": "reg/vx:kokoro"}
)
MMS = VoiceModelSpec.model_validate(
    {
        "engine": "vits",
        "weights": {"source": "pvc", "claimName": "weights", "path": "mms"},
        "voices": [{"avatar": "male_ur", "speaker": "s", "engineLanguage": "ur"}],
        "resources": {"gpuFraction": 0.5, "cpu": 2, "memory": "6Gi", "accelerator": "NVIDIA-L4"},
    }
)
OTHER_PVC = VoiceModelSpec.model_validate(
    {"engine": "piper", "weights": {"source": "pvc", "claimName": "other", "path": "p"}}
)


def batch(**fields: Any) -> SpeechBatchSpec:
    base: dict[str, Any] = {
        "input": {"items": [{"index": 1, "texts": {"en": "Hello."}}]},
        "variants": {"avatars": ["female_en-GB"]},
    }
    return SpeechBatchSpec.model_validate({**base, **fields})


def on_cluster(**fields: Any) -> SpeechBatchSpec:
    return batch(voiceModels=["kokoro"], runOn={"voiceModel": "kokoro"}, **fields)


def test_on_a_voicemodel_cluster_the_job_selects_it_by_name() -> None:
    job = build_rayjob(
        "b",
        "tts",
        on_cluster(),
        SETTINGS,
        voice_models={"kokoro": KOKORO},
        cluster_name="kokoro-raycluster-x1",
    )
    spec = job["spec"]
    assert spec["clusterSelector"] == {CLUSTER_SELECTOR_KEY: "kokoro-raycluster-x1"}
    assert spec["shutdownAfterJobFinishes"] is False
    for key in ("rayClusterSpec", "backoffLimit", "ttlSecondsAfterFinished"):
        assert key not in spec  # a retry or shutdown would delete the VoiceModel's cluster
    assert spec["entrypoint"] == "voxray batch -f speechbatch.yaml --out /data/audio/audio-output"
    assert job["metadata"]["labels"]["voxray.io/voicemodel"] == "kokoro"
    assert spec["submitterPodTemplate"]["spec"]["containers"][0]["image"] == "reg/vx:kokoro"


@pytest.mark.parametrize(
    ("path", "out"),
    [
        ("audio-output", "/data/audio/audio-output"),
        ("/batches/a", "/data/audio/batches/a"),
        ("/data/audio/x", "/data/audio/x"),
        ("odd path's", "'/data/audio/odd path'\"'\"'s'"),
    ],
)
def test_output_path_inside_the_voicemodel_volume(path: str, out: str) -> None:
    job = build_rayjob(
        "b",
        "tts",
        on_cluster(output={"path": path}),
        SETTINGS,
        voice_models={"kokoro": KOKORO},
        cluster_name="c",
    )
    assert job["spec"]["entrypoint"] == f"voxray batch -f speechbatch.yaml --out {out}"


@pytest.mark.parametrize(
    ("spec", "models", "cluster", "field", "retryable"),
    [
        (on_cluster(), {"kokoro": KOKORO}, None, "spec.runOn.voiceModel", True),
        (on_cluster(), {}, "c", "spec.voiceModels.0", True),
        (batch(runOn={"voiceModel": "kokoro"}), {}, "c", "spec.runOn.voiceModel", True),
        (on_cluster(), {"kokoro": VoiceModelSpec(engine="kokoro")}, "c", "spec.runOn.voiceModel", False),
        (
            on_cluster(output={"volumeClaim": "elsewhere"}),
            {"kokoro": KOKORO},
            "c",
            "spec.output.volumeClaim",
            False,
        ),
        (
            batch(voiceModels=["mms", "piper"]),
            {"mms": MMS, "piper": OTHER_PVC},
            None,
            "spec.voiceModels",
            False,
        ),
    ],
)
def test_build_errors_name_the_field(
    spec: SpeechBatchSpec, models: dict[str, VoiceModelSpec], cluster: str | None, field: str, retryable: bool
) -> None:
    with pytest.raises(BuildError) as caught:
        build_rayjob("b", "tts", spec, SETTINGS, voice_models=models, cluster_name=cluster)
    assert caught.value.field == field
    assert caught.value.retryable is retryable
    assert str(caught.value).startswith(f"{field}: ")


def test_same_claim_as_the_voicemodel_is_fine() -> None:
    job = build_rayjob(
        "b",
        "tts",
        on_cluster(output={"volumeClaim": "audio"}),
        SETTINGS,
        voice_models={"kokoro": KOKORO},
        cluster_name="c",
    )
    assert job["spec"]["clusterSelector"] == {CLUSTER_SELECTOR_KEY: "c"}


def dedicated(**fields: Any) -> SpeechBatchSpec:
    return batch(output={"volumeClaim": "audio", "path": "run-1"}, **fields)


@pytest.mark.parametrize(("retention", "ttl"), [(86400, 300), (60, 60), (0, 0)])
def test_dedicated_cluster_is_deleted_soon_after_the_job(retention: int, ttl: int) -> None:
    job = build_rayjob("b", "tts", dedicated(retention={"ttlSecondsAfterFinished": retention}), SETTINGS)
    spec = job["spec"]
    assert spec["shutdownAfterJobFinishes"] is True
    assert spec["ttlSecondsAfterFinished"] == ttl
    assert spec["backoffLimit"] == SETTINGS.job_backoff_limit
    assert "clusterSelector" not in spec
    assert spec["entrypoint"] == "voxray batch -f speechbatch.yaml --out /data/audio/run-1"


@pytest.mark.parametrize(("workers", "groups"), [(0, 0), (1, 1), (3, 1)])
def test_dedicated_cluster_workers(workers: int, groups: int) -> None:
    job = build_rayjob("b", "tts", dedicated(runOn={"dedicated": True, "workers": workers}), SETTINGS)
    cluster = job["spec"]["rayClusterSpec"]
    assert len(cluster.get("workerGroupSpecs", [])) == groups
    params = cluster["headGroupSpec"]["rayStartParams"]
    assert (params.get("num-cpus") == "0") is (workers > 0)  # with no workers the head does the work
    if groups:
        group = cluster["workerGroupSpecs"][0]
        assert group["replicas"] == group["minReplicas"] == group["maxReplicas"] == workers
        assert group["groupName"] == "cpu-workers"
    assert cluster["enableInTreeAutoscaling"] is False


def test_dedicated_gpu_cluster_takes_the_models_resources() -> None:
    job = build_rayjob(
        "b",
        "tts",
        dedicated(voiceModels=["mms"]),
        BuildSettings(gpu_node_selector={"pool": "gpu"}),
        voice_models={"mms": MMS},
    )
    group = job["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]
    container = group["template"]["spec"]["containers"][0]
    assert group["groupName"] == "gpu-workers"
    assert container["resources"]["limits"] == {"cpu": "2", "memory": "6Gi", "nvidia.com/gpu": "1"}
    assert group["template"]["spec"]["nodeSelector"] == {"pool": "gpu", "nvidia.com/gpu.product": "NVIDIA-L4"}
    volumes = {v["name"]: v for v in group["template"]["spec"]["volumes"]}
    assert volumes["models"]["persistentVolumeClaim"] == {"claimName": "weights", "readOnly": True}
    assert volumes["audio-output"]["persistentVolumeClaim"] == {"claimName": "audio"}


def test_dedicated_without_a_claim_is_allowed_with_a_warning() -> None:
    spec = batch()
    job = build_rayjob("b", "tts", spec, SETTINGS)
    volumes = {
        v["name"]: v for v in job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["volumes"]
    }
    assert volumes["audio-output"] == {"name": "audio-output", "emptyDir": {}}
    assert batch_warnings(spec)
    assert batch_warnings(dedicated()) == []
    assert batch_warnings(on_cluster()) == []


def test_runtime_env_uploads_the_mounted_document() -> None:
    spec = batch(input={"configMap": {"name": "posts", "key": "p.jsonl"}}, output={"volumeClaim": "a"})
    job = build_rayjob("b", "tts", spec, SETTINGS)
    env = yaml.safe_load(job["spec"]["runtimeEnvYAML"])
    assert env["working_dir"] == "/etc/voxray/batch"
    assert env["env_vars"]["VOXRAY_BATCH_INPUT_DIR"] == "input"
    pod = job["spec"]["submitterPodTemplate"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["containers"][0]["volumeMounts"] == [
        {"name": "batch-spec", "mountPath": "/etc/voxray/batch", "readOnly": True}
    ]
    sources = pod["volumes"][0]["projected"]["sources"]
    assert sources == [
        {
            "configMap": {
                "name": "b-speechbatch",
                "items": [{"key": "speechbatch.yaml", "path": "speechbatch.yaml"}],
            }
        },
        {"configMap": {"name": "posts", "items": [{"key": "p.jsonl", "path": "input/posts/p.jsonl"}]}},
    ]
    assert pod["containers"][0]["securityContext"]["allowPrivilegeEscalation"] is False
    assert "command" not in pod["containers"][0]  # KubeRay fills in `ray job submit`


def test_deadline_from_settings() -> None:
    job = build_rayjob("b", "tts", dedicated(), BuildSettings(job_active_deadline_seconds=7200))
    assert job["spec"]["activeDeadlineSeconds"] == 7200
    assert "activeDeadlineSeconds" not in build_rayjob("b", "tts", dedicated(), SETTINGS)["spec"]


def test_rayjob_metadata() -> None:
    job = build_rayjob("b", "tts", dedicated(), SETTINGS, owner=owner("SpeechBatch", "b"))
    assert (job["apiVersion"], job["kind"]) == ("ray.io/v1", "RayJob")
    assert job["metadata"]["ownerReferences"][0]["kind"] == "SpeechBatch"
    assert job["metadata"]["labels"]["voxray.io/speechbatch"] == "b"
    assert "voxray.io/spec-hash" in job["metadata"]["annotations"]


def test_configmap_carries_the_models_and_the_batch() -> None:
    spec = on_cluster()
    cm = build_batch_configmap(
        "b", "tts", spec, voice_models={"kokoro": KOKORO, "unused": MMS}, owner=owner("SpeechBatch", "b")
    )
    assert cm["metadata"]["name"] == "b-speechbatch"
    assert cm["metadata"]["ownerReferences"][0]["name"] == "b"
    docs = list(iter_documents(cm["data"]["speechbatch.yaml"]))
    assert [(d.kind, d.name) for d in docs] == [("VoiceModel", "kokoro"), ("SpeechBatch", "b")]
    assert docs[0].spec == KOKORO
    assert docs[1].spec == spec
    assert docs[1].namespace == "tts"


def test_configmap_without_models() -> None:
    cm = build_batch_configmap("b", "tts", batch())
    docs = list(iter_documents(cm["data"]["speechbatch.yaml"]))
    assert [d.kind for d in docs] == ["SpeechBatch"]


@pytest.mark.parametrize(
    "text",
    [
        "Line one\x85line two.",  # NEXT LINE: YAML reads it as a break in plain and single-quoted scalars
        "Check-in\u2028from 3 pm.",
        "Paragraph\u2029two.",
        "مرحبا\x85بكم",
        "ends with a break\x85",
        "Plain text, no breaks.",
    ],
)
def test_configmap_texts_reach_the_driver_unchanged(text: str) -> None:
    spec = batch(input={"items": [{"index": 1, "texts": {"en": text}}]})
    cm = build_batch_configmap("b", "tts", spec)
    (doc,) = iter_documents(cm["data"]["speechbatch.yaml"])
    assert doc.spec == spec
