"""POST /v1/audio/transcriptions through the official openai client, on speech the app itself made:
every response_format, word and segment timestamps, and hostile uploads."""

from __future__ import annotations

import io

import httpx
import numpy as np
import openai
import pytest
import soundfile
import srt
import webvtt

pytestmark = pytest.mark.ray

TEXT = "Welcome to the Grand Azure Resort. Breakfast is served in the garden."


@pytest.fixture(scope="module")
def speech(serve_url: str) -> bytes:
    r = httpx.post(f"{serve_url}/v1/speech", json={"text": TEXT, "avatar": "female_en-GB"}, timeout=180)
    assert r.status_code == 200, r.text
    return r.content


@pytest.fixture(scope="module")
def client(serve_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{serve_url}/v1", api_key="unused", max_retries=0, timeout=180)


def test_json_and_text(client: openai.OpenAI, speech: bytes) -> None:
    t = client.audio.transcriptions.create(model="whisper-1", file=("post.mp3", speech), language="en")
    assert "breakfast" in t.text.lower()
    assert "garden" in t.text.lower()
    text = client.audio.transcriptions.create(
        model="whisper-base", file=("post.mp3", speech), response_format="text"
    )
    assert "breakfast" in str(text).lower()


def test_verbose_json_with_words_and_segments(client: openai.OpenAI, speech: bytes) -> None:
    t = client.audio.transcriptions.create(
        model="whisper-1",
        file=("post.mp3", speech),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        prompt="Hotel announcements.",
        temperature=0.0,
    )
    assert t.language == "english"
    assert t.duration > 2.0
    assert t.words
    assert t.segments
    starts = [w.start for w in t.words]
    assert starts == sorted(starts)
    assert t.words[-1].end <= t.duration + 0.5


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_caption_formats(client: openai.OpenAI, speech: bytes, fmt: str) -> None:
    body = str(
        client.audio.transcriptions.create(model="whisper-1", file=("post.mp3", speech), response_format=fmt)
    )
    cues = list(srt.parse(body)) if fmt == "srt" else list(webvtt.from_buffer(io.StringIO(body)))
    assert cues
    assert "breakfast" in body.lower()


def wav(seconds: float, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    soundfile.write(buf, np.zeros(int(seconds * rate), np.float32), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("file", "status", "field"),
    [
        (("notes.txt", b"this is not audio, it is a text file " * 40), 400, "file"),
        (("empty.wav", b""), 400, "file"),
        (("long.wav", wav(601.0)), 400, "file"),
    ],
)
def test_hostile_uploads(client: openai.OpenAI, file: tuple[str, bytes], status: int, field: str) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        client.audio.transcriptions.create(model="whisper-1", file=file)
    assert caught.value.status_code == status
    assert field in caught.value.response.text


def test_too_large_and_bad_options(serve_url: str, speech: bytes) -> None:
    url = f"{serve_url}/v1/audio/transcriptions"
    r = httpx.post(
        url, files={"file": ("big.wav", b"\0" * (26 * 1024 * 1024))}, data={"model": "whisper-1"}, timeout=120
    )
    assert r.status_code == 413
    for data, field in [
        ({"model": "whisper-9"}, "model"),
        ({"model": "whisper-1", "response_format": "xml"}, "response_format"),
        ({"model": "whisper-1", "language": "zz"}, "language"),
        ({"model": "whisper-1", "temperature": "3"}, "temperature"),
    ]:
        r = httpx.post(url, files={"file": ("a.mp3", speech)}, data=data, timeout=120)
        assert r.status_code in (400, 404), r.text
        assert field in r.text
