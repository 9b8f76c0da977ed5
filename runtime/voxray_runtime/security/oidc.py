"""OIDC/JWT bearer tokens: signature checked against the issuer's JWKS; ``exp``, ``iss``, ``aud`` required.

The JWKS comes from a fetcher (an URL through httpx, or a file) and is cached: refreshed after
:data:`JWKS_TTL_S`, and at once when a token names a key id the cache does not hold (key rotation), at
most every :data:`MIN_REFRESH_S` so that made-up key ids cannot make us hammer the issuer. The clock is
injected; claims are checked by pyjwt against wall time with :data:`LEEWAY_S` of leeway.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from voxray_runtime.security.config import OidcArgs, Scope
from voxray_runtime.security.limits import Clock
from voxray_runtime.security.principal import ALL_SCOPES, Principal, models_from

JWKS_TTL_S = 300.0
MIN_REFRESH_S = 10.0
LEEWAY_S = 30.0
FETCH_TIMEOUT_S = 5.0

JwksFetcher = Callable[[], Awaitable[dict[str, Any]]]

_SAFE_ID = re.compile(r"[^A-Za-z0-9._@:|-]")


class TokenError(ValueError):
    """The token is not acceptable (401; the message says why, and never echoes the token)."""


class JwksUnavailableError(RuntimeError):
    """The issuer's keys could not be fetched, so no token can be checked now (503)."""


def file_fetcher(path: str) -> JwksFetcher:
    """Read the JWKS from a file (a mounted ConfigMap or Secret: re-read on refresh, so rotation works)."""

    async def fetch() -> dict[str, Any]:
        try:
            data = json.loads(await asyncio.to_thread(Path(path).read_text, encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise JwksUnavailableError(f"cannot read the JWKS file {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise JwksUnavailableError(f"the JWKS file {path} does not hold a JSON object")
        return data

    return fetch


def http_fetcher(oidc: OidcArgs, timeout_s: float = FETCH_TIMEOUT_S) -> JwksFetcher:
    """Fetch the JWKS from ``jwks_url``, or from the ``jwks_uri`` of the issuer's discovery document."""
    import httpx

    async def get_json(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
        r = await client.get(url, headers={"Accept": "application/json"})
        r.raise_for_status()
        data = r.json()
        if not isinstance(data, dict):
            raise ValueError(f"{url} does not answer a JSON object")
        return data

    async def fetch() -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as client:
                url = oidc.jwks_url
                if url is None:
                    discovery = oidc.issuer.rstrip("/") + "/.well-known/openid-configuration"
                    uri = (await get_json(client, discovery)).get("jwks_uri")
                    if not isinstance(uri, str):
                        raise ValueError(f"{discovery} has no jwks_uri")
                    url = uri
                return await get_json(client, url)
        except (httpx.HTTPError, ValueError) as exc:
            raise JwksUnavailableError(f"cannot fetch the issuer's JWKS: {exc}") from exc

    return fetch


def fetcher_for(oidc: OidcArgs) -> JwksFetcher:
    return file_fetcher(oidc.jwks_file) if oidc.jwks_file else http_fetcher(oidc)


def _names(value: Any) -> list[str] | None:
    """A claim holding names: a list of strings or a space/comma-separated string."""
    if value is None:
        return None
    if isinstance(value, str):
        return [v for v in re.split(r"[\s,]+", value) if v]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TokenError("a permission claim of the token is neither a string nor a list of strings")


def principal_from_claims(claims: dict[str, Any], oidc: OidcArgs) -> Principal:
    """Map validated claims to a principal: ``sub`` -> id, models claim, scopes claim (pure)."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise TokenError("the token has no subject (sub claim)")
    models = _names(claims.get(oidc.models_claim))
    scopes_claim = _names(claims.get(oidc.scopes_claim))
    scopes: frozenset[Scope] = (
        frozenset({"speech"})
        if scopes_claim is None
        else frozenset(s for s in ALL_SCOPES if s in scopes_claim)
    )
    return Principal(
        id="jwt:" + _SAFE_ID.sub("_", sub)[:120],
        kind="jwt",
        models=None if models is None else models_from(models),
        scopes=scopes,
    )


@dataclass(frozen=True)
class _Key:
    kid: str | None
    #: the algorithm the JWK declares (``alg``), if any: a token must then use exactly that one
    alg: str | None
    key: Any


def parse_jwks(data: dict[str, Any]) -> list[_Key]:
    """The usable signing keys of a JWKS document; unusable or encryption keys are skipped (pure)."""
    raw = data.get("keys")
    if not isinstance(raw, list):
        return []
    out = []
    for d in raw:
        if not isinstance(d, dict) or d.get("use", "sig") != "sig" or d.get("kty") == "oct":
            continue
        try:
            jwk = jwt.PyJWK(d)
        except jwt.PyJWTError:
            continue
        kid = d.get("kid")
        alg = d.get("alg")
        out.append(
            _Key(kid if isinstance(kid, str) else None, alg if isinstance(alg, str) else None, jwk.key)
        )
    return out


class JwtValidator:
    def __init__(
        self,
        oidc: OidcArgs,
        fetch: JwksFetcher,
        clock: Clock = time.monotonic,
        ttl_s: float = JWKS_TTL_S,
        min_refresh_s: float = MIN_REFRESH_S,
    ) -> None:
        self._oidc = oidc
        self._fetch = fetch
        self._clock = clock
        self._ttl = ttl_s
        self._min_refresh = min_refresh_s
        self._keys: dict[str, _Key] = {}
        self._anonymous: list[_Key] = []  # keys without a kid
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            now = self._clock()
            if self._fetched_at is not None:
                age = now - self._fetched_at
                if age < self._min_refresh or (not force and age < self._ttl):
                    return
            data = await self._fetch()
            self.fetches += 1
            keys = parse_jwks(data)
            if not keys:
                raise JwksUnavailableError("the issuer's JWKS holds no usable signing key")
            self._keys = {k.kid: k for k in keys if k.kid}
            self._anonymous = [k for k in keys if not k.kid]
            self._fetched_at = now

    async def _key(self, kid: str | None) -> Sequence[_Key]:
        stale = self._fetched_at is None or self._clock() - self._fetched_at >= self._ttl
        if stale:
            await self._refresh(force=False)
        if kid is None:
            return self._anonymous or list(self._keys.values())
        if kid not in self._keys:
            await self._refresh(force=True)
        if kid not in self._keys:
            raise TokenError(f"the token's signing key (kid {kid[:64]!r}) is not among the issuer's keys")
        return [self._keys[kid]]

    async def validate(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenError("the bearer token is neither a valid API key nor a well-formed JWT") from exc
        alg = header.get("alg")
        if alg not in self._oidc.algorithms:
            raise TokenError(
                f"the token is signed with {str(alg)[:16]!r}; accepted: {', '.join(self._oidc.algorithms)}"
            )
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise TokenError("the token's kid header is not a string")
        candidates = await self._key(kid)
        if not candidates:
            raise TokenError("the issuer's JWKS holds no key to check this token with")
        last: jwt.PyJWTError | None = None
        for key in candidates:
            if key.alg is not None and key.alg != alg:
                last = jwt.InvalidAlgorithmError()
                continue
            try:
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=[alg],
                    audience=self._oidc.audience,
                    issuer=self._oidc.issuer,
                    leeway=LEEWAY_S,
                    options={"require": ["exp", "iss", "aud", "sub"], "enforce_minimum_key_length": True},
                )
            except (jwt.InvalidSignatureError, jwt.InvalidKeyError) as exc:
                last = exc
                continue
            except jwt.PyJWTError as exc:
                raise TokenError(self._message(exc)) from exc
            return principal_from_claims(claims, self._oidc)
        raise TokenError(self._message(last or jwt.InvalidSignatureError()))

    def _message(self, exc: jwt.PyJWTError) -> str:
        if isinstance(exc, jwt.ExpiredSignatureError):
            return "the token has expired (exp)"
        if isinstance(exc, jwt.InvalidAudienceError):
            return f"the token is not meant for this API: its audience (aud) is not {self._oidc.audience!r}"
        if isinstance(exc, jwt.InvalidIssuerError):
            return f"the token was not issued by {self._oidc.issuer!r} (iss)"
        if isinstance(exc, jwt.MissingRequiredClaimError):
            return f"the token lacks the required {exc.claim!r} claim"
        if isinstance(exc, jwt.ImmatureSignatureError):
            return "the token is not valid yet (nbf/iat)"
        if isinstance(exc, jwt.InvalidSignatureError):
            return "the token's signature does not verify with the issuer's keys"
        if isinstance(exc, jwt.InvalidAlgorithmError):
            return "the token's algorithm does not match its signing key"
        return f"the token is invalid ({type(exc).__name__})"
