"""Authentication: request headers -> :class:`Principal`, or an :class:`AuthError` saying what is wrong.

API keys are looked up first (constant time over all keys); a bearer value that is not a known key and
looks like a JWT is then checked against the OIDC issuer when one is configured. With ``auth: disabled``
every caller is anonymous (limits still apply, keyed by the client address).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from voxray_runtime.security.config import SecurityArgs
from voxray_runtime.security.keys import (
    ApiKeyStore,
    CredentialError,
    ReloadingKeyStore,
    extract_credential,
)
from voxray_runtime.security.oidc import JwksUnavailableError, JwtValidator, TokenError, fetcher_for
from voxray_runtime.security.principal import Principal, anonymous

REALM = "voxray"


@dataclass(frozen=True)
class AuthError(Exception):
    """Not authenticated: 401 (or 503 when the issuer's keys cannot be fetched)."""

    status: int
    slug: str
    detail: str
    #: the ``WWW-Authenticate`` challenge (RFC 6750)
    challenge: str

    def __str__(self) -> str:
        return self.detail


def _challenge(error: str | None = None, description: str | None = None) -> str:
    parts = [f'Bearer realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        safe = description.replace('"', "'").replace("\\", "/")
        parts.append(f'error_description="{safe}"')
    return ", ".join(parts)


MISSING = "authentication required: send 'Authorization: Bearer <API key or token>' or 'X-API-Key: <API key>'"


class Authenticator:
    def __init__(
        self,
        settings: SecurityArgs,
        keys: ApiKeyStore | ReloadingKeyStore | None = None,
        jwt: JwtValidator | None = None,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self.jwt = jwt

    @classmethod
    def from_settings(cls, settings: SecurityArgs) -> Authenticator:
        """Load the keys file (reloaded when it changes) and set up the JWKS fetcher (raises
        ``KeyFileError`` on a bad file)."""
        if settings.auth == "disabled":
            return cls(settings)
        keys = ReloadingKeyStore(settings.api_keys_file) if settings.api_keys_file else None
        jwt = JwtValidator(settings.oidc, fetcher_for(settings.oidc)) if settings.oidc else None
        return cls(settings, keys, jwt)

    @property
    def required(self) -> bool:
        return self.settings.auth == "required"

    async def authenticate(self, headers: Mapping[str, str], client: str | None) -> Principal:
        """``headers`` with lower-case names. Raises :class:`AuthError`."""
        if not self.required:
            return anonymous(client)
        try:
            cred = extract_credential(headers)
        except CredentialError as exc:
            raise AuthError(401, "invalid-credentials", str(exc), _challenge("invalid_request")) from exc
        if cred is None:
            raise AuthError(401, "authentication-required", MISSING, _challenge())
        if self.keys is not None:
            principal = self.keys.lookup(cred.value)
            if principal is not None:
                return principal
        if self.jwt is not None and cred.looks_like_jwt:
            try:
                return await self.jwt.validate(cred.value)
            except TokenError as exc:
                raise AuthError(
                    401, "invalid-token", str(exc), _challenge("invalid_token", str(exc))
                ) from exc
            except JwksUnavailableError as exc:
                raise AuthError(
                    503,
                    "auth-unavailable",
                    "bearer tokens cannot be checked right now: the issuer's keys are unavailable",
                    _challenge(),
                ) from exc
        what = "API key or token" if self.jwt is not None else "API key"
        raise AuthError(
            401,
            "invalid-credentials",
            f"the {what} is not valid",
            _challenge("invalid_token", f"the {what} is not valid"),
        )
