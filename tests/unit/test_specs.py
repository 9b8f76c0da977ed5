"""Spec documents: the same YAML kubectl applies; errors name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from voxray_runtime.spec.documents import SpecError, iter_documents, load_documents

VM = """apiVersion: voxray.io/v1alpha1
kind: VoiceModel
metadata: {{name: m}}
spec:
{spec}
"""


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        ("  engine: nope", "spec.engine", "kokoro"),
        ("  engine: kokoro\n  quantization: fp16", "spec", "not available for engine kokoro"),
        ("  engine: piper\n  replicas: {min: 3, max: 2}", "spec.replicas", "must not exceed"),
        (
            "  engine: piper\n  autoscaling: {enabled: true, targetUtilization: 0.95}",
            "spec.autoscaling.targetUtilization",
            "0.8",
        ),
        ("  engine: vits", "spec", "voices is required"),
        (
            "  engine: vits\n  weights: {source: huggingface}\n  voices: [{avatar: male_ur}]",
            "spec.weights",
            "repo is required",
        ),
        ("  engine: espeak\n  resources: {memory: lots}", "spec.resources.memory", "pattern"),
        ("  engine: espeak\n  colour: red", "spec.colour", "Extra inputs"),
    ],
)
def test_voicemodel_errors_name_the_field(spec: str, field: str, words: str) -> None:
    with pytest.raises(SpecError) as info:
        list(iter_documents(VM.format(spec=spec)))
    assert info.value.field == field
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ("apiVersion: v1\nkind: VoiceModel\nmetadata: {name: x}\nspec: {engine: espeak}", "apiVersion"),
        ("apiVersion: voxray.io/v1alpha1\nkind: Pod\nmetadata: {name: x}", "kind"),
        ("apiVersion: voxray.io/v1alpha1\nkind: VoiceModel\nspec: {engine: espeak}", "metadata.name"),
    ],
)
def test_document_envelope_errors(doc: str, field: str) -> None:
    with pytest.raises(SpecError) as info:
        list(iter_documents(doc))
    assert info.value.field == field


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not valid YAML"):
        list(iter_documents("a: [unclosed"))
    with pytest.raises(SpecError, match="no such file"):
        load_documents(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        ("input: {}\nvariants: {all: true}", "spec.input", "exactly one of"),
        (
            "input: {file: a.jsonl, items: [{index: 1, texts: {en: hi}}]}\nvariants: {all: true}",
            "spec.input",
            "got items, file",
        ),
        (
            "input: {file: a.jsonl}\nvariants: {all: true}\noutput: {bitrateKbps: 100}",
            "spec.output",
            "not an MP3 bitrate",
        ),
        (
            "input: {file: a.jsonl}\nvariants: {all: true}\nutilizationCeiling: 1.5",
            "spec.utilizationCeiling",
            "less than or equal",
        ),
        ("input: {file: a.jsonl}\nvariants: {all: true}\noutput: {format: ogg}", "spec.output.format", "mp3"),
    ],
)
def test_speechbatch_errors_name_the_field(spec: str, field: str, words: str) -> None:
    doc = "apiVersion: voxray.io/v1alpha1\nkind: SpeechBatch\nmetadata: {name: b}\nspec:\n" + "".join(
        f"  {line}\n" for line in spec.splitlines()
    )
    with pytest.raises(SpecError) as info:
        list(iter_documents(doc))
    assert info.value.field == field
    assert words in str(info.value)
