"""Run ``voxray batch --address`` as a subprocess against the test cluster and read what it wrote."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from tests.faults.faultkit import assert_valid_mp3
from voxray_runtime.storage.atomic import is_temp_name
from voxray_runtime.storage.retention import BATCH_MARKER

from .raynodes import node_env

REPO = Path(__file__).resolve().parents[2]


def voxray(*args: str) -> subprocess.Popen[str]:
    env = node_env()
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "runtime"), str(REPO / "operator"), str(REPO)])
    return subprocess.Popen(
        [sys.executable, "-m", "voxray_runtime.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )


class Output:
    """Collects a subprocess's output lines in a thread (so that the pipe never fills)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert proc.stdout is not None
        stream = proc.stdout
        self._thread = threading.Thread(
            target=lambda: self.lines.extend(iter(stream.readline, "")), daemon=True
        )
        self._thread.start()

    def text(self) -> str:
        return "".join(self.lines)


def finish(proc: subprocess.Popen[str], out: Output, timeout_s: float) -> int:
    """The driver's exit status; AssertionError (with its output) when it does not end in time."""
    try:
        return proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)
        raise AssertionError(
            f"the batch did not end within {timeout_s:.0f} s:\n{out.text()[-4000:]}"
        ) from None


def check_output(out_dir: Path, expected: set[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """No partial or temporary file, exactly ``expected`` audio files, every manifest entry matching
    its file; returns the manifest entries and the summary."""
    files = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()}
    assert not [f for f in files if is_temp_name(Path(f).name) or f.endswith(".tmp")], files
    assert BATCH_MARKER not in files
    assert {f for f in files if f.endswith(".mp3")} == expected
    entries = [json.loads(line) for line in (out_dir / "manifest.jsonl").read_text().splitlines()]
    assert sorted(e["name"] for e in entries) == sorted(expected)
    for e in entries:
        data = (out_dir / e["name"]).read_bytes()
        assert (e["size_bytes"], e["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
        assert_valid_mp3(out_dir / e["name"], min_s=0.5, max_s=120.0)
    summary = json.loads((out_dir / "summary.json").read_text())
    return entries, summary
