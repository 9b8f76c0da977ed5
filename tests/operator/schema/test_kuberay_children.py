"""Every RayService / RayJob the operator builds validates against KubeRay's real CRD schemas."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.operator.schema.kuberay_schema import errors, kuberay_validator
from tests.operator.unit.support import SETTINGS, example_documents, owner
from voxray_operator.builders import (
    TextModelInfo,
    build_rayjob,
    build_rayservice,
    build_text_rayservice,
    build_transcription_rayservice,
    generation_target,
)
from voxray_operator.cli import render_documents
from voxray_operator.config import BuildSettings
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

VOICEMODELS: dict[str, dict[str, Any]] = {
    "cpu-min": {"engine": "espeak"},
    "scale-to-zero": {"engine": "espeak", "replicas": {"min": 0, "max": 3}},
    "gpu-whole": {
        "engine": "kokoro",
        "resources": {"gpu": 2, "accelerator": "NVIDIA-A100-SXM4-80GB"},
        "replicas": {"min": 1, "max": 4},
        "autoscaling": {"enabled": True},
    },
    "gpu-fraction": {
        "engine": "vits",
        "resources": {"gpuFraction": 0.2},
        "voices": [{"avatar": "female_hi", "speaker": "x", "engineLanguage": "hi"}],
    },
    "pvc-weights": {
        "engine": "piper",
        "weights": {"source": "pvc", "claimName": "w", "path": "/piper/joe.onnx"},
        "output": {"volumeClaim": "audio", "path": "/srv/audio"},
        "image": "reg/custom:1",
    },
    "hf-weights": {
        "engine": "vits",
        "weights": {"source": "huggingface", "repo": "org/m", "revision": "abc"},
        "voices": [{"avatar": "male_ur", "speaker": "x", "engineLanguage": "ur"}],
        "quantization": "int8",
    },
    "security-referenced": {
        "engine": "espeak",
        "security": {
            "apiKeys": {"secretRef": {"name": "tenant-keys", "key": "keys.json"}},
            "oidc": {"issuer": "https://login.example.com/realms/tts", "audience": "voxray"},
            "audit": {"hmacKeySecretRef": {"name": "audit"}},
            "rateLimit": {"requestsPerMinute": 60, "maxConcurrent": 2},
            "limits": {"maxTextChars": 2000, "maxBodyBytes": 16384},
            "cors": {"allowOrigins": ["https://app.example.com"]},
            "retention": {"ttlSeconds": 86400},
        },
    },
    "security-oidc-only": {
        "engine": "espeak",
        "security": {
            "oidc": {
                "issuer": "https://idp.example.com",
                "audience": "tts",
                "jwksUrl": "https://idp.example.com/keys",
            }
        },
    },
    "security-disabled": {"engine": "espeak", "security": {"auth": "Disabled"}},
}
TEXTMODELS: dict[str, dict[str, Any]] = {
    "llamacpp-packaged": {},
    "llamacpp-autoscaled": {"replicas": {"min": 0, "max": 4}, "autoscaling": {"enabled": True}},
    "llamacpp-hf-gguf": {"weights": {"source": "huggingface", "repo": "org/m-gguf", "path": "m.Q4_K_M.gguf"}},
    "vllm-awq-tp2": {
        "engine": "vllm",
        "weights": {"source": "huggingface", "repo": "org/m-awq"},
        "quantization": "awq",
        "tensorParallelSize": 2,
        "resources": {"gpu": 2, "accelerator": "NVIDIA-L4", "memory": "32Gi"},
        "engineArgs": {"gpu_memory_utilization": 0.9, "enforce_eager": True},
        "autoscaling": {"enabled": True},
        "replicas": {"min": 1, "max": 3},
    },
    "vllm-pvc-fraction": {
        "engine": "vllm",
        "weights": {"source": "pvc", "claimName": "w", "path": "llm"},
        "resources": {"gpuFraction": 0.5},
        "security": {"auth": "Disabled"},
    },
}
TRANSCRIPTIONMODELS: dict[str, dict[str, Any]] = {
    "whisper-packaged": {},
    "whisper-autoscaled": {"replicas": {"min": 0, "max": 4}, "autoscaling": {"enabled": True}},
    "whisper-hf-gpu": {
        "model": "large-v3",
        "weights": {"source": "huggingface", "repo": "Systran/faster-whisper-large-v3", "revision": "abc"},
        "computeType": "float16",
        "resources": {"gpu": 1, "accelerator": "NVIDIA-L4", "memory": "16Gi"},
        "languages": ["en", "es", "ar"],
        "autoscaling": {"enabled": True, "metric": "ray"},
        "replicas": {"min": 1, "max": 3},
    },
    "whisper-pvc-fraction": {
        "model": "small",
        "weights": {"source": "pvc", "claimName": "w", "path": "whisper-small"},
        "resources": {"gpuFraction": 0.25},
        "security": {"auth": "Disabled"},
    },
}
KOKORO = VoiceModelSpec.model_validate({"engine": "kokoro", "output": {"volumeClaim": "audio"}})
GPU = VoiceModelSpec.model_validate(VOICEMODELS["gpu-whole"])
BATCHES: dict[str, tuple[dict[str, Any], dict[str, VoiceModelSpec], str | None]] = {
    "dedicated-no-workers": ({"runOn": {"workers": 0}, "output": {"volumeClaim": "a"}}, {}, None),
    "dedicated-gpu": (
        {"voiceModels": ["gpu"], "runOn": {"dedicated": True, "workers": 2}},
        {"gpu": GPU},
        None,
    ),
    "dedicated-configmap": (
        {"input": {"configMap": {"name": "posts"}}, "output": {"volumeClaim": "a"}},
        {},
        None,
    ),
    "on-cluster": (
        {"voiceModels": ["kokoro"], "runOn": {"voiceModel": "kokoro"}},
        {"kokoro": KOKORO},
        "kokoro-raycluster-abcde",
    ),
    "dedicated-audit-key-of-voicemodel": (
        {"voiceModels": ["kokoro"], "runOn": {"workers": 0}},
        {"kokoro": KOKORO},
        None,
    ),
    "dedicated-audit-key-referenced": (
        {"audit": {"hmacKeySecretRef": {"name": "batch-audit", "key": "k"}}, "runOn": {"workers": 2}},
        {},
        None,
    ),
}
SETTINGS_VARIANTS = {
    "defaults": SETTINGS,
    "tuned": BuildSettings(
        service_account_name="voxray-ray",
        gpu_node_selector={"pool": "gpu"},
        job_active_deadline_seconds=3600,
        image_pull_policy="Always",
        gpu_tolerations=[],
        hf_token_secret="hf-token",
    ),
}


def assert_valid(folder: Path, obj: dict[str, Any]) -> None:
    assert errors(kuberay_validator(folder, obj["kind"]), obj) == []


def test_every_example_child(kuberay_schemas: Path) -> None:
    result = render_documents(example_documents(), SETTINGS)
    assert result.errors == []
    kinds = [o["kind"] for o in result.objects]
    assert "RayService" in kinds
    assert "RayJob" in kinds
    for obj in result.objects:
        if obj["kind"] in ("RayService", "RayJob"):
            assert_valid(kuberay_schemas, obj)


@pytest.mark.parametrize("settings", SETTINGS_VARIANTS.values(), ids=list(SETTINGS_VARIANTS))
@pytest.mark.parametrize("case", VOICEMODELS, ids=list(VOICEMODELS))
def test_rayservice_table(kuberay_schemas: Path, case: str, settings: BuildSettings) -> None:
    spec = VoiceModelSpec.model_validate(VOICEMODELS[case])
    for replicas in (None, spec.replicas.max):
        rs = build_rayservice(case, "tts", spec, settings, replicas=replicas, owner=owner("VoiceModel", case))
        assert_valid(kuberay_schemas, rs)


@pytest.mark.parametrize("settings", SETTINGS_VARIANTS.values(), ids=list(SETTINGS_VARIANTS))
@pytest.mark.parametrize("case", TEXTMODELS, ids=list(TEXTMODELS))
def test_text_rayservice_table(kuberay_schemas: Path, case: str, settings: BuildSettings) -> None:
    spec = TextModelSpec.model_validate(TEXTMODELS[case])
    for replicas in (None, spec.replicas.max):
        rs = build_text_rayservice(
            case, "nlp", spec, settings, replicas=replicas, owner=owner("TextModel", case)
        )
        assert_valid(kuberay_schemas, rs)


@pytest.mark.parametrize("settings", SETTINGS_VARIANTS.values(), ids=list(SETTINGS_VARIANTS))
@pytest.mark.parametrize("case", TRANSCRIPTIONMODELS, ids=list(TRANSCRIPTIONMODELS))
def test_transcription_rayservice_table(kuberay_schemas: Path, case: str, settings: BuildSettings) -> None:
    spec = TranscriptionModelSpec.model_validate(TRANSCRIPTIONMODELS[case])
    for replicas in (None, spec.replicas.max):
        rs = build_transcription_rayservice(
            case, "asr", spec, settings, replicas=replicas, owner=owner("TranscriptionModel", case)
        )
        assert_valid(kuberay_schemas, rs)


def test_generating_rayjob(kuberay_schemas: Path) -> None:
    spec = SpeechBatchSpec.model_validate(
        {
            "generate": {"textModel": "gemma", "brief": "A hotel by the sea.", "count": 2},
            "variants": {"avatars": ["female_en-GB"]},
            "runOn": {"workers": 1},
        }
    )
    target = generation_target(spec, "tts", {"gemma": TextModelInfo("gemma", TextModelSpec(), "Ready")})
    assert_valid(kuberay_schemas, build_rayjob("gen", "tts", spec, SETTINGS, generation=target))


@pytest.mark.parametrize("settings", SETTINGS_VARIANTS.values(), ids=list(SETTINGS_VARIANTS))
@pytest.mark.parametrize("case", BATCHES, ids=list(BATCHES))
def test_rayjob_table(kuberay_schemas: Path, case: str, settings: BuildSettings) -> None:
    fields, models, cluster = BATCHES[case]
    spec = SpeechBatchSpec.model_validate(
        {"input": {"items": [{"index": 0, "texts": {"en": "Hi."}}]}, "variants": {"all": True}, **fields}
    )
    job = build_rayjob(
        case,
        "tts",
        spec,
        settings,
        voice_models=models,
        cluster_name=cluster,
        owner=owner("SpeechBatch", case),
    )
    assert_valid(kuberay_schemas, job)
    if "audit-key" in case:  # the head mounts the audit key Secret, and the schema takes it
        head = job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
        assert any(v.get("secret", {}).get("defaultMode") == 0o400 for v in head["volumes"])


def test_the_validator_catches_a_wrong_field(kuberay_schemas: Path) -> None:
    rs = build_rayservice("m", "tts", VoiceModelSpec(engine="espeak"), SETTINGS)
    bad = copy.deepcopy(rs)
    bad["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["minReplica"] = 1
    assert any("minReplica" in e for e in errors(kuberay_validator(kuberay_schemas, "RayService"), bad))
    bad = copy.deepcopy(rs)
    bad["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]["ports"][0][
        "containerPort"
    ] = "6379"
    assert errors(kuberay_validator(kuberay_schemas, "RayService"), bad)
