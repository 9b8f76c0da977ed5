"""Every example is a valid custom resource for our generated CRDs, and parses as the runtime reads it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.operator.schema.kuberay_schema import crd_validator, errors
from tests.operator.unit.support import REPO_ROOT, example_files
from voxray_runtime.spec.documents import load_documents

CRD_FILES = {
    "VoiceModel": "voxray.io_voicemodels.yaml",
    "SpeechBatch": "voxray.io_speechbatches.yaml",
    "TextModel": "voxray.io_textmodels.yaml",
    "Lexicon": "voxray.io_lexicons.yaml",
    "TranscriptionModel": "voxray.io_transcriptionmodels.yaml",
}
REQUIRED = [
    "voicemodel-kokoro.yaml",
    "voicemodel-espeak.yaml",
    "voicemodel-piper-int8.yaml",
    "voicemodel-mms-gpu.yaml",
    "speechbatch-small.yaml",
    "speechbatch-on-cluster.yaml",
    "textmodel-gemma.yaml",
    "textmodel-vllm.yaml",
    "speechbatch-generate.yaml",
    "transcriptionmodel-whisper.yaml",
]


def validator(kind: str) -> jsonschema.Draft7Validator:
    crd = yaml.safe_load((REPO_ROOT / "crds" / CRD_FILES[kind]).read_text(encoding="utf-8"))
    return crd_validator(crd, "v1alpha1")


def raw_documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def test_the_examples_exist() -> None:
    names = {p.name for p in example_files()}
    assert set(REQUIRED) <= names


@pytest.mark.parametrize("example", example_files(), ids=lambda p: p.name)
def test_example_validates_against_the_crd(example: Path) -> None:
    docs = raw_documents(example)
    assert docs
    for doc in docs:
        assert errors(validator(doc["kind"]), doc) == []
    assert [d.kind for d in load_documents(example)] == [d["kind"] for d in docs]


def test_mms_example_is_the_gpu_autoscaled_fp16_one() -> None:
    (doc,) = load_documents(REPO_ROOT / "examples" / "voicemodel-mms-gpu.yaml")
    spec = doc.spec
    assert spec.engine == "vits"  # type: ignore[union-attr]
    assert spec.weights.repo == "facebook/mms-tts-urd-script_arabic"  # type: ignore[union-attr]
    assert spec.weights.revision  # type: ignore[union-attr]
    assert spec.quantization == "fp16"  # type: ignore[union-attr]
    assert spec.autoscaling.enabled  # type: ignore[union-attr]
    assert spec.resources.gpu_fraction or spec.resources.gpu  # type: ignore[union-attr]


def test_text_examples() -> None:
    (gemma,) = load_documents(REPO_ROOT / "examples" / "textmodel-gemma.yaml")
    assert (gemma.spec.engine, gemma.spec.weights.source) == ("llamacpp", "packaged")  # type: ignore[union-attr]
    (vllm,) = load_documents(REPO_ROOT / "examples" / "textmodel-vllm.yaml")
    spec = vllm.spec
    assert (spec.engine, spec.weights.source, spec.quantization) == ("vllm", "huggingface", "awq")  # type: ignore[union-attr]
    assert spec.tensor_parallel_size == 2  # type: ignore[union-attr]
    (batch,) = load_documents(REPO_ROOT / "examples" / "speechbatch-generate.yaml")
    gen = batch.spec.generate  # type: ignore[union-attr]
    assert gen is not None
    assert (gen.text_model, gen.count, gen.languages) == ("gemma", 2, ["en", "es"])
    assert len(batch.spec.variants.avatars or []) == 2  # type: ignore[union-attr]


def test_transcription_example() -> None:
    (whisper,) = load_documents(REPO_ROOT / "examples" / "transcriptionmodel-whisper.yaml")
    spec = whisper.spec
    assert (spec.engine, spec.model, spec.weights.source, spec.compute_type) == (  # type: ignore[union-attr]
        "faster-whisper",
        "base",
        "packaged",
        "int8",
    )
    assert spec.autoscaling.enabled  # type: ignore[union-attr]


def test_small_batch_is_two_posts_by_three_avatars() -> None:
    (doc,) = load_documents(REPO_ROOT / "examples" / "speechbatch-small.yaml")
    spec = doc.spec
    assert len(spec.input.items or []) == 2  # type: ignore[union-attr]
    assert len(spec.variants.avatars or []) == 3  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "mutate", "where"),
    [
        ("VoiceModel", lambda d: d["spec"].update(engin="kokoro"), "spec"),
        ("VoiceModel", lambda d: d["spec"].update(engine="tacotron"), "spec.engine"),
        ("VoiceModel", lambda d: d["spec"].update(replicas={"min": -1}), "spec.replicas.min"),
        (
            "VoiceModel",
            lambda d: d["spec"].update(autoscaling={"targetUtilization": 0.95}),
            "spec.autoscaling.targetUtilization",
        ),
        ("VoiceModel", lambda d: d["spec"].update(resources={"memory": "lots"}), "spec.resources.memory"),
        (
            "VoiceModel",
            lambda d: d["spec"].update(resources={"gpuFraction": 0}),
            "spec.resources.gpuFraction",
        ),
        ("SpeechBatch", lambda d: d["spec"].pop("variants"), "<root>"),
        ("SpeechBatch", lambda d: d["spec"]["output"].update(format="aac"), "spec.output.format"),
        ("TextModel", lambda d: d["spec"].update(engine="tgi"), "spec.engine"),
        ("TextModel", lambda d: d["spec"].update(contextLength=64), "spec.contextLength"),
        ("TextModel", lambda d: d["spec"]["serving"].update(maxConcurrentSequences=0), "spec.serving"),
        ("TranscriptionModel", lambda d: d["spec"].update(engine="whisper.cpp"), "spec.engine"),
        ("TranscriptionModel", lambda d: d["spec"].update(languages=["English"]), "spec.languages"),
        ("TranscriptionModel", lambda d: d["spec"]["serving"].update(maxConcurrent=0), "spec.serving"),
    ],
)
def test_the_crd_rejects_what_the_model_rejects(kind: str, mutate: Any, where: str) -> None:
    example = {
        "VoiceModel": "voicemodel-kokoro.yaml",
        "SpeechBatch": "speechbatch-small.yaml",
        "TextModel": "textmodel-gemma.yaml",
        "TranscriptionModel": "transcriptionmodel-whisper.yaml",
    }[kind]
    doc = copy.deepcopy(raw_documents(REPO_ROOT / "examples" / example)[0])
    mutate(doc)
    found = errors(validator(kind), doc)
    assert found, "accepted"
    assert any(e.startswith(where) or (where == "<root>" and e.startswith("spec")) for e in found), found
