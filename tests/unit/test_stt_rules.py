"""Transcription without a model: upload decoding and its limits (PyAV on in-memory bytes), option
checks, and the OpenAI response formats of a transcript (SRT/VTT read back by independent parsers)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
import srt
import webvtt

from voxray_runtime.audio import encode
from voxray_runtime.engines.stt import (
    AudioLimits,
    AudioTooLargeError,
    AudioTooLongError,
    BadOptionError,
    EmptyAudioError,
    NotAudioError,
    Segment,
    Transcript,
    Word,
    decode,
    render,
)
from voxray_runtime.engines.stt.whisper import check_options


def tone(seconds: float, rate: int = 24_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def wav(pcm: np.ndarray, rate: int = 24_000) -> bytes:
    buf = io.BytesIO()
    soundfile.write(buf, pcm, rate, format="WAV")
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac"])
def test_decodes_to_16k_mono(fmt: str) -> None:
    data = wav(tone(1.5)) if fmt == "wav" else encode(tone(1.5), 24_000, fmt)
    pcm = decode(data)
    assert pcm.dtype == np.float32
    assert abs(pcm.size / 16_000 - 1.5) < 0.1


@pytest.mark.parametrize(
    ("data", "limits", "error", "says"),
    [
        (b"", AudioLimits(), EmptyAudioError, "empty"),
        (b"this is not audio at all, just text" * 20, AudioLimits(), NotAudioError, "not audio"),
        (b"\x89PNG\r\n\x1a\n" + bytes(2000), AudioLimits(), NotAudioError, "not audio"),
        (wav(tone(0.5)), AudioLimits(max_bytes=1000), AudioTooLargeError, "limit is"),
        (wav(tone(3.0)), AudioLimits(max_seconds=1.0), AudioTooLongError, "longer than"),
        (wav(np.zeros(0, np.float32)), AudioLimits(), EmptyAudioError, "no audio"),
    ],
)
def test_hostile_uploads_get_typed_errors_naming_the_field(
    data: bytes, limits: AudioLimits, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says) as caught:
        decode(data, limits)
    assert caught.value.field == "file"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("language", "prompt", "temperature", "field"),
    [
        ("xx", None, 0.0, "language"),
        ("en", None, 1.5, "temperature"),
        ("en", None, -0.1, "temperature"),
        ("en", "x" * 2000, 0.0, "prompt"),
    ],
)
def test_bad_options(language: str, prompt: str | None, temperature: float, field: str) -> None:
    with pytest.raises(BadOptionError) as caught:
        check_options(language, prompt, temperature)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("language", "code"), [("en", "en"), ("EN-us", "en"), ("es_MX", "es"), (None, None), ("", None)]
)
def test_language_codes(language: str | None, code: str | None) -> None:
    assert check_options(language, None, 0.0) == code


TRANSCRIPT = Transcript(
    text="Hello there. Welcome to the hotel.",
    language="en",
    duration=3.2,
    segments=[
        Segment(
            0,
            0,
            0.0,
            1.2,
            " Hello there.",
            [1, 2],
            0.0,
            -0.2,
            1.1,
            0.01,
            [Word(" Hello", 0.0, 0.5, 0.9), Word(" there.", 0.5, 1.2, 0.8)],
        ),
        Segment(
            1,
            0,
            1.5,
            3.0,
            " Welcome to the hotel.",
            [3],
            0.0,
            -0.3,
            1.0,
            0.02,
            [Word(" Welcome", 1.5, 2.0, 0.9)],
        ),
    ],
)


@pytest.mark.parametrize(
    ("fmt", "granularities", "expected"),
    [
        ("json", (), {"text": "Hello there. Welcome to the hotel."}),
        ("text", (), "Hello there. Welcome to the hotel.\n"),
    ],
)
def test_simple_formats(fmt: str, granularities: tuple[str, ...], expected: object) -> None:
    assert render(TRANSCRIPT, fmt, granularities) == expected


@pytest.mark.parametrize(
    ("granularities", "segments", "words"),
    [
        ((), True, False),
        (("word",), False, True),
        (("segment",), True, False),
        (("word", "segment"), True, True),
    ],
)
def test_verbose_json(granularities: tuple[str, ...], segments: bool, words: bool) -> None:
    body = render(TRANSCRIPT, "verbose_json", granularities)
    assert isinstance(body, dict)
    assert (body["task"], body["language"], body["duration"]) == ("transcribe", "english", 3.2)
    assert ("segments" in body) == segments
    assert ("words" in body) == words
    if words:
        assert body["words"][0] == {"word": "Hello", "start": 0.0, "end": 0.5}


def test_srt_and_vtt_have_one_cue_per_segment() -> None:
    srt_text = render(TRANSCRIPT, "srt")
    assert isinstance(srt_text, str)
    assert [c.content for c in srt.parse(srt_text)] == ["Hello there.", "Welcome to the hotel."]
    vtt_text = render(TRANSCRIPT, "vtt")
    assert isinstance(vtt_text, str)
    assert [c.text for c in webvtt.from_string(vtt_text)] == ["Hello there.", "Welcome to the hotel."]


@pytest.mark.parametrize(
    ("fmt", "granularities", "field"),
    [
        ("xml", (), "response_format"),
        ("json", ("word",), "timestamp_granularities"),
        ("verbose_json", ("char",), "timestamp_granularities"),
    ],
)
def test_bad_formats(fmt: str, granularities: tuple[str, ...], field: str) -> None:
    with pytest.raises(BadOptionError) as caught:
        render(TRANSCRIPT, fmt, granularities)
    assert caught.value.field == field


@pytest.mark.parametrize("fmt", ["json", "text", "srt", "vtt"])
def test_the_default_granularity_goes_with_any_format(fmt: str) -> None:
    # OpenAI's document gives timestamp_granularities the default ["segment"]: a client may send it
    assert render(TRANSCRIPT, fmt, ("segment",))
