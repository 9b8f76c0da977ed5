"""/v1/audio/transcriptions against OpenAI's own API description (tests/openai_conformance): multipart
requests generated from CreateTranscriptionRequest, carrying a short clip the bundled espeak voice spoke
(WAV and MP3); json and verbose_json answers validated against OpenAI's response schemas, text, srt and
vtt read as text, refusals OpenAI's ErrorResponse naming the member."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.openai_conformance import oas

pytestmark = pytest.mark.ray

PATH = "/audio/transcriptions"
MEDIA = "multipart/form-data"
SENTENCE = "Breakfast is served in the garden."
BASE: dict[str, Any] = {"model": "whisper-1", "file": "wav", "language": "en"}
#: the members Whisper here honours: a request that sets any other one must be refused, never answered
#: as if the member had been heard
HONOURED = {
    "file",
    "model",
    "language",
    "prompt",
    "response_format",
    "temperature",
    "timestamp_granularities",
}
EXTRA = [
    oas.Case("verbose_json with words", BASE | {"response_format": "verbose_json",
             "timestamp_granularities": ["word"]}, "timestamp_granularities", must_accept=True),
    oas.Case("verbose_json with words and segments", BASE | {"response_format": "verbose_json",
             "timestamp_granularities": ["word", "segment"]}, "timestamp_granularities", must_accept=True),
    oas.Case("mp3 as verbose_json", BASE | {"file": "mp3", "response_format": "verbose_json"}, "file",
             must_accept=True),
    oas.Case("mp3 as srt", BASE | {"file": "mp3", "response_format": "srt"}, "file", must_accept=True),
    oas.Case("mp3 as vtt", BASE | {"file": "mp3", "response_format": "vtt"}, "file", must_accept=True),
    oas.Case("word granularity with json", BASE | {"timestamp_granularities": ["word"]},
             "timestamp_granularities"),
]  # fmt: skip
#: which response schema a JSON answer must meet, by response_format
JSON_SCHEMAS = {
    "json": "CreateTranscriptionResponseJson",
    "verbose_json": "CreateTranscriptionResponseVerboseJson",
}


def _fields(body: dict[str, Any]) -> dict[str, list[str]]:
    """The form fields the ``openai`` client sends for ``body``: arrays as ``name[]`` repeated, objects as
    ``name[key]``, booleans as ``true`` / ``false``, null left out."""
    out: list[tuple[str, str]] = []

    def add(name: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            out.append((name, "true" if value else "false"))
        elif isinstance(value, list):
            for v in value:
                add(f"{name}[]", v)
        elif isinstance(value, dict):
            for k, v in value.items():
                add(f"{name}[{k}]", v)
        else:
            out.append((name, str(value)))

    for name, value in body.items():
        if name != "file":
            add(name, value)
    fields: dict[str, list[str]] = {}
    for name, value in out:
        fields.setdefault(name, []).append(value)
    return fields


def _judge_ok(case: oas.Case, r: httpx.Response) -> str | None:
    fmt = case.body.get("response_format", "json")
    kind = r.headers.get("content-type", "")
    if fmt in JSON_SCHEMAS:
        if not kind.startswith("application/json"):
            return f"{fmt} answered as {kind}"
        return oas.problems(JSON_SCHEMAS[fmt], r.json())
    text = r.text
    if "breakfast" not in text.lower():
        return f"{fmt}: the words are not in the answer: {text[:200]!r}"
    if fmt == "srt" and "-->" not in text:
        return f"srt without a cue: {text[:200]!r}"
    if fmt == "vtt" and not text.startswith("WEBVTT"):
        return f"vtt without its header: {text[:200]!r}"
    if fmt == "text" and not kind.startswith("text/plain"):
        return f"text answered as {kind}"
    return None


def test_transcriptions_conform_to_openais_document(serve_url: str) -> None:
    clips: dict[str, bytes] = {}
    for fmt in ("wav", "mp3"):
        r = httpx.post(
            f"{serve_url}/v1/speech",
            json={"text": SENTENCE, "avatar": "male_en-US", "model": "espeak", "format": fmt},
            timeout=120,
        )
        assert r.status_code == 200, r.text
        clips[fmt] = r.content
    items = oas.cases(PATH, BASE, more={"response_format": 6}, media=MEDIA)
    # the file member: the generated value is a string; the clip is sent in its place, both containers
    items = [c for c in items if c.member != "file"] + [
        oas.Case("file=mp3", BASE | {"file": "mp3"}, "file", must_accept=True),
        *EXTRA,
    ]

    def send(case: oas.Case) -> tuple[str | None, bool]:
        fmt = case.body.get("file", "wav")
        files = {"file": (f"clip.{fmt}", clips[fmt], f"audio/{'mpeg' if fmt == 'mp3' else 'wav'}")}
        r = client.post(f"/v1{PATH}", files=files, data=_fields(case.body))
        if r.status_code >= 400:
            body = r.json() if r.headers.get("content-type", "").endswith("json") else r.text
            return oas.judge_refusal(case, r.status_code, body), True
        if case.member not in HONOURED and not case.must_accept:
            return f"{r.status_code}: {case.member} was neither honoured nor refused", False
        return _judge_ok(case, r), False

    with httpx.Client(base_url=serve_url, timeout=120) as client:
        tally = oas.run_all(items, send, workers=2)
    print(tally.line(PATH))
    print(json.dumps([c.name for c in items]))
    assert tally.generated >= 30
    assert not tally.failures, "\n".join([tally.line(PATH), *tally.failures])
