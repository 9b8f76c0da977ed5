"""The metrics layer of the API, as plain ASGI middleware (no per-chunk hand-off for streamed bodies).

Counts the requests that end in an error answer (successes count themselves in their route, with their
labels) and keeps the ingress's in-flight gauge for the speech routes.
"""

from __future__ import annotations

import time

from voxray_runtime.api.guard import (
    SPEECH_PATHS,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    request_context,
    route_path,
)
from voxray_runtime.api.metrics import ApiMetrics, TextMetrics
from voxray_runtime.api.text_service import TEXT_PATHS


class CountMiddleware:
    def __init__(self, app: ASGIApp, recorder: ApiMetrics, text_recorder: TextMetrics) -> None:
        self.app = app
        self.recorder = recorder
        self.text_recorder = text_recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        text_route = next((r for p, r in TEXT_PATHS.items() if path.endswith(p)), None)
        route = next((r for p, r in SPEECH_PATHS.items() if path.endswith(p)), None)
        if text_route is None and route is None:
            await self.app(scope, receive, send)
            return
        status = 0

        async def send_wrapped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        if text_route is not None:
            await self.app(scope, receive, send_wrapped)
            if status != 200:
                ctx = request_context(scope)
                self.text_recorder.request((ctx.model if ctx else None) or "unknown", text_route, status)
            return
        assert route is not None
        started = time.perf_counter()
        self.recorder.inflight(1)
        try:
            await self.app(scope, receive, send_wrapped)
        finally:
            self.recorder.inflight(-1)
        if status != 200:
            self.recorder.request(
                route, "unknown", "unknown", "unknown", status, time.perf_counter() - started
            )
