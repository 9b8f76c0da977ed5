"""The FastAPI application factory (the Serve ingress builds it with its frontend and security settings).

Everything but ``/healthz`` and ``/readyz`` needs a credential when auth is required, the OpenAPI
document and the docs pages included (they list the models served). See :mod:`voxray_runtime.api.guard`
for the layers every request goes through.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

import voxray_runtime
from voxray_runtime.api.admission import AdmissionConfig
from voxray_runtime.api.admitting import AdmissionMiddleware
from voxray_runtime.api.counting import CountMiddleware
from voxray_runtime.api.deps import SecurityState, documented_auth
from voxray_runtime.api.errors import install_error_handlers, problem_schemas
from voxray_runtime.api.guard import REQUEST_ID_HEADER, ContextMiddleware, GuardMiddleware
from voxray_runtime.api.metrics import ApiMetrics, NullMetrics, NullTextMetrics, TextMetrics
from voxray_runtime.api.routes import (
    batches,
    caller,
    health,
    playground,
    speech,
    text,
    transcriptions,
    voices,
)
from voxray_runtime.api.service import SpeechFrontend
from voxray_runtime.api.text_service import TextFrontend
from voxray_runtime.api.transcription import TranscriptionFrontend
from voxray_runtime.security.audit import load_hmac_key
from voxray_runtime.security.authn import Authenticator
from voxray_runtime.security.config import SecurityArgs
from voxray_runtime.security.limits import ConcurrencyLimiter, RateLimiter

#: response headers a browser page may read (CORS)
EXPOSED_HEADERS = [
    REQUEST_ID_HEADER,
    "Retry-After",
    "X-Voxray-Avatar",
    "X-Voxray-Model",
    "X-Voxray-Engine",
    "X-Voxray-Speaker",
    "X-Voxray-Fallback",
    "X-Voxray-Fallback-Reason",
    "X-Voxray-Duration",
    "X-Voxray-Sample-Rate",
    "X-Voxray-Chunks",
    "X-Voxray-Coalesced",
]


def create_app(
    frontend: SpeechFrontend,
    metrics: ApiMetrics | None = None,
    security: SecurityArgs | None = None,
    authenticator: Authenticator | None = None,
    text_frontend: TextFrontend | None = None,
    text_metrics: TextMetrics | None = None,
    transcription: TranscriptionFrontend | None = None,
    admission: AdmissionConfig | None = None,
) -> FastAPI:
    """``security`` absent means auth disabled with the default limits (in-process use only);
    ``text_frontend`` absent: no TextModel is served (the text routes answer unknown-model)."""
    settings = security or SecurityArgs(auth="disabled")
    authenticator = authenticator or Authenticator.from_settings(settings)
    app = FastAPI(
        title="voxray",
        version=voxray_runtime.__version__,
        description=(
            "Multilingual text-to-speech and text generation: OpenAI-compatible and native speech, "
            "OpenAI-compatible chat and completions, voices, models. "
            "Send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>' (or an OIDC access "
            "token as Bearer) unless the server runs with authentication disabled."
        ),
    )
    app.state.frontend = frontend
    app.state.metrics = metrics or NullMetrics()
    app.state.text = text_frontend
    app.state.text_metrics = text_metrics or NullTextMetrics()
    app.state.transcription = transcription
    app.state.security = SecurityState(settings, load_hmac_key(settings.audit_hmac_key_file))
    install_error_handlers(app)
    documented = [Depends(documented_auth)] if authenticator.required else []
    app.include_router(speech.router, dependencies=documented)
    app.include_router(text.router, dependencies=documented)
    app.include_router(transcriptions.router, dependencies=documented)
    app.include_router(voices.router, dependencies=documented)
    app.include_router(batches.router, dependencies=documented)
    app.include_router(caller.router, dependencies=documented)
    app.include_router(health.router)
    app.include_router(playground.router)

    # outermost last: context (request id, headers, log, audit) > CORS > metrics > guard (auth, limits,
    # body size) > admission ticket (deadline, priority): refusals by the guard are counted too
    app.add_middleware(AdmissionMiddleware, config=admission or AdmissionConfig())
    app.add_middleware(
        GuardMiddleware,
        settings=settings,
        authenticator=authenticator,
        rate=RateLimiter(),
        concurrency=ConcurrencyLimiter(),
        upload_bytes=transcription.limits.max_bytes if transcription is not None else 0,
    )
    app.add_middleware(CountMiddleware, recorder=app.state.metrics, text_recorder=app.state.text_metrics)
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", REQUEST_ID_HEADER],
            expose_headers=EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=600,
        )
    app.add_middleware(ContextMiddleware, settings=settings)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                servers=app.servers,  # FastAPI adds Serve's route prefix (root_path) here
            )
            doc.setdefault("components", {}).setdefault("schemas", {}).update(problem_schemas())
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
