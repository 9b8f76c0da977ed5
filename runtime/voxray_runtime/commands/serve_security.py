"""The security settings ``voxray serve`` derives from its flags (pure)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path

from voxray_runtime.security.config import OidcArgs, SecurityArgs


class InsecureServeError(ValueError):
    """``voxray serve`` on a non-loopback address with no credentials and no explicit opt-out."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_security(
    host: str,
    *,
    api_keys_file: str | None = None,
    oidc_issuer: str | None = None,
    oidc_audience: str | None = None,
    oidc_jwks_url: str | None = None,
    insecure_no_auth: bool = False,
    cors_origins: Sequence[str] = (),
    audit_log: str | None = None,
    retention_s: int | None = None,
) -> tuple[SecurityArgs, list[str]]:
    """The security settings of ``voxray serve`` from its flags, and the warnings to print (pure).

    Credentials given: auth is required. None given: auth is disabled on a loopback address (a local
    developer run), and refused elsewhere unless ``insecure_no_auth`` says so explicitly.
    """
    if (oidc_issuer is None) != (oidc_audience is None):
        raise InsecureServeError("--oidc-issuer and --oidc-audience go together")
    if oidc_jwks_url is not None and oidc_issuer is None:
        raise InsecureServeError("--oidc-jwks-url needs --oidc-issuer and --oidc-audience")
    oidc = (
        OidcArgs(issuer=oidc_issuer, audience=oidc_audience, jwks_url=oidc_jwks_url)
        if oidc_issuer is not None and oidc_audience is not None
        else None
    )
    warnings: list[str] = []
    has_credentials = api_keys_file is not None or oidc is not None
    if insecure_no_auth and has_credentials:
        raise InsecureServeError("--insecure-no-auth contradicts --api-keys-file/--oidc-issuer")
    if insecure_no_auth and not is_loopback(host):
        warnings.append(
            f"WARNING: authentication is DISABLED (--insecure-no-auth) on {host}: anyone who can reach "
            "this address can synthesize speech and write files. Use --api-keys-file or --oidc-issuer "
            "for anything but a throwaway test."
        )
    elif insecure_no_auth:
        warnings.append("warning: authentication is disabled (--insecure-no-auth)")
    elif not has_credentials and not is_loopback(host):
        raise InsecureServeError(
            f"serving on {host} (beyond loopback) requires authentication: give --api-keys-file "
            "(or --oidc-issuer and --oidc-audience), or --insecure-no-auth to disable it explicitly"
        )
    elif not has_credentials:
        warnings.append(
            f"warning: authentication is disabled: {host} is a loopback address and no --api-keys-file "
            "or --oidc-issuer was given (local development only)"
        )
    security = SecurityArgs(
        auth="required" if has_credentials else "disabled",
        api_keys_file=str(Path(api_keys_file).resolve()) if api_keys_file else None,
        oidc=oidc,
        cors_allow_origins=list(cors_origins),
        audit_log_file=str(Path(audit_log).resolve()) if audit_log else None,
        retention_seconds=retention_s,
    )
    return security, warnings
