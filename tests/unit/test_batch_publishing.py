"""The batch's publish-ready rules: caption names, spec -> settings, the resume rule's caption check."""

from __future__ import annotations

from pathlib import Path

import pytest

from voxray_runtime.audio.loudness import LoudnessTarget
from voxray_runtime.batch.publishing import caption_name, captions_complete, settings_of, target_field
from voxray_runtime.spec.speechbatch import BatchOutputSpec


@pytest.mark.parametrize(
    ("audio", "fmt", "name"),
    [
        ("post_01_female_en-US.mp3", "srt", "post_01_female_en-US.srt"),
        ("es/post_01_male_es.opus", "vtt", "es/post_01_male_es.vtt"),
        ("v1.2/post.final.wav", "srt", "v1.2/post.final.srt"),
    ],
)
def test_caption_name(audio: str, fmt: str, name: str) -> None:
    assert caption_name(audio, fmt) == name


@pytest.mark.parametrize(
    ("output", "formats", "target"),
    [
        ({}, (), LoudnessTarget(-16.0, -1.0)),
        ({"captions": ["vtt", "srt"]}, ("vtt", "srt"), LoudnessTarget(-16.0, -1.0)),
        ({"loudness": {"targetLufs": -23, "truePeakDbtp": -2}}, (), LoudnessTarget(-23.0, -2.0)),
        ({"loudness": {"enabled": False}}, (), None),
    ],
)
def test_settings_of(
    output: dict[str, object], formats: tuple[str, ...], target: LoudnessTarget | None
) -> None:
    assert settings_of(BatchOutputSpec.model_validate(output)) == (formats, target)


def test_loudness_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match=r"target_lufs|targetLufs"):
        BatchOutputSpec.model_validate({"loudness": {"targetLufs": -60}})


def test_target_field() -> None:
    assert target_field(None) is None
    assert target_field(LoudnessTarget(-16.0, -1.0)) == [-16.0, -1.0]


@pytest.mark.parametrize(
    ("listed", "present", "formats", "complete"),
    [
        ({"srt": "a.srt", "vtt": "a.vtt"}, ["a.srt", "a.vtt"], ("srt", "vtt"), True),
        ({"srt": "a.srt", "vtt": "a.vtt"}, ["a.srt"], ("srt", "vtt"), False),  # a caption file went missing
        ({"srt": "a.srt"}, ["a.srt"], ("srt", "vtt"), False),  # rendered before vtt was asked for
        (None, [], ("srt",), False),  # rendered without captions
        ({"srt": "../a.srt"}, [], ("srt",), False),  # a row pointing outside the output
    ],
)
def test_captions_complete(
    tmp_path: Path,
    listed: dict[str, str] | None,
    present: list[str],
    formats: tuple[str, ...],
    complete: bool,
) -> None:
    for name in present:
        (tmp_path / name).write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    entry = {"name": "a.mp3", "captions": listed}
    assert captions_complete(tmp_path, entry, formats) is complete
