"""Resume after a real kill: ``voxray batch`` in a subprocess (on the session Ray, so no second Ray
starts) is killed with SIGKILL once a few files exist; the rerun ends with exactly the full set, every
manifest row with its captions and its quality verdict, and summary.json's quality counts those rows."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.cli import EXIT_OK, run_batch
from voxray_runtime.batch.quality import counts_of, row_valid
from voxray_runtime.storage.atomic import is_temp_name

from .helpers import SHORT_POSTS, write_doc
from .test_batch_run import batch_args

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

AVATARS = ["female_en-US", "male_es", "female_ar-EG", "male_ar-SA"]
POSTS = [*SHORT_POSTS, {**SHORT_POSTS[0], "index": 3, "id": "post_03"}]


def test_kill_9_then_rerun_gives_exactly_the_full_set(ray_cluster: dict[str, Any], tmp_path: Path) -> None:
    spec = {
        "input": {"items": POSTS},
        "variants": {"avatars": AVATARS},
        "concurrency": 2,
        "output": {"captions": ["srt"]},
    }
    path = write_doc(tmp_path / "batch.yaml", spec)
    out = tmp_path / "out"
    expected = {f"post_{i:02d}_{a}.mp3" for i in (1, 2, 3) for a in AVATARS}
    env = {**os.environ, "RAY_ADDRESS": ray_cluster["address"], "RAY_USAGE_STATS_ENABLED": "0"}
    cmd = [sys.executable, "-m", "voxray_runtime.batch", "-f", str(path), "--out", str(out)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 150
        manifest = out / "manifest.jsonl"
        while time.monotonic() < deadline and proc.poll() is None:
            # files written, and at least one checked and listed (a worker checks its files in packs:
            # a file on disk waits for its pack's verdict before its row is written)
            if len(list(out.glob("*.mp3"))) >= 3 and manifest.is_file() and manifest.read_text().count("\n"):
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the batch finished (or died) before it could be killed"
        assert len(list(out.glob("*.mp3"))) >= 3, "no files appeared in time"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    before = {p.name for p in out.glob("*.mp3")}
    assert 3 <= len(before) < len(expected)
    # what a kill in the middle of a write leaves: a stray temp file and a half manifest line
    (out / ".post_03_female_es.mp3.0123abcd.tmp").write_bytes(b"partial")
    with (out / "manifest.jsonl").open("a") as f:
        f.write('{"name": "post_03_male_ur.mp3", "sha2')

    assert run_batch(batch_args(path, out, progress="none")) == EXIT_OK

    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert not [n for n in names if is_temp_name(Path(n).name) or n.endswith(".tmp")]
    assert {n for n in names if n.endswith(".mp3")} == expected
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) == len(expected)
    assert {e["name"] for e in entries} == expected
    for e in entries:
        data = (out / e["name"]).read_bytes()
        assert (e["size_bytes"], e["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
        assert row_valid(e["qa"]), e["name"]  # checked (or unchecked with its reason) before it was listed
        assert (out / e["captions"]["srt"]).is_file(), e["name"]
    assert {p.name for p in out.glob("*.srt")} == {e["captions"]["srt"] for e in entries}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files"] == len(expected)
    assert summary["skipped"] + summary["rendered"] == len(expected)
    assert summary["skipped"] >= 1
    assert summary["stray_temp_files_removed"] >= 1
    quality = summary["quality"]
    assert {k: quality[k] for k in ("checked", "passed", "failed", "unchecked")} == counts_of(
        entries
    ).as_dict()
    assert quality["checked"] + quality["unchecked"] == len(expected)
