"""``voxray batch`` with an s3:// output against a real S3-compatible server (moto on 127.0.0.1), on the
session's Ray: real MP3 objects decoded back, writes that the server fails retried without loss, a
``kill -9`` mid-run resumed from the objects, and the gallery reading the run back from the bucket."""

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

from tests.batch.helpers import SHORT_POSTS, write_doc
from tests.batch.test_batch_run import batch_args
from voxray_runtime.audio.analysis import decode_mp3, rms
from voxray_runtime.batch.cli import EXIT_OK, run_batch
from voxray_runtime.batch.gallery import find_runs, read_run, run_file
from voxray_runtime.storage.location import ObjectPrefix

from .s3server import Faults, Proxy

pytestmark = [pytest.mark.ray, pytest.mark.timeout(240)]

AVATARS = ["female_en-GB", "male_es", "female_ar-EG"]


def _spec(endpoint: str, posts: list[dict[str, Any]] = SHORT_POSTS) -> dict[str, Any]:
    return {
        "input": {"items": posts},
        "voiceModels": ["espeak"],
        "variants": {"avatars": AVATARS},
        "concurrency": 2,
        "retries": {"maxAttempts": 3, "backoffSeconds": 0.1},
        "output": {
            "path": "s3://unused/x",
            "s3": {"endpoint": endpoint, "region": "us-east-1", "pathStyle": True},
        },
    }


def _objects(s3: Any, bucket: str, prefix: str) -> dict[str, bytes]:
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
        for obj in page.get("Contents", []):
            out[obj["Key"][len(prefix) + 1 :]] = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
    return out


def _check_complete(objects: dict[str, bytes], expected: set[str]) -> list[dict[str, Any]]:
    assert {n for n in objects if n.endswith(".mp3")} == expected
    assert not [n for n in objects if n.startswith(".voxray-")]  # no journal, no marker, no probe left
    entries = [json.loads(line) for line in objects["manifest.jsonl"].decode().splitlines()]
    assert sorted(e["name"] for e in entries) == sorted(expected)
    for e in entries:
        data = objects[e["name"]]
        assert (e["size_bytes"], e["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
        pcm, rate = decode_mp3(data)
        assert rate == e["sample_rate"]
        assert 0.5 < len(pcm) / rate < 12.0, e["name"]
        assert rms(pcm) > 0.01, e["name"]
    return entries


def test_batch_to_s3_through_failing_writes(
    ray_cluster: dict[str, Any],
    s3: Any,
    proxy: Proxy,
    faults: Faults,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s3.create_bucket(Bucket="posts")
    faults.every = 3
    path = write_doc(tmp_path / "batch.yaml", _spec(proxy.url))
    expected = {f"post_{i:02d}_{a}.mp3" for i in (1, 2) for a in AVATARS}
    monkeypatch.chdir(tmp_path)
    assert run_batch(batch_args(path, "s3://posts/run1", progress="none")) == EXIT_OK
    assert not list(tmp_path.glob("s3*"))  # nothing written locally
    assert {code for _, code in faults.injected} == {500, 503}
    objects = _objects(s3, "posts", "run1")
    _check_complete(objects, expected)
    summary = json.loads(objects["summary.json"])
    assert (summary["files"], summary["failed"], summary["missing"]) == (len(expected), 0, 0)
    assert summary["batch"]["output_dir"].startswith("s3://posts/run1")
    # the gallery and /v1/batches read it back through the same rules
    root = ObjectPrefix("posts", "", endpoint=proxy.url, region="us-east-1", path_style=True)
    runs = find_runs(root)
    assert [r.id for r in runs] == ["run1"]
    assert runs[0].state == "complete"
    found = read_run(root, "run1")
    assert found is not None
    assert set(found.entries) == expected
    name = sorted(expected)[0]
    data, kind = run_file(root, "run1", name, None)
    assert (data, kind) == (objects[name], "audio/mpeg")


def test_kill_9_then_rerun_resumes_from_the_objects(
    ray_cluster: dict[str, Any], s3: Any, s3_url: str, tmp_path: Path
) -> None:
    s3.create_bucket(Bucket="resume")
    posts = [*SHORT_POSTS, {**SHORT_POSTS[0], "index": 3, "id": "post_03"}]
    path = write_doc(tmp_path / "batch.yaml", _spec(s3_url, posts))
    expected = {f"post_{i:02d}_{a}.mp3" for i in (1, 2, 3) for a in AVATARS}
    env = {**os.environ, "RAY_ADDRESS": ray_cluster["address"], "RAY_USAGE_STATS_ENABLED": "0"}
    cmd = [sys.executable, "-m", "voxray_runtime.batch", "-f", str(path), "--out", "s3://resume/run1"]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def mp3s() -> int:
        listed = s3.list_objects_v2(Bucket="resume", Prefix="run1/").get("Contents", [])
        return sum(1 for o in listed if o["Key"].endswith(".mp3"))

    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and mp3s() < 3:
            time.sleep(0.05)
        assert proc.poll() is None, "the batch finished (or died) before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    before = _objects(s3, "resume", "run1")
    written = {n for n in before if n.endswith(".mp3")}
    assert 3 <= len(written) < len(expected)
    assert "summary.json" not in before
    assert any(n.startswith(".voxray-journal/") for n in before)  # the manifest so far, as a journal

    assert run_batch(batch_args(path, "s3://resume/run1", progress="none")) == EXIT_OK
    objects = _objects(s3, "resume", "run1")
    _check_complete(objects, expected)
    for name in written:  # what the killed run wrote whole was kept, not rendered again
        assert objects[name] == before[name]
    summary = json.loads(objects["summary.json"])
    assert summary["files"] == len(expected)
    assert summary["skipped"] >= 1
    assert summary["skipped"] + summary["rendered"] == len(expected)
