"""API keys file, hashed store, constant-time lookup, credential headers, permission decisions (pure)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from voxray_runtime.security import keys as keys_mod
from voxray_runtime.security.config import ApiKeyFile
from voxray_runtime.security.keys import (
    ApiKeyStore,
    CredentialError,
    KeyFileError,
    extract_credential,
    hash_key,
    load_key_store,
    parse_key_file,
)
from voxray_runtime.security.principal import anonymous, check_model, check_scope

K1 = "k1-0123456789abcdef-secret"
K2 = "k2-0123456789abcdef-secret"

YAML = f"""
keys:
  - id: alice
    key: {K1}
    models: [kokoro]
  - id: ops.robot
    sha256: {hashlib.sha256(K2.encode()).hexdigest()}
    scopes: [speech, store]
    requestsPerMinute: 30
    maxConcurrent: 2
"""


def store() -> ApiKeyStore:
    return ApiKeyStore.from_file_model(parse_key_file(YAML))


def test_plain_keys_are_hashed_and_dropped() -> None:
    s = store()
    assert s.ids == ["alice", "ops.robot"]
    for entry in s._entries:
        assert entry.digest in (hash_key(K1), hash_key(K2))
        assert K1 not in repr(entry)
        assert K2 not in repr(entry)


def test_lookup_by_plain_and_by_sha256_entries() -> None:
    s = store()
    alice = s.lookup(K1)
    robot = s.lookup(K2)
    assert alice is not None
    assert robot is not None
    assert (alice.id, alice.models, alice.scopes) == ("alice", frozenset({"kokoro"}), frozenset({"speech"}))
    assert (robot.id, robot.models, robot.scopes) == ("ops.robot", None, frozenset({"speech", "store"}))
    assert (robot.requests_per_minute, robot.max_concurrent) == (30, 2)
    assert s.lookup("k1-0123456789abcdef-secreT") is None
    assert s.lookup("") is None


def test_lookup_compares_against_every_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whichever entry matches (or none), every entry is compared: timing does not say which."""
    calls: list[int] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr(keys_mod.hmac, "compare_digest", counting)
    s = store()
    for presented in (K1, K2, "nope-nope-nope-nope"):
        calls.clear()
        s.lookup(presented)
        assert len(calls) == 2


JSON = '{"keys": [{"id": "a", "key": "0123456789abcdef0123"}]}'


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("keys: [", "not valid YAML"),
        ("keys: []", "keys"),
        ("keys: [{id: a}]", "exactly one of key or sha256"),
        ("keys: [{id: a, key: short}]", "at least 16"),
        ("keys: [{id: a, key: 0123456789abcdef0123, scopes: [admin]}]", "scopes"),
        ("keys: [{id: a, key: 0123456789abcdef0123, colour: red}]", "colour"),
        ("keys: [{id: 'bad id', key: 0123456789abcdef0123}]", "id"),
    ],
)
def test_invalid_files_name_the_problem_never_the_key(text: str, words: str) -> None:
    with pytest.raises(KeyFileError, match=words) as info:
        parse_key_file(text)
    assert "0123456789abcdef0123" not in str(info.value)


def test_json_files_and_duplicates(tmp_path: object) -> None:
    assert parse_key_file(JSON).keys[0].id == "a"
    doc = ApiKeyFile.model_validate(
        {"keys": [{"id": "a", "key": "0123456789abcdef0123"}, {"id": "a", "key": "0123456789abcdef0124"}]}
    )
    with pytest.raises(KeyFileError, match="duplicate key ids: a"):
        ApiKeyStore.from_file_model(doc)
    same = ApiKeyFile.model_validate(
        {"keys": [{"id": "a", "key": "0123456789abcdef0123"}, {"id": "b", "key": "0123456789abcdef0123"}]}
    )
    with pytest.raises(KeyFileError, match="same key"):
        ApiKeyStore.from_file_model(same)


