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
from voxray_runtime.batch.cli import EXIT_FAILED, EXIT_OK, run_batch
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


def complete(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in recs if set(r["texts"]) == {"en", "es"}]


def test_posts_are_written_with_model_and_seed(generated: dict[str, Any]) -> None:
    recs = records(generated["out"])
    summary = json.loads((generated["out"] / "summary.json").read_text())
    gen = summary["generation"]
    # a 270M model's answers can be refused on every attempt: such a post is reported, not spoken
    done = complete(recs)
    assert done, f"no post came out right: {gen['failures']}"
    assert {r["index"] for r in done} | {f["index"] for f in gen["failures"]} == {1, 2}
    assert generated["code"] == (EXIT_OK if not gen["failures"] else EXIT_FAILED)
    for f in gen["failures"]:
        assert f["error_type"] == "OutputRejectedError"
        assert f["attempts"] == 6
        assert f["error"].split(":")[0] in {
            "empty",
            "runaway",
            "repetitive",
            "wrong_script",
            "wrong_language",
            "untranslated",
            "echo",
        }
    for r in recs:
        assert (r["id"], r["model"], r["batch_seed"]) == (f"post_{r['index']:02d}", PACKAGED_TEXT_MODEL, 7)
        assert r["seed"] == post_seed(7, r["index"], "en")
        assert r["brief_sha256"] == brief_sha256(BRIEF)
        assert set(r["seeds"]) == set(r["texts"])
        assert r["seeds"]["en"] in {post_seed(7, r["index"], "en", a) for a in range(1, 7)}
        for lang, text in r["texts"].items():
            assert clean_output(text, lang) == text  # already clean: no markup, right script
    assert gen["model"] == PACKAGED_TEXT_MODEL
    assert gen["posts_file"] == "posts.jsonl"
    assert gen["items"] == len(done)
    assert gen["completion_tokens"] > 0


def test_speech_speaks_the_generated_posts(generated: dict[str, Any]) -> None:
    out = generated["out"]
    texts = {r["index"]: r["texts"] for r in complete(records(out))}
    files = {n: v for n, v in FILES.items() if v[0] in texts}
    entries = {
        e["name"]: e for e in (json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines())
    }
    assert set(entries) == set(files)
    assert {p.name for p in out.glob("*.mp3")} == set(files)
    for name, (index, lang) in files.items():
        data = (out / name).read_bytes()
        pcm, rate = decode_mp3(data)
        assert rate == entries[name]["sample_rate"]
        assert len(pcm) / rate > 0.5, name
        assert rms(pcm) > 0.01, name
        assert float(np.max(np.abs(pcm))) > 0.1, name
        assert entries[name]["text_sha256"] == hashlib.sha256(texts[index][lang].encode()).hexdigest()
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["files"], summary["rendered"], summary["failed"]) == (len(files), len(files), 0)


def test_audit_covers_generation_without_the_text(generated: dict[str, Any]) -> None:
    audit: Path = generated["audit"]
    events = audit_events(audit, "batch.generate")
    ok = [e for e in events if e["outcome"] == "ok"]
    written = {(r["index"], lang) for r in records(generated["out"]) for lang in r["texts"]}
    assert {(e["detail"]["index"], e["language"]) for e in ok} == written
    assert len(ok) == len(written)
    failures = json.loads((generated["out"] / "summary.json").read_text())["generation"]["failures"]
    assert len([e for e in events if e["outcome"] == "error"]) == len(failures)
    for e in events:
        assert e["chars"] > 100
        assert len(e["text_hmac"]) == 32
        assert e["model"] == PACKAGED_TEXT_MODEL
        assert "prompt" not in e["detail"]
    run_ids = {e["request_id"] for e in audit_events(audit, "batch.item") + events}
    assert len(run_ids) == 1  # generation and speech: one run
    raw = audit.read_text(encoding="utf-8")
    assert "Alhambra" not in raw
    for r in records(generated["out"]):
        for text in r["texts"].values():
            assert text not in raw


def test_rerun_keeps_what_was_written(generated: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    out: Path = generated["out"]
    posts = out / "posts.jsonl"
    before = {(r["index"], lang): t for r in records(out) for lang, t in r["texts"].items()}
    stamp = (posts.read_bytes(), posts.stat().st_mtime_ns)
    failed = json.loads((out / "summary.json").read_text())["generation"]["failures"]
    audit = generated["tmp"] / "audit-2.jsonl"
    monkeypatch.setenv("VOXRAY_AUDIT_LOG", str(audit))
    code = run_batch(batch_args(generated["doc"], out, progress="none"))
    events = audit_events(audit, "batch.generate")
    assert not {(e["detail"]["index"], e["language"]) for e in events} & set(before)  # nothing rewritten
    after = {(r["index"], lang): t for r in records(out) for lang, t in r["texts"].items()}
    assert {k: after[k] for k in before} == before
    if not failed:
        assert code == EXIT_OK
        assert events == []
        assert (posts.read_bytes(), posts.stat().st_mtime_ns) == stamp
        summary = json.loads((out / "summary.json").read_text())
        assert (summary["rendered"], summary["skipped"]) == (0, 4)
        assert summary["generation"]["reused"] == 2


def test_voxray_generate_prints_the_batch_post(
    generated: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    first = next((r for r in complete(records(generated["out"])) if r["index"] == 1), None)
    argv = ["generate", "--brief", BRIEF, "--seed", "7", "--max-tokens", "64", "--translate", "es"]
    argv += ["-f", str(generated["doc"]), "--model", "writer"]
    code = main(argv)
    text = capsys.readouterr().out
    if first is None or first["seeds"]["en"] != post_seed(7, 1, "en"):
        return  # the batch's post 1 needed more answers than one run of voxray generate gets
    assert code == 0
    assert f"# post 1 by {PACKAGED_TEXT_MODEL} (seed {first['seed']})" in text
    assert f"[en] {first['texts']['en']}" in text


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
