"""The manifest and the resume rule: a file is skipped only when it exists and matches its entry."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.manifest import (
    ManifestWriter,
    compact,
    complete_names,
    expected_fields,
    is_complete,
    read_entries,
)
from voxray_runtime.batch.plan import Plan, build_plan
from voxray_runtime.models import default_models
from voxray_runtime.spec.documents import parse_document
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

from .helpers import batch_doc, short_spec


def _plan(tmp_path: Path, **overrides: Any) -> Plan:
    doc = parse_document(
        batch_doc(short_spec(variants={"avatars": ["female_en-US", "male_ar-EG"]}, **overrides))
    )
    assert isinstance(doc.spec, SpeechBatchSpec)
    return build_plan(doc.spec, models=default_models(), output_dir=tmp_path)


def _write(plan: Plan, i: int, data: bytes = b"ID3 fake mp3 bytes") -> dict[str, Any]:
    """A file and its entry as the worker would make them (the bytes need not be audio here)."""
    work = plan.work[i]
    (plan.output_dir / work.name).write_bytes(data)
    return {
        "name": work.name,
        **expected_fields(plan, work),
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "duration_s": 1.0,
    }


def test_complete_when_file_and_entry_match(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    entry = _write(plan, 0)
    assert is_complete(plan, plan.work[0], entry)
    assert complete_names(plan, {entry["name"]: entry}) == {plan.work[0].name}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"size_bytes": 1}, "size differs"),
        ({"sha256": "0" * 64}, "bytes differ"),
        ({"text_sha256": "0" * 64}, "the text changed"),
        ({"speaker": "af_bella"}, "another voice"),
        ({"model": "espeak"}, "another model"),
        ({"fallback_reason": "something"}, "fallback declared differently"),
        ({"bitrate_kbps": 128}, "another bitrate"),
        ({"format": "wav"}, "another format"),
        ({"speed": 1.5}, "another speed"),
        ({"name": "other.mp3"}, "another name"),
    ],
)
def test_mismatched_entries_are_redone(tmp_path: Path, change: dict[str, Any], why: str) -> None:
    plan = _plan(tmp_path)
    entry = {**_write(plan, 0), **change}
    assert not is_complete(plan, plan.work[0], entry), why


def test_missing_or_truncated_file_is_redone(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    entry = _write(plan, 0)
    path = tmp_path / plan.work[0].name
    path.write_bytes(path.read_bytes()[:-1])
    assert not is_complete(plan, plan.work[0], entry)
    path.unlink()
    assert not is_complete(plan, plan.work[0], entry)
    assert not is_complete(plan, plan.work[0], None)


def test_read_skips_a_killed_writers_half_line_and_last_entry_wins(tmp_path: Path) -> None:
    path = tmp_path / "manifest.jsonl"
    a1 = {"name": "a.mp3", "sha256": "1"}
    a2 = {"name": "a.mp3", "sha256": "2"}
    b = {"name": "b.mp3", "sha256": "3"}
    path.write_text(
        json.dumps(a1) + "\n\n" + json.dumps(b) + "\nnot json\n" + json.dumps(a2) + '\n{"name": "c.m'
    )
    entries = read_entries(path)
    assert entries == {"a.mp3": a2, "b.mp3": b}
    assert read_entries(tmp_path / "absent.jsonl") == {}


def test_writer_starts_on_a_fresh_line_after_a_half_line(tmp_path: Path) -> None:
    path = tmp_path / "manifest.jsonl"
    path.write_text('{"name": "a.mp3"}\n{"name": "half')
    with ManifestWriter(path) as w:
        w.append({"name": "b.mp3"})
    assert set(read_entries(path)) == {"a.mp3", "b.mp3"}


def test_compact_dedupes_and_drops_missing_or_mismatched(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    e0, e1, e2 = _write(plan, 0), _write(plan, 1), _write(plan, 2)
    (tmp_path / plan.work[1].name).unlink()  # missing
    (tmp_path / plan.work[2].name).write_bytes(b"changed")  # mismatched
    with ManifestWriter(plan.manifest_path) as w:
        for e in (e0, e1, e2, {**e0, "duration_s": 2.0}):
            w.append(e)
    kept = compact(plan.manifest_path, tmp_path)
    assert list(kept) == [e0["name"]]
    lines = plan.manifest_path.read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["duration_s"] == 2.0
