"""Publish-ready speech over real HTTP: /v1/speech/captioned, captions stored beside audio, loudness per
request (on by default, a target, or off), and the refusals."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import httpx
import pytest
import srt
import webvtt

from voxray_runtime.audio.analysis import decode_mp3
from voxray_runtime.audio.loudness import integrated_loudness

pytestmark = pytest.mark.ray

TEXT = "Dinner at 7:30 pm costs $45. Book your table today!"


def test_captioned_speech_answers_audio_words_and_captions(serve_url: str) -> None:
    r = httpx.post(
        f"{serve_url}/v1/speech/captioned", json={"text": TEXT, "avatar": "female_en-US"}, timeout=180
    )
    assert r.status_code == 200, r.text
    body = r.json()
    pcm, rate = decode_mp3(base64.b64decode(body["audio"]))
    assert body["format"] == "mp3"
    assert body["timing"] == "model"
    # the words are the text as written, timed in order, inside the audio
    assert " ".join(w["text"] for w in body["words"]) == TEXT
    starts = [w["start"] for w in body["words"]]
    assert starts == sorted(starts)
    assert body["words"][-1]["end"] <= len(pcm) / rate + 0.1
    cues = list(srt.parse(body["srt"]))
    assert "7:30 pm" in " ".join(c.content for c in cues)
    assert len(webvtt.from_buffer(io.StringIO(body["vtt"]))) == len(cues)
    # delivered at -16 LUFS under -1 dBTP (measured on the decoded MP3 too)
    assert abs(body["loudness"]["integrated_lufs"] + 16.0) <= 0.5
    assert body["loudness"]["true_peak_dbtp"] <= -1.0
    assert abs(integrated_loudness(pcm, rate) + 16.0) <= 1.0


def test_arabic_captions_are_marked_right_to_left(serve_url: str) -> None:
    text = "يفتح المطعم في الساعة 7 مساءً مع WiFi مجاني."
    r = httpx.post(
        f"{serve_url}/v1/speech/captioned", json={"text": text, "avatar": "female_ar-EG"}, timeout=180
    )
    assert r.status_code == 200, r.text
    body = r.json()
    # Kokoro speaks Arabic since main's brand merge (timed by the model); espeak-ng's words are aligned
    assert body["timing"] in ("model", "aligned")
    assert "\u200f" in body["srt"]
    assert "\u2066WiFi\u2069" in body["vtt"]


def test_stored_speech_writes_captions_beside_the_audio(serve_url: str, output_dir: Path) -> None:
    r = httpx.post(
        f"{serve_url}/v1/speech",
        json={
            "text": TEXT,
            "avatar": "male_en-GB",
            "store": True,
            "name": "post_01_male_en-GB",
            "captions": ["srt", "vtt"],
        },
        timeout=180,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    audio = Path(body["path"])
    assert audio.name == "post_01_male_en-GB.mp3"
    assert set(body["captions"]) == {"srt", "vtt"}
    for fmt, path in body["captions"].items():
        assert Path(path) == audio.with_suffix(f".{fmt}")
        assert Path(path).read_text(encoding="utf-8").strip()
    assert abs(body["loudness"]["integrated_lufs"] + 16.0) <= 0.5


@pytest.mark.parametrize(
    ("options", "target"), [({"loudness_lufs": -23.0}, -23.0), ({"loudness": "off"}, None)]
)
def test_loudness_per_request(serve_url: str, options: dict[str, object], target: float | None) -> None:
    r = httpx.post(
        f"{serve_url}/v1/speech", json={"text": TEXT, "avatar": "male_en-US", **options}, timeout=180
    )
    assert r.status_code == 200, r.text
    pcm, rate = decode_mp3(r.content)
    lufs = integrated_loudness(pcm, rate)
    if target is None:
        assert abs(lufs + 16.0) > 1.0  # the engine's own level (Kokoro's am_michael is about -25 LUFS)
    else:
        assert abs(lufs - target) <= 1.0


@pytest.mark.parametrize(
    ("route", "body", "status", "field"),
    [
        ("/v1/speech", {"captions": ["srt"]}, 400, "captions"),
        ("/v1/speech", {"captions": ["srt"], "stream": True}, 400, "captions"),
        ("/v1/speech", {"loudness_lufs": -50}, 422, "loudness_lufs"),
        ("/v1/speech/captioned", {"stream": True}, 400, "stream"),
        ("/v1/speech", {"captions": ["ttml"]}, 422, "captions"),
    ],
)
def test_refusals_name_the_field(
    serve_url: str, route: str, body: dict[str, object], status: int, field: str
) -> None:
    r = httpx.post(f"{serve_url}{route}", json={"text": TEXT, "avatar": "female_en-US", **body}, timeout=60)
    assert r.status_code == status, r.text
    assert field in r.text


def test_streams_and_openai_speech_are_normalised_too(serve_url: str) -> None:
    # a stream: one gain per voice (learnt from its files, else from the first sentence), held
    r = httpx.post(
        f"{serve_url}/v1/speech", json={"text": TEXT, "avatar": "female_en-GB", "stream": True}, timeout=180
    )
    assert r.status_code == 200, r.text
    pcm, rate = decode_mp3(r.content)
    assert abs(integrated_loudness(pcm, rate) + 16.0) <= 2.0
    r = httpx.post(
        f"{serve_url}/v1/audio/speech", json={"model": "tts-1", "input": TEXT, "voice": "onyx"}, timeout=180
    )
    assert r.status_code == 200, r.text
    pcm, rate = decode_mp3(r.content)
    assert abs(integrated_loudness(pcm, rate) + 16.0) <= 1.0
