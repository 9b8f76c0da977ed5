"""/v1/audio/speech against OpenAI's own API description (tests/openai_conformance): requests generated
from CreateSpeechRequest, sent to the bundled voices; audio answers must be audio, ``stream_format: sse``
answers OpenAI's speech events (each validated), refusals OpenAI's ErrorResponse naming the member."""

from __future__ import annotations

import httpx
import pytest

from tests.openai_conformance import oas

pytestmark = pytest.mark.ray

BASE = {"model": "tts-1", "input": "Hello there.", "voice": "alloy"}
EVENTS = oas.response_schema("/audio/speech", "post", "text/event-stream")
EXTRA = [
    oas.Case("sse as pcm", BASE | {"stream_format": "sse", "response_format": "pcm"}, must_accept=True),
    oas.Case(
        "sse as wav (sent whole)", BASE | {"stream_format": "sse", "response_format": "wav"}, must_accept=True
    ),
    oas.Case(
        "audio stream as flac", BASE | {"stream_format": "audio", "response_format": "flac"}, must_accept=True
    ),
    oas.Case("empty instructions", BASE | {"instructions": ""}, must_accept=True),
    oas.Case("an avatar as a voice object", BASE | {"voice": {"id": "female_en-GB"}}, must_accept=True),
    oas.Case("gpt-4o-mini-tts", BASE | {"model": "gpt-4o-mini-tts"}, must_accept=True),
]


def _send(client: httpx.Client, case: oas.Case) -> tuple[str | None, bool]:
    r = client.post("/v1/audio/speech", json=case.body)
    if r.status_code >= 400:
        body = r.json() if r.headers.get("content-type", "").endswith("json") else r.text
        return oas.judge_refusal(case, r.status_code, body), True
    kind = r.headers.get("content-type", "")
    if kind.startswith("text/event-stream"):
        return oas.judge_speech_events(r.content, EVENTS), False
    if not (kind.startswith("audio/") or kind.startswith("application/octet-stream")) or not r.content:
        return f"{r.status_code} {kind}: {len(r.content)} bytes, not audio", False
    return None, False


def test_speech_conforms_to_openais_document(serve_url: str) -> None:
    items = oas.cases("/audio/speech", BASE, more={"response_format": 6}) + EXTRA
    with httpx.Client(base_url=serve_url, timeout=120) as client:
        tally = oas.run_all(items, lambda c: _send(client, c), workers=2)
    print(tally.line("/audio/speech"))
    assert not tally.failures, "\n".join([tally.line("/audio/speech"), *tally.failures])


def test_speech_models_say_whether_they_follow_instructions(serve_url: str) -> None:
    listing = httpx.get(f"{serve_url}/v1/models", timeout=30).json()
    assert oas.problems(oas.response_schema("/models", "get", "application/json"), listing) is None
    for m in listing["data"]:
        one = httpx.get(f"{serve_url}/v1/models/{m['id']}", timeout=30).json()
        assert oas.problems("Model", one) is None
        assert one["instructions"] is False, one
        assert "follows no free-text instructions" in one["instructions_note"], one
    r = httpx.post(f"{serve_url}/v1/audio/speech", json=BASE | {"instructions": "Speak softly."}, timeout=30)
    assert r.status_code == 400
    err = r.json()["error"]
    assert (err["param"], err["code"], err["type"]) == (
        "instructions",
        "unsupported_parameter",
        "invalid_request_error",
    )
    assert "follows no free-text instructions" in err["message"]
