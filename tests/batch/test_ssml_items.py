"""SSML rows in a SpeechBatch: each document parsed (the safe parser of /v1/speech) when the items load, a bad
or hostile one failing the batch with its line and column before any work; a good one a segment job whose
captions show its text. Pure: no Ray, no engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.items import load_items, parse_jsonl
from voxray_runtime.batch.plan import build_plan
from voxray_runtime.batch.worker import RenderSettings, speech_job
from voxray_runtime.models import default_models
from voxray_runtime.spec.documents import SpecError, parse_document
from voxray_runtime.spec.speechbatch import InputSpec, SpeechBatchSpec

from .helpers import batch_doc

GOOD = '<speak>Welcome to our hotel.<break time="500ms"/>Breakfast is at <say-as interpret-as="time">7:30</say-as>.</speak>'
HOSTILE = '<!DOCTYPE speak [<!ENTITY x SYSTEM "file:///etc/passwd">]><speak>&x;</speak>'
SETTINGS = RenderSettings(output_dir="out", format="mp3", bitrate_kbps=64, speed=1.0, threads=1)


def row(text: str, **extra: Any) -> dict[str, Any]:
    return {"index": 1, "id": "ssml", "texts": {"en": text}, **extra}


def test_an_ssml_row_loads_as_ssml() -> None:
    (item,) = parse_jsonl([json.dumps(row(GOOD, textType="ssml"))])
    assert item.text_type == "ssml"
    (plain,) = parse_jsonl([json.dumps(row("<b>not markup</b>"))])
    assert plain.text_type is None  # absent: plain text, and absent from the spec's hash


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "<speak>Hello <break time='5 parsecs'/></speak>",
            "line 2: texts.en: SSML line 1, column 14: break time",
        ),
        ("<speak>Hello", "line 2: texts.en: SSML line 1"),
        (HOSTILE, "line 2: texts.en: SSML line"),
        ("<speak><audio src='http://x'/></speak>", "line 2: texts.en: SSML line 1, column 8"),
    ],
)
def test_a_bad_ssml_line_names_line_language_and_column(text: str, message: str) -> None:
    lines = [json.dumps(row(GOOD, textType="ssml")), json.dumps({**row(text, textType="ssml"), "index": 2})]
    with pytest.raises(ValueError, match=message):
        parse_jsonl(lines)


def test_a_bad_inline_ssml_item_is_a_spec_error_on_its_texts() -> None:
    spec = InputSpec.model_validate({"items": [row(GOOD, textType="ssml"), {**row(HOSTILE), "index": 2,
                                                                             "textType": "ssml"}]})  # fmt: skip
    with pytest.raises(SpecError, match=r"item 1 \(index 2\): texts.en: SSML line") as err:
        load_items(spec)
    assert err.value.field == "spec.input.items.1.texts"


def test_a_bad_ssml_file_fails_the_plan_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "posts.jsonl").write_text(json.dumps(row(HOSTILE, textType="ssml")) + "\n", encoding="utf-8")
    doc = parse_document(
        batch_doc({"input": {"file": "posts.jsonl"}, "variants": {"avatars": ["female_en-US"]}})
    )
    assert isinstance(doc.spec, SpeechBatchSpec)
    with pytest.raises(SpecError, match=r"posts\.jsonl: line 1: texts\.en: SSML line") as err:
        build_plan(doc.spec, models=default_models(), output_dir=tmp_path / "out", base_dir=tmp_path)
    assert err.value.field == "spec.input.file"


@pytest.mark.parametrize("model", [None, "espeak"])
def test_an_ssml_row_is_a_segment_job_captioned_by_its_text(tmp_path: Path, model: str | None) -> None:
    spec: dict[str, Any] = {
        "input": {"items": [row(GOOD, textType="ssml")]},
        "variants": {"avatars": ["female_en-US"]},
    }
    if model:
        spec["voiceModels"] = [model]
    doc = parse_document(batch_doc(spec))
    assert isinstance(doc.spec, SpeechBatchSpec)
    (work,) = build_plan(doc.spec, models=default_models(), output_dir=tmp_path).work
    assert work.text_type == "ssml"
    job, written = speech_job(work, SETTINGS)
    assert job.chunks == ("Welcome to our hotel.", "Breakfast is at seven thirty.")
    assert job.pauses() == [0.5]
    assert written == "Welcome to our hotel. Breakfast is at seven thirty."  # the text, no markup
