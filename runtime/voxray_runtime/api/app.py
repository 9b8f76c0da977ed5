"""The FastAPI application factory (the Serve ingress builds it with its frontend)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

import voxray_runtime
from voxray_runtime.api.errors import install_error_handlers
from voxray_runtime.api.metrics import ApiMetrics, NullMetrics
from voxray_runtime.api.routes import health, speech, voices
from voxray_runtime.api.service import SpeechFrontend

SPEECH_ROUTES = {"/v1/audio/speech": "openai", "/v1/speech": "native"}


def create_app(frontend: SpeechFrontend, metrics: ApiMetrics | None = None) -> FastAPI:
    app = FastAPI(
        title="voxray",
        version=voxray_runtime.__version__,
        description="Multilingual text-to-speech: OpenAI-compatible and native speech, voices, models.",
    )
    app.state.frontend = frontend
    app.state.metrics = metrics or NullMetrics()
    install_error_handlers(app)
    recorder = app.state.metrics

    @app.middleware("http")
    async def count(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Queue depth of the ingress, and requests that ended in an error (successes count themselves)."""
        route = next((r for p, r in SPEECH_ROUTES.items() if request.url.path.endswith(p)), None)
        if route is None:
            return await call_next(request)
        started = time.perf_counter()
        recorder.inflight(1)
        try:
            response = await call_next(request)
        finally:
            recorder.inflight(-1)
        if response.status_code != 200:
            recorder.request(
                route, "unknown", "unknown", "unknown", response.status_code, time.perf_counter() - started
            )
        return response

    app.include_router(speech.router)
    app.include_router(voices.router)
    app.include_router(health.router)
    return app
