"""Audit events for every speech request (ok, stored, denied, rate-limited, invalid) on their own stream,
and structured JSON logs; the text itself appears in neither."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import SecureApp
from tests.security.conftest import audit_for, key_headers, new_request_id

pytestmark = pytest.mark.ray


def _secret_text() -> str:
    return f"Guest Marguerite Okonkwo-{uuid.uuid4().hex[:10]} arrives in suite nine."


def _hmac(app: SecureApp, text: str) -> str:
    key = (app.audit_log.parent.parent / "audit-hmac-key").read_bytes().strip()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def test_synthesis_is_audited_with_who_what_and_a_keyed_hash(app: SecureApp) -> None:
    text, rid = _secret_text(), new_request_id()
    r = httpx.post(
        f"{app.url}/v1/audio/speech",
        json={"input": text, "voice": "female_en-GB"},
        headers=key_headers(app, **{"X-Request-ID": rid}),
        timeout=60,
    )
    assert r.status_code == 200, r.text
    e = audit_for(app, rid)
    assert e["type"] == "audit"
    assert e["schema"] == 1
    assert (e["action"], e["outcome"], e["actor"], e["status"]) == ("synthesize", "ok", "writer", 200)
    assert (e["model"], e["voice"], e["language"]) == ("speak", "female_en-GB", "en")
    assert e["chars"] == len(text)
    assert e["text_hmac"] == _hmac(app, text)
    assert e["bytes"] == len(r.content)
    assert e["duration_ms"] > 0
    assert e["ts"].endswith("Z")
    assert oct(app.audit_log.stat().st_mode & 0o777) == "0o600"


def test_store_is_audited_with_the_output_path(app: SecureApp) -> None:
    text, rid = _secret_text(), new_request_id()
    r = httpx.post(
        f"{app.url}/v1/speech",
        json={"text": text, "avatar": "male_es", "store": True},
        headers=key_headers(app, **{"X-Request-ID": rid}),
        timeout=60,
    )
    assert r.status_code == 200, r.text
    e = audit_for(app, rid)
    assert (e["action"], e["outcome"]) == ("store", "ok")
    assert e["output_path"] == r.json()["path"]
    assert e["bytes"] == r.json()["bytes"] == Path(e["output_path"]).stat().st_size


@pytest.mark.parametrize(
    ("case", "action", "outcome", "status"),
    [
        ("no-key", "auth.denied", "denied", 401),
        ("wrong-model", "synthesize", "denied", 403),
        ("no-store-scope", "store", "denied", 403),
        ("too-long", "synthesize", "error", 413),
        ("unknown-voice", "synthesize", "error", 400),
    ],
)
def test_refusals_are_audited(app: SecureApp, case: str, action: str, outcome: str, status: int) -> None:
    rid = new_request_id()
    text = _secret_text()
    route, body, key = {
        "no-key": ("/v1/audio/speech", {"input": text, "voice": "alloy"}, None),
        "wrong-model": ("/v1/audio/speech", {"input": text, "voice": "alloy", "model": "speak"}, "alice"),
        "no-store-scope": ("/v1/speech", {"text": text, "language": "en", "store": True}, "alice"),
        "too-long": ("/v1/audio/speech", {"input": text * 5, "voice": "alloy"}, "writer"),
        "unknown-voice": ("/v1/audio/speech", {"input": text, "voice": "darth"}, "writer"),
    }[case]
    headers = {"X-Request-ID": rid} | (key_headers(app, key) if key else {})
    r = httpx.post(f"{app.url}{route}", json=body, headers=headers, timeout=30)
    assert r.status_code == status, r.text
    e = audit_for(app, rid)
    assert (e["action"], e["outcome"], e["status"]) == (action, outcome, status)
    assert e["actor"] == (key or "unauthenticated")


def test_rate_limited_requests_are_audited(app: SecureApp) -> None:
    headers = key_headers(app, "throttled")
    rid = new_request_id()
    with httpx.Client(timeout=30) as client:
        deadline = time.monotonic() + 30
        while True:
            r = client.post(
                f"{app.url}/v1/audio/speech",
                json={"input": "", "voice": "alloy"},  # refused before any synthesis
                headers=headers | {"X-Request-ID": rid},
            )
            if r.status_code == 429:
                break
            assert time.monotonic() < deadline
            rid = new_request_id()
    e = audit_for(app, rid)
    assert (e["outcome"], e["actor"], e["status"]) == ("rate_limited", "throttled", 429)


def test_the_text_never_reaches_logs_or_audit(app: SecureApp) -> None:
    """Speak a unique text through every path, then search every file Ray and the app wrote."""
    text = _secret_text()
    marker = text.split("-")[1].split()[0]  # the unique part
    rid = new_request_id()
    with httpx.Client(timeout=60) as client:
        ok = client.post(
            f"{app.url}/v1/audio/speech",
            json={"input": text, "voice": "alloy"},
            headers=key_headers(app, **{"X-Request-ID": rid}),
        )
        assert ok.status_code == 200
        client.post(
            f"{app.url}/v1/speech",
            json={"text": text, "language": "en", "stream": True},
            headers=key_headers(app),
        )
        client.post(
            f"{app.url}/v1/speech",
            json={"text": text, "language": "en", "store": True},
            headers=key_headers(app),
        )
        client.post(f"{app.url}/v1/speech", json={"text": text, "language": "xx"}, headers=key_headers(app))
        client.post(f"{app.url}/v1/audio/speech", json={"input": text, "voice": "alloy"})
    audit_for(app, rid)
    time.sleep(1.0)  # let Ray flush worker logs to its files
    # the app's JSON access log line for the request: structured, with the caller and a hash, no text
    lines = []
    logs = sorted(p for p in app.ray_logs.rglob("*") if p.is_file() and "logs" in p.parts)
    assert logs, app.ray_logs
    for path in [*logs, app.audit_log]:
        try:
            content = path.read_text(errors="replace")
        except OSError:
            continue
        assert marker not in content, f"the text leaked into {path}"
        lines += [line for line in content.splitlines() if rid in line and line.startswith("{")]
    access = [json.loads(line) for line in lines if '"logger": "voxray.access"' in line]
    assert access, "no JSON access log line for the request"
    entry = access[0]
    assert {"ts", "level", "logger", "message", "request_id", "caller"} <= set(entry)
    assert (entry["caller"], entry["status"], entry["chars"]) == ("writer", 200, len(text))
    assert entry["text_hmac"] == _hmac(app, text)
