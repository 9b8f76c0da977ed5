"""The quality check on real engines and a real recogniser: a garbled file (a text pasted into the wrong
language's column: the English voice reads the English word and drops the Devanagari sentence) is
caught, rendered once more, and reported failed-quality with what was heard; a good file passes; a Hindi
file is unchecked with its reason. The counts reach the manifest, summary.json and the progress line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.cli import EXIT_OK, run_batch
from voxray_runtime.batch.progress import PROGRESS_PREFIX, parse_progress

from .helpers import SHORT_POSTS, write_doc
from .test_batch_run import batch_args

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

GARBLED = "Breakfast. हमारे होटल में आपका स्वागत है। नाश्ता सात बजे परोसा जाता है।"
POSTS = [
    {"index": 1, "id": "good", "texts": SHORT_POSTS[0]["texts"]},
    {"index": 2, "id": "garbled", "texts": {**SHORT_POSTS[1]["texts"], "en": GARBLED}},
]


def test_a_garbled_file_is_caught_rendered_again_and_reported(
    ray_cluster: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = {
        "input": {"items": POSTS},
        "variants": {"avatars": ["female_en-US", "female_hi"]},
        "output": {"captions": ["srt"]},
        "concurrency": 2,
    }
    out = tmp_path / "out"
    path = write_doc(tmp_path / "batch.yaml", spec)
    assert run_batch(batch_args(path, out, progress="plain")) == EXIT_OK  # kept and reported, not a crash

    rows = {
        json.loads(line)["name"]: json.loads(line)
        for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    }
    good, bad = rows["post_01_female_en-US.mp3"]["qa"], rows["post_02_female_en-US.mp3"]["qa"]
    assert good["verdict"] == "passed"
    assert good["checker"] == "whisper-base"
    assert good["cer"] <= good["bound"]
    assert good["renders"] == 1
    assert bad["verdict"] == "failed"
    assert bad["cer"] > bad["bound"]
    assert bad["renders"] == 2  # rendered once more before it was reported
    assert "breakfast" in bad["transcript"].lower()
    for hindi in ("post_01_female_hi.mp3", "post_02_female_hi.mp3"):
        assert rows[hindi]["qa"]["verdict"] == "unchecked"
        assert "Urdu script" in rows[hindi]["qa"]["reason"]
    for name, row in rows.items():  # every row carries its timings of the check and its captions
        assert {"qa_s", "qa_cpu_s", "cpu_s"} <= set(row["timings"]), name
        assert (out / row["captions"]["srt"]).is_file()

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    quality = summary["quality"]
    assert (quality["checked"], quality["passed"], quality["failed"], quality["unchecked"]) == (2, 1, 1, 2)
    assert [f["name"] for f in quality["failed_files"]] == ["post_02_female_en-US.mp3"]
    assert quality["failed_files"][0]["transcript"] == bad["transcript"]
    assert quality["cpu_seconds"]["check"] > 0
    assert summary["failed"] == 0
    assert summary["files"] == 4

    printed = capsys.readouterr().out
    assert "quality failed: post_02_female_en-US.mp3" in printed
    last = parse_progress("\n".join(line for line in printed.splitlines() if PROGRESS_PREFIX in line))
    assert last is not None
    assert last.finished
    assert last.qa == {"checked": 2, "passed": 1, "failed": 1, "unchecked": 2}
