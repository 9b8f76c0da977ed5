"""Batch audit events, built purely: who, what, where, the counts; never the text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voxray_runtime.batch.audit import (
    audit_destination,
    audit_key,
    batch_actor,
    finish_event,
    item_event,
    start_event,
)
from voxray_runtime.batch.plan import Plan, build_plan
from voxray_runtime.models import default_models
from voxray_runtime.security.audit import audit_record
from voxray_runtime.spec.documents import parse_document
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

from .helpers import SHORT_POSTS, batch_doc, short_spec

KEY = b"k" * 32


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    doc = parse_document(batch_doc(short_spec(variants={"avatars": ["female_en-GB", "male_ar-EG"]})))
    assert isinstance(doc.spec, SpeechBatchSpec)
    return build_plan(doc.spec, models=default_models(), output_dir=tmp_path / "out")


@pytest.mark.parametrize(
    ("env", "name", "namespace", "user", "actor"),
    [
        ({"VOXRAY_BATCH_ACTOR": "hotel/nightly"}, "b", "ns", None, "hotel/nightly"),
        ({"VOXRAY_BATCH_ACTOR": "  "}, "posts", "hotel", None, "hotel/posts"),
        ({}, "posts", "hotel", None, "hotel/posts"),
        ({}, "posts", None, "alice", "user:alice (posts)"),
        ({}, None, None, "alice", "user:alice"),
    ],
)
def test_actor(
    env: dict[str, str], name: str | None, namespace: str | None, user: str | None, actor: str
) -> None:
    assert batch_actor(name, namespace, env=env, user=user) == actor


def test_events_carry_no_text(plan: Plan) -> None:
    work = plan.work[0]
    entry = {"size_bytes": 12345, "timings": {"total_s": 1.5}}
    ok = audit_record(item_event("hotel/posts", "run1", plan, work, KEY, entry=entry, attempts=2))
    assert ok["action"] == "batch.item"
    assert (ok["outcome"], ok["bytes"], ok["model"], ok["voice"], ok["language"]) == (
        "ok",
        12345,
        work.binding.model,
        work.binding.avatar.name,
        "en-GB",
    )
    assert ok["chars"] == len(work.text)
    assert ok["output_path"] == str(plan.output_dir / work.name)
    assert ok["duration_ms"] == 1500.0
    assert ok["detail"]["attempts"] == 2  # type: ignore[index]
    failed = audit_record(item_event("hotel/posts", "run1", plan, work, KEY, error_type="EngineError"))
    assert (failed["outcome"], failed["detail"]["error_type"]) == ("error", "EngineError")  # type: ignore[index]
    assert "bytes" not in failed
    assert ok["text_hmac"] == failed["text_hmac"]  # same text, same key: linkable
    line = json.dumps(ok, ensure_ascii=False)
    for post in SHORT_POSTS:
        for text in post["texts"].values():
            assert text not in line


def test_start_and_finish(plan: Plan) -> None:
    start = audit_record(start_event("a", "run1", plan, batch="hotel/posts", todo=3, skipped=1))
    assert start["action"] == "batch.start"
    assert start["detail"] == {
        "batch": "hotel/posts",
        "items": 2,
        "voices": 2,
        "files": 4,
        "to_render": 3,
        "skipped": 1,
        "format": "mp3",
    }
    summary = {
        "total": 4,
        "files": 3,
        "rendered": 2,
        "skipped": 1,
        "failed": 1,
        "missing": 1,
        "wall_seconds": 2.0,
    }
    finish = audit_record(finish_event("a", "run1", plan, summary | {"bytes_written": 99}, batch=None))
    assert (finish["action"], finish["outcome"], finish["bytes"]) == ("batch.finish", "error", 99)
    assert finish["detail"]["failed"] == 1  # type: ignore[index]
    clean = audit_record(finish_event("a", "r", plan, summary | {"failed": 0, "missing": 0}, batch=None))
    assert clean["outcome"] == "ok"


def test_audit_key_from_file(tmp_path: Path) -> None:
    key_file = tmp_path / "hmac-key"
    key_file.write_text("0123456789abcdef0123\n")
    assert audit_key({"VOXRAY_AUDIT_HMAC_KEY_FILE": str(key_file)}) == b"0123456789abcdef0123"
    assert len(audit_key({})) == 32
    assert audit_key({}) != audit_key({})


@pytest.mark.parametrize(
    ("env", "interactive", "expected"),
    [
        ({}, True, "/out/audit.jsonl"),  # at a terminal: beside the manifest, not over the progress
        ({}, False, None),  # a RayJob driver or CI: stderr, for the log collector
        ({"VOXRAY_AUDIT_LOG": "/var/log/voxray/audit.jsonl"}, True, "/var/log/voxray/audit.jsonl"),
        ({"VOXRAY_AUDIT_LOG": "/var/log/voxray/audit.jsonl"}, False, "/var/log/voxray/audit.jsonl"),
        ({"VOXRAY_AUDIT_LOG": "  "}, False, None),
    ],
)
def test_audit_destination(env: dict[str, str], interactive: bool, expected: str | None) -> None:
    got = audit_destination(env, interactive, Path("/out"))
    assert (str(got) if got is not None else None) == expected
