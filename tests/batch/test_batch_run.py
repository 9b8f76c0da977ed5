"""A small real batch on the session Ray: 2 posts x all 18 avatars -> 36 MP3 files, decoded back."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voxray_runtime.audio.analysis import decode_mp3, rms
from voxray_runtime.batch.cli import EXIT_OK, run_batch
from voxray_runtime.batch.progress import PROGRESS_PREFIX, parse_progress
from voxray_runtime.voices.avatars import ALL_AVATARS

from .helpers import SHORT_POSTS, short_spec, write_doc

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

TEXTS = {p["index"]: p["texts"] for p in SHORT_POSTS}
FALLBACK_LOCALES = {"en-AU", "ar-SA", "ar-EG", "ar-AE", "ur"}


def batch_args(path: Path, out: Path, **overrides: Any) -> argparse.Namespace:
    values: dict[str, Any] = {
        "file": path,
        "limit": None,
        "out": out,
        "address": None,
        "concurrency": None,
        "models": None,
        "threads": None,
        "design": "actors",
        "progress": "auto",
        "cpus": None,
    }
    values.update(overrides)
    return argparse.Namespace(**values)


def test_small_real_batch(
    ray_cluster: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "audio-output"
    path = write_doc(tmp_path / "batch.yaml", short_spec())
    assert run_batch(batch_args(path, out)) == EXIT_OK

    expected = {f"post_{i:02d}_{a.gender}_{a.locale}.mp3" for i in (1, 2) for a in ALL_AVATARS}
    assert {p.name for p in out.glob("*.mp3")} == expected
    assert "post_01_female_en-US.mp3" in expected

    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert sorted(e["name"] for e in entries) == sorted(expected)
    for e in entries:
        data = (out / e["name"]).read_bytes()
        assert e["size_bytes"] == len(data)
        assert e["sha256"] == hashlib.sha256(data).hexdigest()
        pcm, rate = decode_mp3(data)
        seconds = len(pcm) / rate
        assert rate == e["sample_rate"]
        assert 0.8 < seconds < 12.0, (e["name"], seconds)
        assert abs(seconds - e["duration_s"]) < 0.25, (e["name"], seconds, e["duration_s"])
        assert rms(pcm) > 0.01, e["name"]
        assert float(np.max(np.abs(pcm))) > 0.1, e["name"]
        locale = e["dialect"] or e["language"]
        assert e["fallback"] is (locale in FALLBACK_LOCALES), e["name"]
        assert bool(e["fallback_reason"]) is e["fallback"]
        assert e["engine"] == "kokoro"  # Arabic too: Kokoro's Hindi voices on espeak-ng's Arabic phonemes
        if e["language"] == "ar":
            assert "Hindi-accented Modern Standard Arabic" in e["fallback_reason"]
        assert e["attempts"] == 1
        assert e["format"] == "mp3"
        assert e["bitrate_kbps"] == 64
        assert set(e["timings"]) >= {"synth_s", "encode_s", "total_s"}
        assert e["worker"]
        text = TEXTS[e["index"]][e["language"]]
        assert e["text_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    # a Hindi-voiced Urdu file says so, and which speaker was used
    ur = next(e for e in entries if e["name"] == "post_01_female_ur.mp3")
    assert "Urdu" in ur["fallback_reason"]
    assert ur["speaker"] == "hf_beta"

    summary = json.loads((out / "summary.json").read_text())
    assert (summary["files"], summary["rendered"], summary["failed"], summary["skipped"]) == (36, 36, 0, 0)
    assert summary["audio_seconds"] > 36
    assert summary["audio_seconds_per_wall_second"] > 0
    assert summary["files_per_minute"] > 0
    util = summary["utilisation"]
    assert 0 < util["observed"] <= 1.0
    assert util["ceiling"] == 0.8
    assert summary["failures"] == []
    assert (out / "failures.jsonl").read_text() == ""

    # not a terminal: plain lines only, the operator's progress lines among them, the last one final
    stdout = capsys.readouterr().out
    assert "\x1b[" not in stdout
    progress_lines = [line for line in stdout.splitlines() if line.startswith(PROGRESS_PREFIX)]
    assert len(progress_lines) >= 2
    last = parse_progress(stdout)
    assert last is not None
    assert last.finished
    assert (last.total, last.done, last.failed) == (36, 36, 0)

    # a rerun finds everything complete and renders nothing
    assert run_batch(batch_args(path, out, progress="plain")) == EXIT_OK
    again = json.loads((out / "summary.json").read_text())
    assert (again["files"], again["rendered"], again["skipped"]) == (36, 0, 36)
    assert re.search(r"36 of 36 files already complete", capsys.readouterr().out)
