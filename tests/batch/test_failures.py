"""A real per-item failure: a post that is only emoji has nothing to say. It is recorded with its
reason (not retried: it would fail the same way), the other files are written, the exit status is 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.cli import EXIT_FAILED, run_batch

from .helpers import write_doc
from .test_batch_run import batch_args

pytestmark = [pytest.mark.ray, pytest.mark.timeout(180)]

ITEMS = [
    {"index": 1, "texts": {"ar": "مرحبا بكم في فندقنا.", "es": "Bienvenidos."}},
    {"index": 2, "texts": {"ar": "🌊🌴✨", "es": "🌊🌴✨"}},
]


def test_emoji_only_item_fails_with_reason(ray_cluster: dict[str, Any], tmp_path: Path) -> None:
    spec = {
        "input": {"items": ITEMS},
        "variants": {"avatars": ["female_ar-SA"]},
        "retries": {"maxAttempts": 3, "backoffSeconds": 0.05},
    }
    path = write_doc(tmp_path / "batch.yaml", spec)
    out = tmp_path / "out"
    assert run_batch(batch_args(path, out, progress="none")) == EXIT_FAILED

    assert (out / "post_01_female_ar-SA.mp3").is_file()
    assert not (out / "post_02_female_ar-SA.mp3").exists()
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert len(failures) == 1
    f = failures[0]
    assert (f["name"], f["error_type"], f["attempts"]) == ("post_02_female_ar-SA.mp3", "EmptyTextError", 1)
    assert "nothing speakable" in f["error"]
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["files"], summary["failed"], summary["missing"]) == (1, 1, 1)
    assert summary["failures"][0]["error_type"] == "EmptyTextError"
    manifest = (out / "manifest.jsonl").read_text().splitlines()
    assert [json.loads(line)["name"] for line in manifest] == ["post_01_female_ar-SA.mp3"]

    # a rerun keeps the good file and tries the failed item again: it still fails
    assert run_batch(batch_args(path, out, progress="none")) == EXIT_FAILED
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["skipped"], summary["rendered"], summary["failed"]) == (1, 0, 1)
