"""FastAPI dependencies: the frontend, metrics and security settings live on ``app.state``; the caller and
the request's context on ``request.state`` (set by :mod:`voxray_runtime.api.guard`)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from voxray_runtime.api.errors import Problem
from voxray_runtime.api.guard import RequestContext, request_context, route_path
from voxray_runtime.api.metrics import ApiMetrics, NullTextMetrics, TextMetrics
from voxray_runtime.api.service import SpeechFrontend
from voxray_runtime.api.text_service import TextFrontend
from voxray_runtime.security.config import SecurityArgs
from voxray_runtime.security.logs import text_fields
from voxray_runtime.security.principal import Principal, anonymous


@dataclass(frozen=True)
class SecurityState:
    settings: SecurityArgs
    #: key of the keyed hash of texts in logs and audit events
    hmac_key: bytes

    def note_text(self, ctx: RequestContext, text: str) -> None:
        """Record what logs and audit events may say about the text (length, keyed hash)."""
        fields = text_fields(text, self.hmac_key, self.settings.log_text)
        ctx.chars = fields["chars"]
        ctx.text_hmac = fields["text_hmac"]
        ctx.text = fields.get("text")


def get_frontend(request: Request) -> SpeechFrontend:
    return cast(SpeechFrontend, request.app.state.frontend)


def get_metrics(request: Request) -> ApiMetrics:
    return cast(ApiMetrics, request.app.state.metrics)


def get_text_frontend(request: Request) -> TextFrontend:
    text = getattr(request.app.state, "text", None)
    if text is None:
        raise Problem(
            400,
            "unknown-model",
            "Unknown model",
            "this server serves no text model (no TextModel)",
            field="model",
        )
    return cast(TextFrontend, text)


def get_text_metrics(request: Request) -> TextMetrics:
    return cast(TextMetrics, getattr(request.app.state, "text_metrics", None) or NullTextMetrics())


def get_security(request: Request) -> SecurityState:
    return cast(SecurityState, request.app.state.security)


def get_context(request: Request) -> RequestContext:
    ctx = request_context(request.scope)
    if ctx is None:  # the app mounted without its middleware (never in the Serve app)
        ctx = RequestContext(uuid.uuid4().hex, request.method, route_path(request.scope), time.perf_counter())
        request.scope.setdefault("state", {})["voxray"] = ctx
    return ctx


def get_caller(ctx: Annotated[RequestContext, Depends(get_context)]) -> Principal:
    """The authenticated caller (the guard has already refused requests without one)."""
    return ctx.principal or anonymous(None)


#: how the OpenAPI document describes authentication (the guard middleware enforces it)
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API key, or an OIDC access token (JWT) when an issuer is configured.",
)
api_key_scheme = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="apiKey", description="An API key."
)


async def documented_auth(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    api_key: Annotated[str | None, Security(api_key_scheme)],
) -> None:
    """Documentation only: lists the schemes on the operations that need them."""
    return None


Frontend = Annotated[SpeechFrontend, Depends(get_frontend)]
Metrics = Annotated[ApiMetrics, Depends(get_metrics)]
TextFrontendDep = Annotated[TextFrontend, Depends(get_text_frontend)]
TextMetricsDep = Annotated[TextMetrics, Depends(get_text_metrics)]
SecurityStateDep = Annotated[SecurityState, Depends(get_security)]
Context = Annotated[RequestContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(get_caller)]
