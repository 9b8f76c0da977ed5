"""``voxray serve``'s security rule: auth required beyond loopback unless explicitly disabled; disabled
with a warning on loopback when no credentials are given (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from voxray_runtime.cli import build_parser
from voxray_runtime.commands.serve_security import InsecureServeError, is_loopback, serve_security


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.53", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.1.2.3", False),
        ("voxray.example.com", False),
    ],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_loopback_without_credentials_disables_auth_with_a_warning() -> None:
    settings, warnings = serve_security("127.0.0.1")
    assert settings.auth == "disabled"
    assert len(warnings) == 1
    assert "authentication is disabled" in warnings[0]
    assert "loopback" in warnings[0]


def test_beyond_loopback_without_credentials_is_refused() -> None:
    with pytest.raises(
        InsecureServeError, match=r"requires authentication.*--api-keys-file.*--insecure-no-auth"
    ):
        serve_security("0.0.0.0")


def test_insecure_no_auth_is_explicit_and_loud() -> None:
    settings, warnings = serve_security("0.0.0.0", insecure_no_auth=True)
    assert settings.auth == "disabled"
    assert warnings[0].startswith("WARNING: authentication is DISABLED")
    with pytest.raises(InsecureServeError, match="contradicts"):
        serve_security("0.0.0.0", insecure_no_auth=True, api_keys_file="k.yaml")


def test_credentials_make_auth_required_on_any_host(tmp_path: Path) -> None:
    keys = tmp_path / "keys.yaml"
    for host in ("127.0.0.1", "0.0.0.0"):
        settings, warnings = serve_security(host, api_keys_file=str(keys), cors_origins=["https://a.test"])
        assert (settings.auth, settings.api_keys_file, warnings) == ("required", str(keys.resolve()), [])
        assert settings.cors_allow_origins == ["https://a.test"]
    settings, _ = serve_security(
        "0.0.0.0", oidc_issuer="https://id.test", oidc_audience="voxray", oidc_jwks_url="https://id.test/k"
    )
    assert settings.oidc is not None
    assert (settings.auth, settings.oidc.jwks_url) == ("required", "https://id.test/k")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"oidc_issuer": "https://id.test"}, "go together"),
        ({"oidc_audience": "voxray"}, "go together"),
        ({"oidc_jwks_url": "https://id.test/k"}, "needs --oidc-issuer"),
    ],
)
def test_incomplete_oidc_flags(kwargs: dict[str, str], words: str) -> None:
    with pytest.raises(InsecureServeError, match=words):
        serve_security("127.0.0.1", **kwargs)


def test_audit_log_and_retention_flags(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        [
            "serve",
            "--audit-log",
            str(tmp_path / "a.jsonl"),
            "--retention",
            "3600",
            "--cors-origin",
            "https://x.test",
        ]
    )
    settings, _ = serve_security(
        args.host,
        audit_log=args.audit_log,
        retention_s=args.retention,
        cors_origins=args.cors_origin,
        insecure_no_auth=args.insecure_no_auth,
    )
    assert settings.audit_log_file == str((tmp_path / "a.jsonl").resolve())
    assert settings.retention_seconds == 3600
    assert settings.cors_allow_origins == ["https://x.test"]


def test_serve_refuses_a_bad_keys_file_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from voxray_runtime.cli import main

    bad = tmp_path / "keys.yaml"
    bad.write_text("keys: [{id: a, key: too-short}]")
    assert main(["serve", "--api-keys-file", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "keys.0.key" in err
    assert "too-short" not in err
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "requires authentication" in capsys.readouterr().err
