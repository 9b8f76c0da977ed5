"""Every response carries the security headers and a request id; CORS answers only the configured
origin, and is off where none is configured."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import SecureApp
from tests.security.conftest import audit_for, key_headers

pytestmark = pytest.mark.ray

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


def _requests(app: SecureApp) -> list[tuple[str, str, dict[str, object]]]:
    speech = {"json": {"input": "Hello.", "voice": "alloy"}}
    return [
        ("audio", "POST /v1/audio/speech", {"headers": key_headers(app), **speech}),
        ("json", "GET /v1/voices", {"headers": key_headers(app)}),
        ("401", "POST /v1/audio/speech", speech),
        ("422", "POST /v1/audio/speech", {"headers": key_headers(app), "json": {"voice": "alloy"}}),
        ("404", "GET /v1/nothing", {"headers": key_headers(app)}),
        ("health", "GET /healthz", {}),
    ]


def test_security_headers_on_every_response(app: SecureApp) -> None:
    with httpx.Client(timeout=60) as client:
        for name, line, kwargs in _requests(app):
            method, path = line.split()
            r = client.request(method, f"{app.url}{path}", **kwargs)  # type: ignore[arg-type]
            for header, value in EXPECTED.items():
                assert r.headers.get(header) == value, (name, header, dict(r.headers))
            csp = r.headers["content-security-policy"]
            assert csp.startswith("default-src 'none'"), (name, csp)
            assert "frame-ancestors 'none'" in csp


def test_request_id_is_echoed_or_made(app: SecureApp) -> None:
    sane = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
    r = httpx.get(f"{app.url}/healthz", headers={"X-Request-ID": "order-77.a_b:c"}, timeout=30)
    assert r.headers.get_list("x-request-id") == ["order-77.a_b:c"]
    made = httpx.get(f"{app.url}/healthz", timeout=30).headers.get_list("x-request-id")
    assert len(made) == 1
    assert sane.match(made[0])


@pytest.mark.parametrize("bad", ["a b", "x" * 300, "<script>", "id\ttab", "-leading-dash"])
def test_a_request_id_unfit_for_logs_is_replaced(app: SecureApp, bad: str) -> None:
    """Serve's proxy echoes whatever it was given; voxray logs and audits under an id of its own, which
    it adds to the response."""
    r = httpx.post(
        f"{app.url}/v1/audio/speech",
        json={"input": "", "voice": "alloy"},
        headers=key_headers(app, **{"X-Request-ID": bad}),
        timeout=30,
    )
    assert r.status_code == 400
    ours = [v for v in r.headers.get_list("x-request-id") if v != bad]
    assert len(ours) == 1
    assert re.fullmatch(r"[0-9a-f]{32}", ours[0])
    assert audit_for(app, ours[0])["status"] == 400


def test_cors_preflight_is_allowed_for_the_configured_origin_only(app: SecureApp) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    ok = httpx.options(
        f"{app.url}/v1/audio/speech", headers={"Origin": app.cors_origin, **preflight}, timeout=30
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["access-control-allow-origin"] == app.cors_origin
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in ok.headers

    other = httpx.options(
        f"{app.url}/v1/audio/speech", headers={"Origin": "https://evil.example", **preflight}, timeout=30
    )
    assert other.status_code >= 400
    assert "access-control-allow-origin" not in other.headers

    # an actual request from the allowed origin may read the answer (errors included), others may not
    r = httpx.get(f"{app.url}/v1/voices", headers=key_headers(app, Origin=app.cors_origin), timeout=30)
    assert r.headers["access-control-allow-origin"] == app.cors_origin
    assert "x-request-id" in r.headers["access-control-expose-headers"].lower()
    r = httpx.get(f"{app.url}/v1/voices", headers={"Origin": app.cors_origin}, timeout=30)
    assert r.status_code == 401
    assert r.headers["access-control-allow-origin"] == app.cors_origin
    r = httpx.get(f"{app.url}/v1/voices", headers=key_headers(app, Origin="https://evil.example"), timeout=30)
    assert "access-control-allow-origin" not in r.headers


def test_cors_is_off_unless_configured(tight_url: str) -> None:
    preflight = {"Origin": "https://app.voxray.test", "Access-Control-Request-Method": "POST"}
    r = httpx.options(f"{tight_url}/v1/audio/speech", headers=preflight, timeout=30)
    assert "access-control-allow-origin" not in r.headers
    r = httpx.get(f"{tight_url}/v1/voices", headers={"Origin": "https://app.voxray.test"}, timeout=30)
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers
