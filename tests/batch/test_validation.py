"""Every way a SpeechBatch can be wrong is found before any work starts, naming the field. Pure: no Ray."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.cli import EXIT_INVALID, run_batch
from voxray_runtime.batch.plan import build_plan
from voxray_runtime.models import default_models
from voxray_runtime.spec.documents import SpecError, parse_document
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

from .helpers import SHORT_POSTS, batch_doc, short_spec, write_doc

EN_ONLY = [{"index": 1, "texts": {"en": "Hello there."}}, {"index": 2, "texts": {"en": "Good night."}}]


def _plan(spec: dict[str, Any], tmp_path: Path) -> None:
    doc = parse_document(batch_doc(spec))
    assert isinstance(doc.spec, SpeechBatchSpec)
    build_plan(doc.spec, models=default_models(), output_dir=tmp_path / "out", base_dir=tmp_path)


def _output(**fields: Any) -> dict[str, Any]:
    return {"path": "out", **fields}


CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "unknown avatar",
        short_spec(variants={"avatars": ["female_fr"]}),
        "spec.variants.avatars",
        "unknown avatar",
    ),
    (
        "unknown language",
        short_spec(variants={"languages": ["fr"]}),
        "spec.variants.languages",
        "unsupported language",
    ),
    (
        "unknown dialect",
        short_spec(variants={"dialects": ["en-NZ"]}),
        "spec.variants.dialects",
        "unsupported dialect",
    ),
    ("no variants", short_spec(variants={}), "spec.variants", "no variants"),
    (
        "all and a list",
        short_spec(variants={"all": True, "avatars": ["female_es"]}),
        "spec.variants.all",
        "every avatar",
    ),
    (
        "missing translation",
        short_spec(input={"items": EN_ONLY}, variants={"languages": ["en", "es"]}),
        "spec.input.items.0.texts",
        "no text for es",
    ),
    (
        "blank translation",
        short_spec(
            input={"items": [{"index": 1, "texts": {"en": "Hi.", "es": "   "}}]},
            variants={"languages": ["es"]},
        ),
        "spec.input.items.0.texts",
        "no text for es",
    ),
    (
        "duplicate index",
        short_spec(
            input={"items": [*EN_ONLY, {"index": 1, "texts": {"en": "Again."}}]},
            variants={"languages": ["en"]},
        ),
        "spec.input.items.2.index",
        "appears twice",
    ),
    ("missing input file", short_spec(input={"file": "nope.jsonl"}), "spec.input.file", "does not exist"),
    (
        "unknown packaged input",
        short_spec(input={"file": "packaged:nope"}),
        "spec.input.file",
        "unknown packaged",
    ),
    (
        "configMap off-cluster",
        short_spec(input={"configMap": {"name": "posts"}}),
        "spec.input.configMap",
        "not mounted",
    ),
    ("limit zero", short_spec(input={"items": SHORT_POSTS, "limit": 0}), "spec.input.limit", ""),
    (
        "unknown template field",
        short_spec(output=_output(fileNameTemplate="post_{name}_{avatar}.{ext}")),
        "spec.output.fileNameTemplate",
        "unknown field",
    ),
    (
        "template not unique across avatars",
        short_spec(output=_output(fileNameTemplate="post_{index:02d}.{ext}")),
        "spec.output.fileNameTemplate",
        "more fields to be unique",
    ),
    (
        "template not unique across items",
        short_spec(output=_output(fileNameTemplate="post_{avatar}.{ext}")),
        "spec.output.fileNameTemplate",
        "more fields to be unique",
    ),
    (
        "template unique only by gender+language (dialects collide)",
        short_spec(output=_output(fileNameTemplate="{index}_{gender}_{language}.{ext}")),
        "spec.output.fileNameTemplate",
        "unique",
    ),
    (
        "template traversal",
        short_spec(output=_output(fileNameTemplate="../{index}_{avatar}.{ext}")),
        "spec.output.fileNameTemplate",
        "'..'",
    ),
    (
        "template absolute",
        short_spec(output=_output(fileNameTemplate="/etc/{index}_{avatar}.{ext}")),
        "spec.output.fileNameTemplate",
        "absolute",
    ),
    (
        "template empty segment from a field",
        short_spec(output=_output(fileNameTemplate="x/{dialect}/{index}_{avatar}.{ext}")),
        "spec.output.fileNameTemplate",
        "empty",
    ),
    (
        "id traversal through {id}",
        short_spec(
            input={"items": [{"index": 1, "id": "..", "texts": {"en": "Hi."}}]},
            variants={"avatars": ["female_en-US"]},
            output=_output(fileNameTemplate="{id}/{avatar}.{ext}"),
        ),
        "spec.output.fileNameTemplate",
        "'..'",
    ),
    (
        "wrong extension",
        short_spec(output=_output(fileNameTemplate="{index}_{avatar}.wav")),
        "spec.output.fileNameTemplate",
        "must end with .mp3",
    ),
    (
        "no extension",
        short_spec(output=_output(fileNameTemplate="{index}_{avatar}")),
        "spec.output.fileNameTemplate",
        "must end with .mp3",
    ),
    (
        "bad format spec",
        short_spec(output=_output(fileNameTemplate="{index}_{avatar:03d}.{ext}")),
        "spec.output.fileNameTemplate",
        "cannot render",
    ),
    (
        "conversion",
        short_spec(output=_output(fileNameTemplate="{index}_{avatar!r}.{ext}")),
        "spec.output.fileNameTemplate",
        "conversions",
    ),
    (
        "template names the manifest",
        short_spec(
            input={"items": [{"index": 1, "id": "manifest", "texts": {"en": "Hi."}}]},
            variants={"avatars": ["female_en-US"]},
            output=_output(fileNameTemplate="{id}.{ext}", format="wav", manifest="manifest.wav"),
        ),
        "spec.output.fileNameTemplate",
        "driver writes",
    ),
    ("mp3 bitrate", short_spec(output=_output(bitrateKbps=65)), "spec.output", "not an MP3 bitrate"),
    (
        "opus bitrate",
        short_spec(output=_output(format="opus", fileNameTemplate="{index}_{avatar}.{ext}", bitrateKbps=300)),
        "spec.output",
        "opus",
    ),
    (
        "bitrate with a lossless format",
        short_spec(output=_output(format="wav", bitrateKbps=64)),
        "spec.output.bitrateKbps",
        "lossless",
    ),
    (
        "manifest traversal",
        short_spec(output=_output(manifest="../manifest.jsonl")),
        "spec.output.manifest",
        "'..'",
    ),
    (
        "manifest is the summary",
        short_spec(output=_output(manifest="summary.json")),
        "spec.output.manifest",
        "driver",
    ),
    ("unknown VoiceModel", short_spec(voiceModels=["nope"]), "spec.voiceModels", "unknown VoiceModel"),
    (
        "voice not served by the chosen models",
        short_spec(voiceModels=["piper-joe"], variants={"avatars": ["male_en-US", "female_ar-EG"]}),
        "spec.variants",
        "female_ar-EG are not served by the VoiceModels piper-joe",
    ),
    (
        "Arabic not served by Piper",
        short_spec(voiceModels=["piper-joe"], variants={"languages": ["ar"]}),
        "spec.variants",
        "not served",
    ),
]


@pytest.mark.parametrize(("spec", "field", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_batches_name_the_field(
    spec: dict[str, Any], field: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(SpecError) as info:
        _plan(spec, tmp_path)
    assert info.value.field == field, str(info.value)
    assert message in str(info.value)
    assert not (tmp_path / "out").exists()


def test_valid_spec_plans_all_files(tmp_path: Path) -> None:
    doc = parse_document(batch_doc(short_spec()))
    assert isinstance(doc.spec, SpeechBatchSpec)
    plan = build_plan(doc.spec, models=default_models(), output_dir=tmp_path)
    assert len(plan.work) == 36
    assert plan.work[0].name == "post_01_female_en-US.mp3"
    assert {m.name for m in plan.models} == {"kokoro"}  # Arabic too, since Kokoro speaks it
    assert len({w.name for w in plan.work}) == 36


def test_subdirectory_templates_are_allowed(tmp_path: Path) -> None:
    doc = parse_document(
        batch_doc(short_spec(output=_output(fileNameTemplate="{locale}/{id}_{gender}.{ext}")))
    )
    assert isinstance(doc.spec, SpeechBatchSpec)
    plan = build_plan(doc.spec, models=default_models(), output_dir=tmp_path)
    assert plan.work[0].name == "en-US/post_01_female.mp3"


def test_cli_exits_2_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_doc(tmp_path / "b.yaml", short_spec(variants={"avatars": ["female_xx"]}, output=_output()))
    args = argparse.Namespace(
        file=path, limit=None, out=tmp_path / "out", address=None, concurrency=None, models=None,
        threads=None, design="actors", progress="none",
    )  # fmt: skip
    assert run_batch(args) == EXIT_INVALID
    assert "spec.variants.avatars" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
