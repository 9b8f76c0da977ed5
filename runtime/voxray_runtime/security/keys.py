"""API keys: loaded from a file (a mounted Secret), kept only as SHA-256 hashes, compared in constant time.

:func:`parse_key_file` and :class:`ApiKeyStore` are pure; :func:`load_key_store` reads the file.
Lookup hashes the presented key and compares it with *every* entry using :func:`hmac.compare_digest`, so
neither the position of a match nor a near-miss shows in the time taken.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from voxray_runtime.security.config import ApiKey, ApiKeyFile
from voxray_runtime.security.principal import Principal, models_from

#: header names a key may come in (``Authorization: Bearer <key>`` or ``X-API-Key: <key>``)
API_KEY_HEADER = "x-api-key"
AUTHORIZATION_HEADER = "authorization"
#: a credential longer than this is refused before hashing (keys are at most 512 characters; JWTs bigger)
MAX_CREDENTIAL_CHARS = 8192


class KeyFileError(ValueError):
    """The API keys file is missing, unreadable or invalid (the message names the problem, never a key)."""


class CredentialError(ValueError):
    """The request's credential headers are malformed (401 with this message)."""


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()


@dataclass(frozen=True)
class KeyEntry:
    """One key as kept in memory: its hash and what it may do (its id is the principal's); the plain key is
    gone."""

    digest: bytes
    principal: Principal


def _entry(k: ApiKey) -> KeyEntry:
    digest = hash_key(k.key) if k.key is not None else bytes.fromhex(k.sha256 or "")
    return KeyEntry(
        digest=digest,
        principal=Principal(
            id=k.id,
            kind="api_key",
            models=models_from(k.models),
            scopes=frozenset(k.scopes),
            requests_per_minute=k.requests_per_minute,
            max_concurrent=k.max_concurrent,
        ),
    )


class ApiKeyStore:
    """Hashed keys; :meth:`lookup` is the only way in."""

    def __init__(self, entries: list[KeyEntry]) -> None:
        ids = [e.principal.id for e in entries]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise KeyFileError(f"duplicate key ids: {', '.join(dupes)}")
        digests = [e.digest for e in entries]
        if len(set(digests)) != len(digests):
            raise KeyFileError("two entries hold the same key")
        self._entries = tuple(entries)

    @classmethod
    def from_file_model(cls, doc: ApiKeyFile) -> ApiKeyStore:
        return cls([_entry(k) for k in doc.keys])

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def ids(self) -> list[str]:
        return [e.principal.id for e in self._entries]

    def lookup(self, presented: str) -> Principal | None:
        """The principal of the key, or ``None``. Compares against every entry (constant time)."""
        digest = hash_key(presented)
        found: Principal | None = None
        for entry in self._entries:
            if hmac.compare_digest(entry.digest, digest):
                found = entry.principal
        return found


def parse_key_file(text: str, source: str = "API keys file") -> ApiKeyFile:
    """YAML or JSON text -> :class:`ApiKeyFile`. Error messages name fields, never key values."""
    try:
        data = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        raise KeyFileError(f"{source} is not valid YAML/JSON: {type(exc).__name__}") from exc
    if data is None:
        raise KeyFileError(f"{source} is empty")
    try:
        return ApiKeyFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'document'}: {e['msg']}" for e in exc.errors()
        )
        raise KeyFileError(f"{source} is invalid: {problems}") from None


def load_key_store(path: str) -> ApiKeyStore:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyFileError(f"cannot read API keys file {path}: {exc.strerror or exc}") from exc
    return ApiKeyStore.from_file_model(parse_key_file(text, f"API keys file {path}"))


#: seconds between checks of the keys file for changes (a rotated or revoked key takes effect within this)
RELOAD_CHECK_S = 10.0

_log = logging.getLogger("voxray.security")


class ReloadingKeyStore:
    """The keys of a file that may change while serving (a Kubernetes Secret is updated in place): the
    file is checked at most every ``check_s`` seconds and reloaded when it changed, so a revoked key stops
    working without a restart. A file that turns invalid is logged and the keys loaded last stay in force
    (a typo must not lock every caller out); the first load must succeed."""

    def __init__(
        self, path: str, clock: Callable[[], float] = time.monotonic, check_s: float = RELOAD_CHECK_S
    ) -> None:
        self.path = path
        self._clock = clock
        self._check_s = check_s
        self._signature = self._stat()
        self._store = load_key_store(path)
        self._checked = clock()
        self.reloads = 0

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)  # follows the Secret's symlinks to the current data
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def current(self) -> ApiKeyStore:
        now = self._clock()
        if now - self._checked >= self._check_s:
            self._checked = now
            signature = self._stat()
            if signature is not None and signature != self._signature:
                try:
                    self._store = load_key_store(self.path)
                    self.reloads += 1
                    _log.info("API keys reloaded from %s: %d keys", self.path, len(self._store))
                except KeyFileError as exc:
                    _log.error("API keys file changed but is invalid; the previous keys stay: %s", exc)
                self._signature = signature
        return self._store

    def lookup(self, presented: str) -> Principal | None:
        return self.current().lookup(presented)

    def __len__(self) -> int:
        return len(self._store)

    @property
    def ids(self) -> list[str]:
        return self._store.ids


def key_file_json(doc: ApiKeyFile) -> str:
    """The file's JSON form (for writing a keys file from code)."""
    return json.dumps(doc.model_dump(by_alias=True, exclude_none=True, mode="json"))


@dataclass(frozen=True)
class Credential:
    """What a request presents: a bearer token (an API key or a JWT) or an ``X-API-Key``."""

    value: str
    source: str  # "bearer" | "x-api-key"

    @property
    def looks_like_jwt(self) -> bool:
        """Three base64url parts separated by dots: a JWS compact serialization."""
        parts = self.value.split(".")
        return self.source == "bearer" and len(parts) == 3 and all(parts[:2])


def extract_credential(headers: Mapping[str, str]) -> Credential | None:
    """The credential in ``headers`` (lower-case names), ``None`` when there is none.

    ``Authorization`` must use the Bearer scheme; when both headers are given they must agree.
    """
    auth = headers.get(AUTHORIZATION_HEADER)
    api_key = headers.get(API_KEY_HEADER)
    bearer: str | None = None
    if auth is not None:
        scheme, _, value = auth.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise CredentialError(
                f"the Authorization header uses the {scheme[:20]!r} scheme; "
                "use 'Authorization: Bearer <key>' or the X-API-Key header"
            )
        bearer = value.strip()
        if not bearer:
            raise CredentialError("the Authorization header has the Bearer scheme but no credential")
    if api_key is not None:
        api_key = api_key.strip()
        if not api_key:
            raise CredentialError("the X-API-Key header is empty")
    if (
        bearer is not None
        and api_key is not None
        and not hmac.compare_digest(
            bearer.encode("utf-8", "surrogateescape"), api_key.encode("utf-8", "surrogateescape")
        )
    ):
        raise CredentialError("the Authorization and X-API-Key headers carry different credentials")
    if bearer is not None:
        value, source = bearer, "bearer"
    elif api_key is not None:
        value, source = api_key, "x-api-key"
    else:
        return None
    if len(value) > MAX_CREDENTIAL_CHARS:
        raise CredentialError(f"the credential is longer than {MAX_CREDENTIAL_CHARS} characters")
    return Credential(value, source)
