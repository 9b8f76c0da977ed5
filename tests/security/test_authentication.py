"""API keys and OIDC tokens against the real Serve app over HTTP: 401 with a clear message, 403 for
what a caller may not do, health probes open."""

from __future__ import annotations

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import SecureApp
from tests.security.conftest import assert_problem, key_headers, make_token

pytestmark = pytest.mark.ray

SPEECH = {"model": "tts-1", "input": "Your table is ready.", "voice": "alloy"}


def test_no_credentials_is_401_with_a_bearer_challenge(app: SecureApp) -> None:
    r = httpx.post(f"{app.url}/v1/audio/speech", json=SPEECH, timeout=30)
    body = assert_problem(r, 401, "authentication required", "Authorization: Bearer")
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert body["type"].endswith("/authentication-required")


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({"Authorization": "Bearer not-a-real-key-0000000000"}, ["API key or token is not valid"]),
        ({"X-API-Key": "not-a-real-key-0000000000"}, ["not valid"]),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, ["'Basic' scheme", "Bearer"]),
        ({"Authorization": "Bearer"}, ["no credential"]),
    ],
    ids=["bad-bearer", "bad-x-api-key", "basic-scheme", "empty-bearer"],
)
def test_bad_credentials_are_401_saying_what_is_wrong(
    app: SecureApp, headers: dict[str, str], words: list[str]
) -> None:
    r = httpx.post(f"{app.url}/v1/audio/speech", json=SPEECH, headers=headers, timeout=30)
    assert_problem(r, 401, *words)
    assert 'error="invalid' in r.headers["www-authenticate"]


def test_two_headers_that_disagree_are_refused(app: SecureApp) -> None:
    headers = key_headers(app, "writer") | {"X-API-Key": app.keys["alice"]}
    r = httpx.get(f"{app.url}/v1/voices", headers=headers, timeout=30)
    assert_problem(r, 401, "different credentials")


@pytest.mark.parametrize("key_id", ["writer", "hashed"])
def test_a_key_works_as_bearer_and_as_x_api_key(app: SecureApp, key_id: str) -> None:
    for headers in ({"Authorization": f"Bearer {app.keys[key_id]}"}, {"X-API-Key": app.keys[key_id]}):
        r = httpx.post(f"{app.url}/v1/audio/speech", json=SPEECH, headers=headers, timeout=60)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "audio/mpeg"
        assert len(r.content) > 1000


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_probes_need_no_credentials(app: SecureApp, path: str) -> None:
    r = httpx.get(f"{app.url}{path}", timeout=30)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/v1/voices", "/v1/models", "/no-such-path"])
def test_everything_else_needs_credentials(app: SecureApp, path: str) -> None:
    r = httpx.get(f"{app.url}{path}", timeout=30)
    assert_problem(r, 401)
    ok = httpx.get(f"{app.url}{path}", headers=key_headers(app), timeout=30)
    assert ok.status_code == (404 if path == "/no-such-path" else 200), ok.text


def test_a_key_may_not_use_a_model_it_lacks(app: SecureApp) -> None:
    r = httpx.post(
        f"{app.url}/v1/audio/speech",
        json=SPEECH | {"model": "speak"},
        headers=key_headers(app, "alice"),
        timeout=30,
    )
    body = assert_problem(r, 403, "alice", "'speak'", "speak-alt")
    assert body["errors"][0]["field"] == "model"


def test_an_unpinned_request_uses_a_model_the_key_may_use(app: SecureApp) -> None:
    r = httpx.post(f"{app.url}/v1/audio/speech", json=SPEECH, headers=key_headers(app, "alice"), timeout=60)
    assert r.status_code == 200, r.text
    assert r.headers["x-voxray-model"] == "speak-alt"
    # the writer may use every model: resolution picks the first one
    r = httpx.post(f"{app.url}/v1/audio/speech", json=SPEECH, headers=key_headers(app), timeout=60)
    assert r.headers["x-voxray-model"] == "speak"


def test_store_needs_the_store_scope(app: SecureApp) -> None:
    body = {"text": "Room service is on its way.", "avatar": "female_en-GB", "store": True}
    r = httpx.post(f"{app.url}/v1/speech", json=body, headers=key_headers(app, "alice"), timeout=30)
    assert_problem(r, 403, "store", "scope")
    r = httpx.post(f"{app.url}/v1/speech", json=body, headers=key_headers(app, "writer"), timeout=60)
    assert r.status_code == 200, r.text
    stored = r.json()
    assert stored["path"].startswith(str(app.output_dir))
    assert stored["bytes"] > 1000


