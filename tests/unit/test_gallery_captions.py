"""The gallery's caption files: which manifest row lists a caption file (pure, per caller), and reading
one from a run directory (a listed file served, anything else refused; nothing outside the run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.gallery import GalleryError
from voxray_runtime.batch.gallery_captions import caption_file, caption_owner, is_caption_name

ROWS: dict[str, dict[str, Any]] = {
    "post_01_female_en-US.mp3": {
        "name": "post_01_female_en-US.mp3",
        "model": "kokoro",
        "captions": {"srt": "post_01_female_en-US.srt", "vtt": "post_01_female_en-US.vtt"},
    },
    "post_01_male_ar-EG.mp3": {"name": "post_01_male_ar-EG.mp3", "model": "espeak"},
    "odd.mp3": {"name": "odd.mp3", "model": "espeak", "captions": ["odd.srt"]},
}


@pytest.mark.parametrize(
    ("name", "allowed", "owner"),
    [
        ("post_01_female_en-US.srt", None, "post_01_female_en-US.mp3"),
        ("post_01_female_en-US.vtt", frozenset({"kokoro"}), "post_01_female_en-US.mp3"),
        ("post_01_female_en-US.vtt", frozenset({"espeak"}), None),  # another model's row
        ("post_01_male_ar-EG.srt", None, None),  # written without captions
        ("odd.srt", None, None),  # a malformed captions field lists nothing
        ("post_01_female_en-US.mp3", None, None),
    ],
)
def test_caption_owner(name: str, allowed: frozenset[str] | None, owner: str | None) -> None:
    found = caption_owner(ROWS, name, allowed)
    assert (found["name"] if found else None) == owner


@pytest.mark.parametrize(
    ("name", "caption"),
    [("a.srt", True), ("dir/a.VTT", True), ("a.mp3", False), ("a.srt.txt", False), ("srt", False)],
)
def test_is_caption_name(name: str, caption: bool) -> None:
    assert is_caption_name(name) is caption


@pytest.fixture
def out(tmp_path: Path) -> Path:
    run = tmp_path / "demo"
    run.mkdir()
    (run / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS.values()))
    (run / "post_01_female_en-US.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n")
    (run / "post_01_male_ar-EG.vtt").write_text("WEBVTT\n")  # on disk, but no row lists it
    return tmp_path


def test_a_listed_caption_file_is_served(out: Path) -> None:
    path, kind = caption_file(out, "demo", "post_01_female_en-US.vtt", None)
    assert isinstance(path, Path)
    assert path.read_text().startswith("WEBVTT")
    assert kind == "text/vtt; charset=utf-8"


@pytest.mark.parametrize(
    ("name", "allowed", "status"),
    [
        ("post_01_male_ar-EG.vtt", None, 404),  # not listed by the manifest
        ("post_01_female_en-US.srt", None, 404),  # listed, but not in the directory
        ("post_01_female_en-US.vtt", frozenset({"espeak"}), 404),  # another model's file
        ("../demo/post_01_female_en-US.vtt", None, 400),
        ("manifest.jsonl", None, 400),
    ],
)
def test_other_caption_files_are_refused(
    out: Path, name: str, allowed: frozenset[str] | None, status: int
) -> None:
    with pytest.raises(GalleryError) as exc:
        caption_file(out, "demo", name, allowed)
    assert exc.value.status == status
