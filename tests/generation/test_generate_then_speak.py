"""Generate, then speak, for real: the packaged Gemma 3 270M (llama.cpp, in the batch process) writes two
posts in English and their Spanish translations into posts.jsonl, then two voices speak them on the
session Ray; MP3s decoded back. A rerun writes nothing and renders nothing. ``voxray generate`` with the
same brief and seed prints the batch's first post: same prompts, same seeds."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.batch.test_batch_run import batch_args
from voxray_runtime.audio.analysis import decode_mp3, rms
from voxray_runtime.batch.cli import EXIT_OK, run_batch
from voxray_runtime.cli import main
from voxray_runtime.generation.clean import clean_output
from voxray_runtime.generation.records import brief_sha256, post_seed
from voxray_runtime.spec.textmodel import PACKAGED_TEXT_MODEL

from .helpers import BRIEF, write_generate_doc

pytestmark = [pytest.mark.ray, pytest.mark.timeout(900)]

AVATARS = {"female_en-US": "en", "male_es": "es"}
FILES = {f"post_{i:02d}_{a}.mp3": (i, lang) for i in (1, 2) for a, lang in AVATARS.items()}


def audit_events(path: Path, action: str) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if r.get("action") == action]


@pytest.fixture(scope="module")
def generated(ray_cluster: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("generate")
    doc = write_generate_doc(tmp / "batch.yaml")
    out = tmp / "out"
    audit = tmp / "audit-1.jsonl"
    mp = pytest.MonkeyPatch()
    mp.setenv("VOXRAY_AUDIT_LOG", str(audit))
    try:
        code = run_batch(batch_args(doc, out, progress="none"))
    finally:
        mp.undo()
    return {"doc": doc, "out": out, "audit": audit, "code": code, "tmp": tmp}


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "posts.jsonl").read_text(encoding="utf-8").splitlines()]


def test_posts_are_written_with_model_and_seed(generated: dict[str, Any]) -> None:
    assert generated["code"] == EXIT_OK
    recs = records(generated["out"])
    assert [r["index"] for r in recs] == [1, 2]
    for r in recs:
        assert (r["id"], r["model"], r["batch_seed"]) == (f"post_{r['index']:02d}", PACKAGED_TEXT_MODEL, 7)
        assert r["seed"] == post_seed(7, r["index"], "en")
        assert r["brief_sha256"] == brief_sha256(BRIEF)
        assert set(r["texts"]) == {"en", "es"}
        assert set(r["seeds"]) == {"en", "es"}
        for lang, text in r["texts"].items():
            assert len(text.split()) >= 3, text
            assert clean_output(text, lang) == text  # already clean: no markup, right script
        assert r["texts"]["en"] != r["texts"]["es"]
    assert recs[0]["texts"]["en"] != recs[1]["texts"]["en"]


def test_speech_speaks_the_generated_posts(generated: dict[str, Any]) -> None:
    out = generated["out"]
    texts = {r["index"]: r["texts"] for r in records(out)}
    entries = {
        e["name"]: e for e in (json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines())
    }
    assert set(entries) == set(FILES)
    for name, (index, lang) in FILES.items():
        data = (out / name).read_bytes()
        pcm, rate = decode_mp3(data)
        assert rate == entries[name]["sample_rate"]
        assert len(pcm) / rate > 1.0, name
        assert rms(pcm) > 0.01, name
        assert float(np.max(np.abs(pcm))) > 0.1, name
        assert entries[name]["text_sha256"] == hashlib.sha256(texts[index][lang].encode()).hexdigest()
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["files"], summary["rendered"], summary["failed"]) == (4, 4, 0)
    gen = summary["generation"]
    assert (gen["posts_written"], gen["translations_written"], gen["reused"], gen["failed"]) == (2, 2, 0, 0)
    assert (gen["model"], gen["posts_file"], gen["items"]) == (PACKAGED_TEXT_MODEL, "posts.jsonl", 2)
    assert gen["completion_tokens"] > 0
    assert gen["tokens_per_second"] > 0


def test_audit_covers_generation_without_the_text(generated: dict[str, Any]) -> None:
    audit: Path = generated["audit"]
    events = audit_events(audit, "batch.generate")
    ok = [e for e in events if e["outcome"] == "ok"]
    assert len(ok) == 4
    assert {(e["detail"]["index"], e["language"], e["detail"]["kind"]) for e in ok} == {
        (1, "en", "post"),
        (1, "es", "translation"),
        (2, "en", "post"),
        (2, "es", "translation"),
    }
    for e in ok:
        assert e["chars"] > 100
        assert len(e["text_hmac"]) == 32
        assert e["model"] == PACKAGED_TEXT_MODEL
        assert "prompt" not in e["detail"]
    run_ids = {e["request_id"] for e in audit_events(audit, "batch.item") + events}
    assert len(run_ids) == 1  # generation and speech: one run
    raw = audit.read_text(encoding="utf-8")
    assert "Alhambra" not in raw
    for r in records(generated["out"]):
        assert r["texts"]["en"] not in raw


def test_rerun_writes_nothing(generated: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    out: Path = generated["out"]
    posts = out / "posts.jsonl"
    before = (posts.read_bytes(), posts.stat().st_mtime_ns)
    audit = generated["tmp"] / "audit-2.jsonl"
    monkeypatch.setenv("VOXRAY_AUDIT_LOG", str(audit))
    assert run_batch(batch_args(generated["doc"], out, progress="none")) == EXIT_OK
    assert (posts.read_bytes(), posts.stat().st_mtime_ns) == before
    assert audit_events(audit, "batch.generate") == []
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["rendered"], summary["skipped"]) == (0, 4)
    gen = summary["generation"]
    assert (gen["reused"], gen["posts_written"], gen["translations_written"]) == (2, 0, 0)


def test_voxray_generate_prints_the_batch_post(
    generated: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["generate", "--brief", BRIEF, "--seed", "7", "--max-tokens", "64", "--translate", "es"]
    argv += ["-f", str(generated["doc"]), "--model", "writer"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    first = records(generated["out"])[0]
    assert f"# post 1 by {PACKAGED_TEXT_MODEL} (seed {first['seed']})" in text
    assert f"[en] {first['texts']['en']}" in text
    assert f"[es] {first['texts']['es']}" in text


def test_make_run_shows_the_post_and_its_speech(generated: dict[str, Any]) -> None:
    from voxray_runtime.generation.show import describe_post

    out: Path = generated["out"]
    lines = describe_post(out)
    first = records(out)[0]
    assert lines[0] == f"generated post 1 ({PACKAGED_TEXT_MODEL}, seed {first['seed']}):"
    assert f"  [en] {first['texts']['en']}" in lines
    assert any(
        line.startswith("  speech [male_es]: ") and str(out / "post_01_male_es.mp3") in line for line in lines
    )