# ---- OIDC / JWT bearer tokens ---------------------------------------------------------------------------
def _speak(app: SecureApp, token: str, **extra: object) -> httpx.Response:
    return httpx.post(
        f"{app.url}/v1/audio/speech",
        json=SPEECH | extra,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


def test_a_valid_token_is_accepted(app: SecureApp) -> None:
    r = _speak(app, make_token(app))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/mpeg"


def test_an_expired_token_is_refused(app: SecureApp) -> None:
    token = make_token(app, exp=1_000_000_000, iat=999_999_000)
    assert_problem(_speak(app, token), 401, "expired")


def test_a_token_for_another_audience_is_refused(app: SecureApp) -> None:
    assert_problem(_speak(app, make_token(app, aud="some-other-api")), 401, "audience")


def test_a_token_from_another_issuer_is_refused(app: SecureApp) -> None:
    assert_problem(_speak(app, make_token(app, iss="https://evil.example")), 401, "issued by")


def test_a_token_without_exp_is_refused(app: SecureApp) -> None:
    assert_problem(_speak(app, make_token(app, exp=None)), 401, "'exp'")


def test_a_token_signed_by_another_key_is_refused(app: SecureApp) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert_problem(_speak(app, make_token(app, signing_key=other)), 401, "signature")


def test_a_token_naming_an_unknown_key_is_refused(app: SecureApp) -> None:
    assert_problem(_speak(app, make_token(app, kid="rotated-away")), 401, "rotated-away")


@pytest.mark.parametrize("alg", ["HS256", "none"])
def test_symmetric_and_unsigned_tokens_are_refused(app: SecureApp, alg: str) -> None:
    claims = {"iss": app.issuer, "aud": app.audience, "sub": "x", "exp": 4_000_000_000}
    key = "a-shared-secret-that-is-long-enough-for-hs256" if alg == "HS256" else None
    token = jwt.encode(claims, key, algorithm=alg, headers={"kid": app.kid})
    assert_problem(_speak(app, token), 401, alg)


def test_token_claims_carry_models_and_scopes(app: SecureApp) -> None:
    only_alt = make_token(app, voxray_models=["speak-alt"])
    assert_problem(_speak(app, only_alt, model="speak"), 403, "jwt:user-42", "speak-alt")
    assert _speak(app, only_alt).headers["x-voxray-model"] == "speak-alt"

    body = {"text": "Checkout is at noon.", "avatar": "male_en-US", "store": True}
    speech_only = make_token(app)  # no scope claim: speech only
    r = httpx.post(
        f"{app.url}/v1/speech", json=body, headers={"Authorization": f"Bearer {speech_only}"}, timeout=60
    )
    assert_problem(r, 403, "store")
    can_store = make_token(app, scope="openid speech store")
    r = httpx.post(
        f"{app.url}/v1/speech", json=body, headers={"Authorization": f"Bearer {can_store}"}, timeout=60
    )
    assert r.status_code == 200, r.text
    no_speech = make_token(app, scope="openid profile")
    assert_problem(_speak(app, no_speech), 403, "speech")


def test_listings_show_only_the_models_a_key_may_use(app: SecureApp) -> None:
    models = httpx.get(f"{app.url}/v1/models", headers=key_headers(app, "alice"), timeout=30).json()
    assert [m["id"] for m in models["data"]] == ["speak-alt"]
    voices = httpx.get(f"{app.url}/v1/voices", headers=key_headers(app, "alice"), timeout=30).json()
    assert voices["count"] == 18
    assert {v["model"] for v in voices["voices"]} == {"speak-alt"}
    assert all(v["alternatives"] == [] for v in voices["voices"])
    everything = httpx.get(f"{app.url}/v1/voices", headers=key_headers(app), timeout=30).json()
    assert {v["model"] for v in everything["voices"]} == {"speak"}
    assert {a["model"] for v in everything["voices"] for a in v["alternatives"]} == {"speak-alt"}
    all_models = httpx.get(f"{app.url}/v1/models", headers=key_headers(app), timeout=30).json()
    assert sorted(m["id"] for m in all_models["data"]) == ["speak", "speak-alt"]
