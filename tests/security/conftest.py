"""Helpers of the security tests (the secure app itself is the session fixture ``secure_app``)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
import pytest

from tests.conftest import SecureApp

PROBLEM = "application/problem+json"


def key_headers(app: SecureApp, key_id: str = "writer", **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.keys[key_id]}", **extra}


def make_token(app: SecureApp, signing_key: Any = None, kid: str | None = None, **claims: Any) -> str:
    """A real RS256 JWT signed with the app's issuer key (or another one), with sensible claims."""
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": app.issuer,
        "aud": app.audience,
        "sub": "user-42",
        "iat": now,
        "exp": now + 600,
    }
    for name, value in claims.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return jwt.encode(
        body, signing_key or app.signing_key, algorithm="RS256", headers={"kid": kid or app.kid}
    )


def read_audit(app: SecureApp) -> list[dict[str, Any]]:
    if not app.audit_log.exists():
        return []
    return [json.loads(line) for line in app.audit_log.read_text().splitlines() if line.strip()]


def audit_for(app: SecureApp, request_id: str, timeout_s: float = 10.0) -> dict[str, Any]:
    """The audit event of one request (it is written when the response has been sent)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [e for e in read_audit(app) if e.get("request_id") == request_id]
        if found:
            assert len(found) == 1, found
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no audit event for request {request_id}")


def new_request_id() -> str:
    return f"test-{uuid.uuid4().hex}"


def assert_problem(r: Any, status: int, *words: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    # OpenAI's error object too: its code is the problem type's slug, as a string
    assert body["error"]["code"] == body["type"].rsplit("/", 1)[-1].replace("-", "_")
    for w in words:
        assert w.lower() in body["detail"].lower(), body["detail"]
    return body


@pytest.fixture
def app(secure_app: SecureApp) -> SecureApp:
    return secure_app
