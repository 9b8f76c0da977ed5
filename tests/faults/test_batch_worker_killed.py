"""A batch worker killed (SIGKILL) while it synthesizes: the batch completes, every file valid, nothing left
over, the manifest and the audit trail right. Real engines on the session Ray."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import SHORT_POSTS, write_doc
from tests.batch.test_batch_run import batch_args
from voxray_runtime.batch.cli import EXIT_OK, run_batch
from voxray_runtime.security.audit import AUDIT_LOGGER
from voxray_runtime.storage.atomic import is_temp_name
from voxray_runtime.storage.retention import BATCH_MARKER

from .faultkit import alive_actors, assert_valid_mp3, eventually

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

AVATARS = ["female_en-US", "male_en-GB", "female_ar-EG", "male_es"]
POSTS = SHORT_POSTS


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def audit_lines() -> Iterator[list[str]]:
    logger = logging.getLogger(AUDIT_LOGGER)
    handler = Captured()
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def rendering_worker() -> int | None:
    """The pid of a pool worker busy in ``render`` right now (Ray titles the process by its method)."""
    for actor in alive_actors("SynthWorker"):
        pid = int(actor["Pid"])
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "SynthWorker.render" in title:
            return pid
    return None


def test_worker_killed_mid_item_batch_completes(
    ray_cluster: dict[str, Any],
    tmp_path: Path,
    audit_lines: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOXRAY_BATCH_ACTOR", "hotel/posts-nightly")
    spec = {
        "input": {"items": POSTS},
        "variants": {"avatars": AVATARS},
        "concurrency": 2,
        "retries": {"maxAttempts": 3, "backoffSeconds": 0.1},
    }
    path = write_doc(tmp_path / "batch.yaml", spec)
    out = tmp_path / "out"
    expected = {f"post_{i:02d}_{a}.mp3" for i in (1, 2) for a in AVATARS}
    codes: list[int] = []
    driver = threading.Thread(
        target=lambda: codes.append(run_batch(batch_args(path, out, progress="none"))), daemon=True
    )
    driver.start()
    try:
        # once the pool is working (a file exists), SIGKILL a worker that is inside render()
        eventually(lambda: list(out.glob("*.mp3")), timeout_s=180, what="the first file")
        victim = eventually(rendering_worker, timeout_s=60, what="a worker inside render()", poll_s=0.02)
        os.kill(victim, signal.SIGKILL)
        eventually(
            lambda: all(int(a["Pid"]) != victim for a in alive_actors("SynthWorker")),
            timeout_s=60,
            what="Ray to see the worker dead",
        )
    finally:
        driver.join(timeout=240)
    assert not driver.is_alive(), "the batch did not finish after its worker was killed"
    assert codes == [EXIT_OK]

    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert not [f for f in files if is_temp_name(Path(f).name) or f.endswith(".tmp")], files
    assert BATCH_MARKER not in files
    assert {f for f in files if f.endswith(".mp3")} == expected
    entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert sorted(e["name"] for e in entries) == sorted(expected)
    for e in entries:
        data = (out / e["name"]).read_bytes()
        assert (e["size_bytes"], e["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
        seconds = assert_valid_mp3(out / e["name"], min_s=0.8, max_s=12.0)
        assert abs(seconds - e["duration_s"]) < 0.25, e["name"]
    # the killed worker's file was retried by a replacement worker
    assert max(e["attempts"] for e in entries) >= 2, [e["attempts"] for e in entries]
    summary = json.loads((out / "summary.json").read_text())
    counts = (summary["total"], summary["files"], summary["rendered"], summary["failed"], summary["missing"])
    assert counts == (len(expected), len(expected), len(expected), 0, 0)
    assert (out / "failures.jsonl").read_text() == ""
    # summary.json says what was retried and why, and that the pool lost and replaced a worker
    assert summary["retried"], summary
    for row in summary["retried"]:
        assert row["error_type"], row
        assert row["error"], row
    changes = [c["event"] for c in summary["pool_changes"]]
    assert "lost" in changes, summary["pool_changes"]
    assert "replaced" in changes, summary["pool_changes"]

    # the audit trail: who, per file what and where, never the text
    events = [json.loads(line) for line in audit_lines]
    actions = [e["action"] for e in events]
    assert actions[0] == "batch.start"
    assert actions[-1] == "batch.finish"
    items = [e for e in events if e["action"] == "batch.item"]
    assert sorted(e["output_path"] for e in items) == sorted(str(out / n) for n in expected)
    assert {e["actor"] for e in events} == {"hotel/posts-nightly"}
    assert len({e["request_id"] for e in events}) == 1
    by_path = {Path(e["output_path"]).name: e for e in items}
    for entry in entries:
        ev = by_path[entry["name"]]
        assert (ev["outcome"], ev["bytes"], ev["model"], ev["voice"]) == (
            "ok",
            entry["size_bytes"],
            entry["model"],
            entry["avatar"],
        )
        assert ev["chars"] > 10
        assert len(ev["text_hmac"]) == 32
    finish = events[-1]
    assert finish["outcome"] == "ok"
    assert finish["detail"]["rendered"] == len(expected)
    assert finish["bytes"] == sum(e["size_bytes"] for e in entries)
    texts = [t for p in POSTS for t in p["texts"].values()]
    for line in audit_lines:
        assert not any(t in line or t[:20] in line for t in texts), line
