"""Every kind of bad input gets a 4xx problem+json with a clear message; the server stays healthy."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.ray

PROBLEM = "application/problem+json"

CASES: list[tuple[str, str, Any, int, str, str]] = [
    # (id, route, body, status, field, words in the detail)
    (
        "empty-input",
        "/v1/audio/speech",
        {"model": "tts-1", "input": "", "voice": "alloy"},
        400,
        "input",
        "empty",
    ),
    (
        "blank-input",
        "/v1/audio/speech",
        {"model": "tts-1", "input": "   \n ", "voice": "alloy"},
        400,
        "input",
        "empty",
    ),
    (
        "oversized",
        "/v1/audio/speech",
        {"model": "tts-1", "input": "a" * 5001, "voice": "alloy"},
        413,
        "input",
        "limit",
    ),
    (
        "unknown-voice",
        "/v1/audio/speech",
        {"model": "tts-1", "input": "Hi.", "voice": "darth"},
        400,
        "voice",
        "unknown",
    ),
    (
        "unknown-model",
        "/v1/audio/speech",
        {"model": "tts-9", "input": "Hi.", "voice": "alloy"},
        400,
        "model",
        "unknown model",
    ),
    (
        "speed-too-high",
        "/v1/audio/speech",
        {"model": "tts-1", "input": "Hi.", "voice": "alloy", "speed": 9},
        422,
        "speed",
        "less than or equal",
    ),
    (
        "speed-wrong-type",
        "/v1/audio/speech",
        {"model": "tts-1", "input": "Hi.", "voice": "alloy", "speed": "fast"},
        422,
        "speed",
        "number",
    ),
    (
        "input-wrong-type",
        "/v1/audio/speech",
        {"model": "tts-1", "input": 42, "voice": "alloy"},
        422,
        "input",
        "string",
    ),
    ("missing-voice", "/v1/audio/speech", {"model": "tts-1", "input": "Hi."}, 422, "voice", "required"),
    (
        "aac",
        "/v1/audio/speech",
        {"model": "tts-1", "input": "Hi.", "voice": "alloy", "response_format": "aac"},
        400,
        "response_format",
        "aac",
    ),
    (
        "bad-format",
        "/v1/audio/speech",
        {"model": "tts-1", "input": "Hi.", "voice": "alloy", "response_format": "mp4"},
        422,
        "response_format",
        "mp3",
    ),
    ("only-emoji", "/v1/speech", {"text": "🌴🌊✨", "language": "en"}, 400, "text", "nothing speakable"),
    (
        "unknown-language",
        "/v1/speech",
        {"text": "Bonjour.", "language": "fr"},
        400,
        "language",
        "unsupported language",
    ),
    (
        "unknown-dialect",
        "/v1/speech",
        {"text": "G'day.", "language": "en", "dialect": "en-NZ"},
        400,
        "dialect",
        "en-NZ",
    ),
    (
        "dialect-mismatch",
        "/v1/speech",
        {"text": "Hola.", "language": "es", "dialect": "ar-EG"},
        400,
        "dialect",
        "not a dialect",
    ),
    (
        "bad-gender",
        "/v1/speech",
        {"text": "Hi.", "language": "en", "gender": "robot"},
        422,
        "gender",
        "female",
    ),
    (
        "avatar-gender-conflict",
        "/v1/speech",
        {"text": "Hi.", "avatar": "female_es", "gender": "male"},
        400,
        "gender",
        "female",
    ),
    ("no-language", "/v1/speech", {"text": "Hi."}, 400, "language", "give a language"),
    (
        "extra-field",
        "/v1/speech",
        {"text": "Hi.", "language": "en", "volume": 11},
        422,
        "volume",
        "not permitted",
    ),
    (
        "bad-bitrate",
        "/v1/speech",
        {"text": "Hi.", "language": "en", "bitrate_kbps": 100},
        400,
        "bitrate_kbps",
        "not an MP3 bitrate",
    ),
    (
        "bad-store-name",
        "/v1/speech",
        {"text": "Hi.", "language": "en", "store": True, "name": "../../etc/x"},
        422,
        "name",
        "pattern",
    ),
    (
        "stream-wav",
        "/v1/speech",
        {"text": "Hi.", "language": "en", "stream": True, "format": "wav"},
        400,
        "format",
        "streaming supports",
    ),
    ("text-null", "/v1/speech", {"text": None, "language": "en"}, 422, "text", "string"),
]


@pytest.mark.parametrize(
    ("route", "body", "status", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_json_input(serve_url: str, route: str, body: Any, status: int, field: str, words: str) -> None:
    r = httpx.post(f"{serve_url}{route}", json=body, timeout=30)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["status"] == status
    assert problem["type"].startswith("https://voxray.io/problems/")
    assert words.lower() in problem["detail"].lower(), problem["detail"]
    assert any(e["field"].split(".")[-1] == field for e in problem["errors"]), problem["errors"]


@pytest.mark.parametrize(
    ("content", "ctype"),
    [
        (b"\x00\xff\xfe garbage \x89PNG", "application/json"),
        (b'{"model": "tts-1", "input": "unterminated', "application/json"),
        (bytes(range(256)) * 4, "application/octet-stream"),
    ],
    ids=["binary", "truncated-json", "octet-stream"],
)
def test_garbage_bytes(serve_url: str, content: bytes, ctype: str) -> None:
    r = httpx.post(
        f"{serve_url}/v1/audio/speech", content=content, headers={"content-type": ctype}, timeout=30
    )
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["detail"]


def test_unknown_route_is_problem_json(serve_url: str) -> None:
    r = httpx.get(f"{serve_url}/v1/nothing-here", timeout=10)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith(PROBLEM)


def test_server_healthy_after_bad_input(serve_url: str) -> None:
    for body in ({"input": 1}, {"text": "x" * 20000}, "not json at all"):
        httpx.post(f"{serve_url}/v1/audio/speech", json=body, timeout=30)
    assert httpx.get(f"{serve_url}/readyz", timeout=30).status_code == 200
    r = httpx.post(
        f"{serve_url}/v1/audio/speech",
        json={"model": "tts-1", "input": "Still here.", "voice": "echo"},
        timeout=120,
    )
    assert r.status_code == 200
    assert r.content[:3] == b"ID3" or r.content[0] == 0xFF
