"""Who is calling, and what they may do (pure).

A :class:`Principal` comes from an API key, a JWT, or (auth disabled) is anonymous. Decisions return a
:class:`Denial` (status, slug, message) or ``None``; the API turns a denial into problem+json.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from voxray_runtime.security.config import Scope

ALL_SCOPES: frozenset[Scope] = frozenset({"speech", "store"})

Kind = Literal["api_key", "jwt", "anonymous"]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller (or the anonymous one when auth is disabled)."""

    #: shown in logs and audit events, and the key of rate and concurrency limits
    id: str
    kind: Kind
    #: VoiceModel names this caller may use; ``None``: all
    models: frozenset[str] | None
    scopes: frozenset[Scope]
    #: per-caller overrides of the default limits (``None``: the defaults)
    requests_per_minute: int | None = None
    max_concurrent: int | None = None

    def may_use(self, model: str) -> bool:
        return self.models is None or model in self.models


#: per-caller limits of an anonymous caller on this machine (auth disabled, a loopback client). Every local
#: client shares one address, so the defaults meant for one API key (600/min, 16 in flight) would cap the
#: whole server: the ingress's admission queue bounds the load instead (docs/capacity.md); these only stop
#: a runaway loop. Anonymous callers from other addresses (--insecure-no-auth) keep the defaults.
ANONYMOUS_REQUESTS_PER_MINUTE = 60_000
ANONYMOUS_MAX_CONCURRENT = 10_000


def anonymous(client: str | None) -> Principal:
    """The caller when auth is disabled: every model and scope; limits keyed by the client address (a
    loopback one at :data:`ANONYMOUS_REQUESTS_PER_MINUTE` and :data:`ANONYMOUS_MAX_CONCURRENT`)."""
    local = not client or _is_loopback(client)
    return Principal(
        id="anonymous" if not client else f"anonymous@{client}",
        kind="anonymous",
        models=None,
        scopes=ALL_SCOPES,
        requests_per_minute=ANONYMOUS_REQUESTS_PER_MINUTE if local else None,
        max_concurrent=ANONYMOUS_MAX_CONCURRENT if local else None,
    )


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return address.lower() == "localhost"


def models_from(names: Iterable[str]) -> frozenset[str] | None:
    """``["*"]`` (or any list holding ``*``) means all models."""
    names = list(names)
    return None if "*" in names else frozenset(names)


@dataclass(frozen=True)
class Denial:
    status: int
    slug: str
    title: str
    detail: str
    field: str | None = None


def check_scope(principal: Principal, scope: Scope) -> Denial | None:
    """403 when the caller lacks ``scope`` (``store`` for store=true, ``speech`` for synthesis)."""
    if scope in principal.scopes:
        return None
    have = ", ".join(sorted(principal.scopes)) or "none"
    what = "write files to the audio output (store=true)" if scope == "store" else "synthesize speech"
    return Denial(
        403,
        "insufficient-scope",
        "Insufficient scope",
        f"caller {principal.id} may not {what}: scope {scope!r} is required (granted: {have})",
        field="store" if scope == "store" else None,
    )


def check_model(principal: Principal, model: str, field: str = "model") -> Denial | None:
    """403 when the caller may not use the VoiceModel ``model``."""
    if principal.may_use(model):
        return None
    allowed = ", ".join(sorted(principal.models or ())) or "none"
    return Denial(
        403,
        "model-not-permitted",
        "Model not permitted",
        f"caller {principal.id} may not use model {model!r} (permitted: {allowed})",
        field=field,
    )
