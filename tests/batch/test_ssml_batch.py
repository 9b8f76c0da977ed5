"""A real SpeechBatch with SSML rows: a ``<break>`` is a silence of the asked length in the MP3, and the
captions show the text, not the markup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import srt

from voxray_runtime.audio.analysis import decode_mp3
from voxray_runtime.batch.cli import EXIT_OK, run_batch

from .helpers import write_doc
from .test_batch_run import batch_args

pytestmark = [pytest.mark.ray, pytest.mark.timeout(400)]


def ssml(break_time: str) -> str:
    return f'<speak>Welcome to our hotel.<break time="{break_time}"/>Breakfast is served at seven.</speak>'


def longest_silence_s(pcm: npt.NDArray[np.float32], rate: int) -> float:
    """The longest run of 10 ms frames 40 dB under the peak, between the first and last sound."""
    size = rate // 100
    frames = pcm[: len(pcm) // size * size].reshape(-1, size).astype(np.float64)
    quiet = np.sqrt((frames**2).mean(axis=1)) < float(np.abs(pcm).max()) * 0.01
    loud = np.flatnonzero(~quiet)
    best = run = 0
    for q in quiet[loud[0] : loud[-1]]:
        run = run + 1 if q else 0
        best = max(best, run)
    return best / 100


def test_ssml_breaks_are_silences_of_the_asked_length(ray_cluster: dict[str, Any], tmp_path: Path) -> None:
    items = [
        {"index": 1, "id": "short", "textType": "ssml", "texts": {"en": ssml("500ms")}},
        {"index": 2, "id": "long", "textType": "ssml", "texts": {"en": ssml("1.5s")}},
    ]
    spec = {
        "input": {"items": items},
        "variants": {"avatars": ["female_en-US"]},
        "output": {"fileNameTemplate": "{id}.{ext}", "captions": ["srt"]},
        "concurrency": 1,
    }
    out = tmp_path / "out"
    assert run_batch(batch_args(write_doc(tmp_path / "batch.yaml", spec), out, progress="none")) == EXIT_OK
    gaps = {}
    for name in ("short", "long"):
        pcm, rate = decode_mp3((out / f"{name}.mp3").read_bytes())
        gaps[name] = longest_silence_s(pcm, rate)
        cues = list(srt.parse((out / f"{name}.srt").read_text(encoding="utf-8")))
        said = " ".join(c.content for c in cues)
        assert "Welcome" in said, said
        assert "<" not in said, said
        assert "break" not in said, said
    # the asked 0.5 s, plus what quiet the voice leaves at the ends of its sentences
    assert 0.45 <= gaps["short"] <= 0.8, gaps
    assert gaps["long"] - gaps["short"] == pytest.approx(1.0, abs=0.12), gaps
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["id"] for r in rows} == {"short", "long"}
