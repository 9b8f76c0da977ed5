"""JWT bearer validation with real RSA/EC keys and signatures; JWKS from a file and over real HTTP
(discovery, cache, refresh on an unknown kid, bounded refreshes); the clock is injected."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from voxray_runtime.security.authn import Authenticator, AuthError
from voxray_runtime.security.config import OidcArgs, SecurityArgs
from voxray_runtime.security.oidc import (
    JwksUnavailableError,
    JwtValidator,
    TokenError,
    file_fetcher,
    http_fetcher,
    parse_jwks,
    principal_from_claims,
)

ISS, AUD = "https://id.example.test", "voxray"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def jwk(key: Any, kid: str | None, alg: str | None = None) -> dict[str, Any]:
    algo = RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else ECAlgorithm
    out: dict[str, Any] = json.loads(algo.to_jwk(key.public_key()))
    if kid:
        out["kid"] = kid
    if alg:
        out["alg"] = alg
    return out


def token(key: Any = RSA_KEY, kid: str | None = "k1", alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body: dict[str, Any] = {"iss": ISS, "aud": AUD, "sub": "user-1", "exp": now + 300, "iat": now}
    for k, v in claims.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v
    headers = {"kid": kid} if kid else {}
    return jwt.encode(body, key, algorithm=alg, headers=headers)


class Fetcher:
    """A JWKS source whose content the test changes (key rotation), counting fetches."""

    def __init__(self, *keys: dict[str, Any]) -> None:
        self.doc: dict[str, Any] = {"keys": list(keys)}
        self.calls = 0

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        return self.doc


class Clock:
    t = 0.0

    def __call__(self) -> float:
        return self.t


OIDC = OidcArgs(issuer=ISS, audience=AUD, algorithms=["RS256", "ES256"])


def validator(fetch: Fetcher, clock: Clock | None = None) -> JwtValidator:
    return JwtValidator(OIDC, fetch, clock=clock or Clock())


async def test_a_valid_token_maps_to_a_principal() -> None:
    v = validator(Fetcher(jwk(RSA_KEY, "k1")))
    p = await v.validate(token(voxray_models=["kokoro", "espeak"], scope="openid speech store"))
    assert (p.id, p.kind) == ("jwt:user-1", "jwt")
    assert p.models == frozenset({"kokoro", "espeak"})
    assert p.scopes == frozenset({"speech", "store"})


async def test_ec_keys_and_keys_without_kid() -> None:
    v = validator(Fetcher(jwk(EC_KEY, None)))
    p = await v.validate(token(EC_KEY, kid=None, alg="ES256"))
    assert p.scopes == frozenset({"speech"})


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: token(exp=int(time.time()) - 120), "expired"),
        (lambda: token(aud="other"), "audience"),
        (lambda: token(iss="https://evil.test"), "issued by"),
        (lambda: token(exp=None), "'exp'"),
        (lambda: token(aud=None), "'aud'"),
        (lambda: token(iss=None), "'iss'"),
        (lambda: token(sub=None), "'sub'"),
        (lambda: token(nbf=int(time.time()) + 600), "not valid yet"),
        (lambda: token(RSA_OTHER), "signature"),
        (lambda: token(kid="unknown"), "'unknown'"),
        (lambda: token(alg="RS384"), "RS384"),
        (
            lambda: jwt.encode(
                {"iss": ISS, "aud": AUD, "sub": "x", "exp": 2**31},
                "s" * 40,
                algorithm="HS256",
                headers={"kid": "k1"},
            ),
            "HS256",
        ),
        (
            lambda: jwt.encode({"iss": ISS, "aud": AUD, "sub": "x", "exp": 2**31}, None, algorithm="none"),
            "none",
        ),
        (lambda: "not.a.jwt", "well-formed"),
        (lambda: token(voxray_models=7), "permission claim"),
    ],
    ids=[
        "expired",
        "audience",
        "issuer",
        "no-exp",
        "no-aud",
        "no-iss",
        "no-sub",
        "nbf",
        "signature",
        "kid",
        "alg-not-accepted",
        "hs256",
        "none",
        "garbage",
        "bad-claim",
    ],
)
async def test_bad_tokens_are_refused_with_a_reason(make: Any, words: str) -> None:
    v = validator(Fetcher(jwk(RSA_KEY, "k1"), jwk(EC_KEY, "e1")))
    with pytest.raises(TokenError, match=words):
        await v.validate(make())


async def test_a_jwk_declaring_its_alg_binds_the_token_to_it() -> None:
    v = validator(Fetcher(jwk(RSA_KEY, "k1", alg="RS256"), jwk(EC_KEY, "e1", alg="ES256")))
    # an RS256 token pointing at the EC key: refused, whatever the signature
    with pytest.raises(TokenError):
        await v.validate(token(kid="e1"))


async def test_jwks_is_cached_and_refreshed_on_an_unknown_kid() -> None:
    clock = Clock()
    fetch = Fetcher(jwk(RSA_KEY, "k1"))
    v = validator(fetch, clock)
    await v.validate(token())
    await v.validate(token())
    assert fetch.calls == 1
    # the issuer rotates to a new key: a token with the new kid triggers one refresh
    fetch.doc = {"keys": [jwk(RSA_KEY, "k1"), jwk(RSA_OTHER, "k2")]}
    clock.t += 11
    await v.validate(token(RSA_OTHER, kid="k2"))
    assert fetch.calls == 2
    # made-up kids cannot make us hammer the issuer: at most one refresh per 10 s
    for _ in range(5):
        with pytest.raises(TokenError):
            await v.validate(token(kid="made-up"))
    assert fetch.calls == 2
    # after the TTL the keys are fetched again; a key removed from the JWKS stops working
    fetch.doc = {"keys": [jwk(RSA_OTHER, "k2")]}
    clock.t += 301
    with pytest.raises(TokenError, match="'k1'"):
        await v.validate(token())
    assert fetch.calls == 3


async def test_jwks_from_a_file(tmp_path: Path) -> None:
    f = tmp_path / "jwks.json"
    f.write_text(json.dumps({"keys": [jwk(RSA_KEY, "k1")]}))
    v = JwtValidator(OIDC.model_copy(update={"jwks_file": str(f)}), file_fetcher(str(f)))
    assert (await v.validate(token())).id == "jwt:user-1"
    with pytest.raises(JwksUnavailableError):
        await file_fetcher(str(tmp_path / "missing.json"))()


def test_parse_jwks_skips_unusable_keys() -> None:
    doc = {
        "keys": [
            {"kty": "oct", "k": "c2VjcmV0", "kid": "sym"},
            {"kty": "RSA", "kid": "broken"},
            {**jwk(RSA_KEY, "enc"), "use": "enc"},
            "not-a-key",
            jwk(RSA_KEY, "good"),
        ]
    }
    assert [k.kid for k in parse_jwks(doc)] == ["good"]
    assert parse_jwks({"keys": "nope"}) == []


@pytest.mark.parametrize(
    ("claims", "models", "scopes"),
    [
        ({"sub": "a"}, None, {"speech"}),
        ({"sub": "a", "scope": "openid profile"}, None, set()),
        ({"sub": "a", "scope": ["store", "speech"]}, None, {"speech", "store"}),
        ({"sub": "a", "voxray_models": "kokoro,espeak"}, {"kokoro", "espeak"}, {"speech"}),
        ({"sub": "a", "voxray_models": ["*"]}, None, {"speech"}),
        ({"sub": "evil\nline"}, None, {"speech"}),
    ],
)
def test_claims_mapping(claims: dict[str, Any], models: set[str] | None, scopes: set[str]) -> None:
    p = principal_from_claims(claims, OIDC)
    assert p.models == (None if models is None else frozenset(models))
    assert p.scopes == frozenset(scopes)
    assert "\n" not in p.id


# ---- over real HTTP: discovery document and JWKS URL ----------------------------------------------------
@pytest.fixture
def issuer_server() -> Iterator[tuple[str, dict[str, Any]]]:
    state: dict[str, Any] = {"jwks": {"keys": [jwk(RSA_KEY, "k1")]}, "hits": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/.well-known/openid-configuration":
                body = {"issuer": base, "jwks_uri": f"{base}/keys"}
            elif self.path == "/keys":
                state["hits"] += 1
                body = state["jwks"]
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


async def test_jwks_over_http_via_discovery(issuer_server: tuple[str, dict[str, Any]]) -> None:
    base, state = issuer_server
    oidc = OidcArgs(issuer=base, audience=AUD)
    clock = Clock()
    v = JwtValidator(oidc, http_fetcher(oidc), clock=clock)
    assert (await v.validate(token(iss=base))).id == "jwt:user-1"
    state["jwks"] = {"keys": [jwk(RSA_OTHER, "k2")]}
    clock.t += 20
    assert (await v.validate(token(RSA_OTHER, kid="k2", iss=base))).id == "jwt:user-1"
    assert state["hits"] == 2


async def test_unreachable_issuer_is_503_not_401(issuer_server: tuple[str, dict[str, Any]]) -> None:
    base, _ = issuer_server
    oidc = OidcArgs(issuer=base, audience=AUD, jwks_url=f"{base}/missing")
    auth = Authenticator(SecurityArgs(oidc=oidc), jwt=JwtValidator(oidc, http_fetcher(oidc)))
    with pytest.raises(AuthError) as info:
        await auth.authenticate({"authorization": f"Bearer {token(iss=base)}"}, "127.0.0.1")
    assert info.value.status == 503


async def test_authenticator_prefers_keys_and_falls_back_to_tokens(tmp_path: Path) -> None:
    keys = tmp_path / "keys.yaml"
    keys.write_text("keys: [{id: svc, key: svc-key-0123456789abcdef}]")
    settings = SecurityArgs(api_keys_file=str(keys), oidc=OIDC)
    auth = Authenticator.from_settings(settings)
    auth.jwt = validator(Fetcher(jwk(RSA_KEY, "k1")))
    assert (await auth.authenticate({"x-api-key": "svc-key-0123456789abcdef"}, None)).id == "svc"
    assert (await auth.authenticate({"authorization": f"Bearer {token()}"}, None)).id == "jwt:user-1"
    with pytest.raises(AuthError, match="API key or token is not valid") as info:
        await auth.authenticate({"authorization": "Bearer nope"}, None)
    assert 'error="invalid_token"' in info.value.challenge
    with pytest.raises(AuthError, match="authentication required") as info:
        await auth.authenticate({}, None)
    assert info.value.challenge == 'Bearer realm="voxray"'
    with pytest.raises(AuthError, match="expired"):
        await auth.authenticate({"authorization": f"Bearer {token(exp=1)}"}, None)
    disabled = Authenticator.from_settings(SecurityArgs(auth="disabled"))
    assert (await disabled.authenticate({}, "10.1.2.3")).id == "anonymous@10.1.2.3"