def test_load_from_a_file(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    p = Path(str(tmp_path)) / "keys.yaml"
    p.write_text(YAML)
    assert load_key_store(str(p)).ids == ["alice", "ops.robot"]
    with pytest.raises(KeyFileError, match="cannot read"):
        load_key_store(str(p) + ".missing")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"authorization": "Bearer abc"}, ("abc", "bearer")),
        ({"authorization": "bearer   abc  "}, ("abc", "bearer")),
        ({"x-api-key": "abc"}, ("abc", "x-api-key")),
        ({"authorization": "Bearer abc", "x-api-key": "abc"}, ("abc", "bearer")),
    ],
)
def test_credentials_from_headers(headers: dict[str, str], expected: tuple[str, str] | None) -> None:
    cred = extract_credential(headers)
    assert (None if cred is None else (cred.value, cred.source)) == expected


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({"authorization": "Basic dXNlcjpwYXNz"}, "'Basic' scheme"),
        ({"authorization": "Bearer"}, "no credential"),
        ({"authorization": "Bearer    "}, "no credential"),
        ({"x-api-key": "  "}, "empty"),
        ({"authorization": "Bearer abc", "x-api-key": "abd"}, "different credentials"),
        ({"x-api-key": "a" * 9000}, "longer than"),
        ({"authorization": "Bearer abc", "x-api-key": "é"}, "different credentials"),
    ],
)
def test_malformed_credentials(headers: dict[str, str], words: str) -> None:
    with pytest.raises(CredentialError, match=words):
        extract_credential(headers)


def test_jwt_shape() -> None:
    assert extract_credential({"authorization": "Bearer aaa.bbb.ccc"}).looks_like_jwt  # type: ignore[union-attr]
    assert not extract_credential({"authorization": "Bearer aaa.bbb"}).looks_like_jwt  # type: ignore[union-attr]
    assert not extract_credential({"x-api-key": "aaa.bbb.ccc"}).looks_like_jwt  # type: ignore[union-attr]


def test_permission_decisions() -> None:
    s = store()
    alice, robot = s.lookup(K1), s.lookup(K2)
    assert alice is not None
    assert robot is not None
    assert check_model(alice, "kokoro") is None
    denial = check_model(alice, "piper-joe")
    assert denial is not None
    assert (denial.status, denial.slug, denial.field) == (403, "model-not-permitted", "model")
    assert "alice" in denial.detail
    assert "kokoro" in denial.detail
    assert check_model(robot, "anything") is None
    assert check_scope(alice, "speech") is None
    no_store = check_scope(alice, "store")
    assert no_store is not None
    assert (no_store.status, no_store.field) == (403, "store")
    assert check_scope(robot, "store") is None
    anon = anonymous("10.0.0.7")
    assert anon.id == "anonymous@10.0.0.7"
    assert check_model(anon, "x") is None
    assert check_scope(anon, "store") is None


class Clock:
    t = 0.0

    def __call__(self) -> float:
        return self.t


def _write(path: object, text: str) -> None:
    """Replace the file as a Secret update does: a new file renamed over the old one."""
    from pathlib import Path

    p = Path(str(path))
    tmp = p.with_suffix(".new")
    tmp.write_text(text)
    tmp.replace(p)


def test_a_changed_keys_file_is_reloaded_and_revokes_keys(tmp_path: object) -> None:
    from pathlib import Path

    from voxray_runtime.security.keys import ReloadingKeyStore

    p = Path(str(tmp_path)) / "keys.yaml"
    _write(p, YAML)
    clock = Clock()
    store = ReloadingKeyStore(str(p), clock=clock, check_s=10)
    assert store.lookup(K1) is not None
    _write(p, f"keys: [{{id: ops.robot, key: {K2}}}]")
    clock.t += 5  # not checked yet
    assert store.lookup(K1) is not None
    clock.t += 5
    assert store.lookup(K1) is None  # revoked
    assert store.lookup(K2) is not None
    assert (store.reloads, store.ids) == (1, ["ops.robot"])
    # an invalid file keeps the keys in force, and is not retried until it changes again
    _write(p, "keys: [{id: broken}]")
    clock.t += 10
    assert store.lookup(K2) is not None
    assert store.reloads == 1
    # a file that disappears for a moment changes nothing
    p.unlink()
    clock.t += 10
    assert store.lookup(K2) is not None
