"""A SpeechBatch with captions and loudness: SRT/VTT beside each MP3, manifest rows with loudness and
captions, every file at the target, and the resume rule (missing captions -> rendered again)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import srt
import webvtt

from voxray_runtime.audio.analysis import decode_mp3
from voxray_runtime.audio.loudness import integrated_loudness
from voxray_runtime.batch.cli import EXIT_OK, run_batch

from .helpers import SHORT_POSTS, write_doc
from .test_batch_run import batch_args

pytestmark = [pytest.mark.ray, pytest.mark.timeout(400)]

AVATARS = ["female_en-US", "male_es", "male_ar-EG"]


def rows(out: Path) -> dict[str, dict[str, Any]]:
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["name"]: r for r in map(json.loads, lines)}


def test_captions_and_loudness_beside_every_file(ray_cluster: dict[str, Any], tmp_path: Path) -> None:
    spec = {
        "input": {"items": SHORT_POSTS[:1]},
        "variants": {"avatars": AVATARS},
        "output": {"captions": ["srt", "vtt"], "loudness": {"targetLufs": -18}},
        "concurrency": 1,
    }
    path = write_doc(tmp_path / "batch.yaml", spec)
    out = tmp_path / "out"
    assert run_batch(batch_args(path, out, progress="none")) == EXIT_OK
    manifest = rows(out)
    assert set(manifest) == {f"post_01_{a}.mp3" for a in AVATARS}
    for name, row in manifest.items():
        stem = name.removesuffix(".mp3")
        assert row["captions"] == {"srt": f"{stem}.srt", "vtt": f"{stem}.vtt"}
        cues = list(srt.parse((out / f"{stem}.srt").read_text(encoding="utf-8")))
        assert cues
        assert len(webvtt.read(str(out / f"{stem}.vtt"))) == len(cues)
        assert abs(row["loudness_lufs"] + 18.0) <= 0.5
        assert row["true_peak_dbtp"] <= -1.0
        assert row["loudness_target"] == [-18.0, -1.0]
        pcm, rate = decode_mp3((out / name).read_bytes())
        assert abs(integrated_loudness(pcm, rate) + 18.0) <= 1.0
    assert manifest["post_01_female_en-US.mp3"]["timing"] == "model"
    assert "\u200f" in (out / "post_01_male_ar-EG.srt").read_text(encoding="utf-8")

    # resume: a file whose captions went missing is rendered again, the others are kept
    kept = (out / "post_01_male_es.mp3").stat().st_mtime_ns
    (out / "post_01_female_en-US.vtt").unlink()
    assert run_batch(batch_args(path, out, progress="none")) == EXIT_OK
    assert (out / "post_01_female_en-US.vtt").is_file()
    assert (out / "post_01_male_es.mp3").stat().st_mtime_ns == kept
