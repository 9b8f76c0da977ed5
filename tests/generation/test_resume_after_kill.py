"""Resume after a real kill: ``voxray batch`` of a spec.generate SpeechBatch in a subprocess is killed with
SIGKILL mid-generation. posts.jsonl holds only whole lines; the rerun keeps every text written before the
kill (same bytes, same seeds), writes only the rest (counted by its audit events), then speaks all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.batch.test_batch_run import batch_args
from voxray_runtime.batch.cli import EXIT_FAILED, EXIT_OK, run_batch

from .helpers import write_generate_doc

pytestmark = [pytest.mark.ray, pytest.mark.timeout(900)]

COUNT = 3


def texts_in(path: Path) -> dict[tuple[int, str], tuple[str, int]]:
    """(index, language) -> (text, seed) of every whole record; fails on a line that is not JSON."""
    out: dict[tuple[int, str], tuple[str, int]] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)  # a torn line would raise here
        for lang, text in r["texts"].items():
            out[(r["index"], lang)] = (text, r["seeds"][lang])
    return out


def test_kill_9_mid_generation_then_rerun(
    ray_cluster: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = write_generate_doc(tmp_path / "batch.yaml", count=COUNT)
    out = tmp_path / "out"
    posts = out / "posts.jsonl"
    env = {
        **os.environ,
        "RAY_ADDRESS": ray_cluster["address"],
        "RAY_USAGE_STATS_ENABLED": "0",
        "VOXRAY_AUDIT_LOG": str(tmp_path / "audit-killed.jsonl"),
    }
    cmd = [
        sys.executable,
        "-m",
        "voxray_runtime.batch",
        "-f",
        str(doc),
        "--out",
        str(out),
        "--progress",
        "none",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            if len(texts_in(posts)) >= 3:  # post 1 and its translation, and post 2's source
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the batch ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    before = texts_in(posts)
    assert 3 <= len(before) < COUNT * 2
    assert not list(out.glob("*.mp3"))  # killed before speech

    audit = tmp_path / "audit-rerun.jsonl"
    monkeypatch.setenv("VOXRAY_AUDIT_LOG", str(audit))
    code = run_batch(batch_args(doc, out, progress="none"))
    summary = json.loads((out / "summary.json").read_text())
    gen = summary["generation"]
    assert code == (EXIT_OK if not gen["failures"] else EXIT_FAILED)

    after = texts_in(posts)
    failed = {(f["index"], f["language"]) for f in gen["failures"]}
    everything = {(i, lang) for i in range(1, COUNT + 1) for lang in ("en", "es")}
    # a text refused on every attempt is reported (a failed source leaves its translation unasked)
    assert set(after) | failed | {(i, "es") for i, lang in failed if lang == "en"} == everything
    for key, value in before.items():
        assert after[key] == value, key  # kept as written, not regenerated
    events = [json.loads(x) for x in audit.read_text().splitlines()]
    written = [e for e in events if e.get("action") == "batch.generate" and e["outcome"] == "ok"]
    assert len(written) == len(set(after) - set(before))
    assert {(e["detail"]["index"], e["language"]) for e in written} == set(after) - set(before)
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    spoken = {i for i in range(1, COUNT + 1) if (i, "en") in after and (i, "es") in after}
    assert summary["files"] == len(spoken) * 2
    assert gen["posts_written"] + gen["translations_written"] == len(written)
