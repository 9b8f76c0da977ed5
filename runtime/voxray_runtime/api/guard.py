"""The API's protective layers, as plain ASGI middleware (they also see streamed bodies and responses).

Outermost first:

1. :class:`ContextMiddleware`: request id (a sane ``X-Request-ID`` is kept, else one is made; Serve's
   proxy echoes the id it was given or made, this layer adds its own when it replaced one),
   security headers on every response, unexpected errors as a 500 problem, one JSON access-log line, and
   an audit event for every speech and text-generation request whatever its outcome.
2. CORS (Starlette's), only when origins are configured: answers preflights before authentication.
3. :class:`GuardMiddleware`: for all but the health endpoints and the Playground's page and assets
   (:func:`voxray_runtime.api.headers.is_public`), authentication, the per-caller rate
   limit and concurrency limit (429 + Retry-After), and the body size limit (413: from Content-Length
   before anything is read, else by counting the bytes as they arrive; the body is read here, at most
   the limit, and handed on to the app).

Per-request facts travel in a :class:`RequestContext` stored in ``scope["state"]`` (``request.state``).
"""

from __future__ import annotations

import logging
import re
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers

from voxray_runtime.api.errors import PROBLEM_CONTENT_TYPE, Problem, error_media_type
from voxray_runtime.api.headers import CSP_DOCS, CSP_NONE, PUBLIC_PATHS, SECURITY_HEADERS, is_public
from voxray_runtime.api.text_service import TEXT_PATHS
from voxray_runtime.security.audit import Action, AuditEvent, Outcome, emit
from voxray_runtime.security.authn import Authenticator, AuthError
from voxray_runtime.security.config import SecurityArgs
from voxray_runtime.security.limits import ConcurrencyLimiter, LimitDecision, RateLimiter
from voxray_runtime.security.logs import caller_var, request_id_var
from voxray_runtime.security.principal import Principal

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STATE_KEY = "voxray"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")

#: requests that synthesize speech: audited
SPEECH_PATHS = {"/v1/audio/speech": "openai", "/v1/speech": "native"}
#: routes that take an upload (their body limit is the upload limit)
UPLOAD_PATHS = frozenset({"/v1/audio/transcriptions"})
#: every audited route (speech and text generation) by path
AUDITED_PATHS: dict[str, str] = {**SPEECH_PATHS, **TEXT_PATHS}


access_log = logging.getLogger("voxray.access")
app_log = logging.getLogger("voxray.api")


@dataclass
class RequestContext:
    """What one request accumulates on its way through the layers and the route."""

    request_id: str
    method: str
    path: str
    started: float
    principal: Principal | None = None
    #: audit details the route fills in (model, voice, text length and hash, output path...)
    action: Action = "synthesize"
    model: str | None = None
    voice: str | None = None
    language: str | None = None
    chars: int | None = None
    text_hmac: str | None = None
    text: str | None = None  # only when log_text is on
    output_path: str | None = None
    stored_bytes: int | None = None
    #: further audit details (a generation's token counts and finish reason)
    detail: dict[str, str | int | float | bool | None] = field(default_factory=dict)
    #: the problem slug of an error answer (why it failed, without the text)
    problem: str | None = None
    status: int = 0
    sent_bytes: int = 0
    content_type: str = ""
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    @property
    def caller(self) -> str:
        return self.principal.id if self.principal else "unauthenticated"


def route_path(scope: Scope) -> str:
    """The path inside the app (Serve's route prefix stripped)."""
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", "") or "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    return path


def request_context(scope: Scope) -> RequestContext | None:
    state = scope.get("state")
    ctx = state.get(STATE_KEY) if isinstance(state, MutableMapping) else None
    return ctx if isinstance(ctx, RequestContext) else None


async def send_problem(send: Send, problem: Problem, instance: str, scope: Scope | None = None) -> None:
    """Answer with a problem+json body (used before the app has run); with ``scope``, as the request
    asks on OpenAI's routes (:func:`voxray_runtime.api.errors.error_media_type`)."""
    import json

    body = json.dumps(problem.body(instance)).encode()
    media = PROBLEM_CONTENT_TYPE
    if scope is not None:
        media = error_media_type(route_path(scope), Headers(scope=scope).get("accept", ""))
    headers = [
        (b"content-type", media.encode()),
        (b"content-length", str(len(body)).encode()),
    ] + [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in problem.headers.items()]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ContextMiddleware:
    def __init__(self, app: ASGIApp, settings: SecurityArgs) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        sane = bool(_REQUEST_ID.match(given))
        rid = given if sane else uuid.uuid4().hex
        path = route_path(scope)
        ctx = RequestContext(rid, str(scope.get("method", "")), path, time.perf_counter())
        scope.setdefault("state", {})[STATE_KEY] = ctx
        rid_token = request_id_var.set(rid)
        caller_token = caller_var.set(None)
        started_response = False

        async def send_wrapped(message: Message) -> None:
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
                ctx.status = int(message["status"])
                raw = list(message.get("headers", []))
                names = {k.lower() for k, _ in raw}
                ctx.content_type = next(
                    (v.decode("latin-1") for k, v in raw if k.lower() == b"content-type"), ""
                )
                if not sane:
                    # a sane id is echoed already by Serve's proxy (it adds or passes X-Request-ID)
                    raw.append((b"x-request-id", rid.encode()))
                for k, v in SECURITY_HEADERS:
                    if k not in names:
                        raw.append((k, v))
                if b"content-security-policy" not in names:
                    is_html = ctx.content_type.startswith("text/html")
                    raw.append((b"content-security-policy", CSP_DOCS if is_html else CSP_NONE))
                if b"cache-control" not in names:
                    raw.append((b"cache-control", b"no-store"))
                message["headers"] = raw
            elif message["type"] == "http.response.body":
                ctx.sent_bytes += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapped)
        except Exception as exc:
            # frames only: an exception's message may quote the text (logged only with log_text)
            frames = "".join(traceback.format_tb(exc.__traceback__))[-8000:]
            app_log.error(
                "unhandled error: %s",
                type(exc).__name__,
                exc_info=exc if self.settings.log_text else None,
                extra={"path": path, "frames": frames},
            )
            ctx.problem = "internal-error"
            if started_response:  # a stream that broke off: the audit says error, not the 200 sent
                raise
            await send_problem(
                send_wrapped,
                Problem(500, "internal-error", "Internal error", f"internal error ({type(exc).__name__})"),
                scope.get("path", path),
                scope,
            )
        finally:
            for cleanup in ctx.cleanups:
                cleanup()
            ctx.cleanups.clear()
            self._log(ctx)
            request_id_var.reset(rid_token)
            caller_var.reset(caller_token)

    def _log(self, ctx: RequestContext) -> None:
        elapsed_ms = round((time.perf_counter() - ctx.started) * 1000, 1)
        extra: dict[str, Any] = {
            "caller": ctx.caller,
            "method": ctx.method,
            "path": ctx.path,
            "status": ctx.status,
            "bytes": ctx.sent_bytes,
            "duration_ms": elapsed_ms,
        }
        if ctx.chars is not None:
            extra |= {"chars": ctx.chars, "text_hmac": ctx.text_hmac}
        if ctx.text is not None and self.settings.log_text:
            extra["text"] = ctx.text
        if ctx.problem:
            extra["problem"] = ctx.problem
        if ctx.path not in PUBLIC_PATHS:  # probes are not logged; page loads are
            access_log.info("%s %s %d", ctx.method, ctx.path, ctx.status, extra=extra)
        if ctx.method == "POST" and ctx.path in AUDITED_PATHS:
            self._audit(ctx, elapsed_ms)

    def _audit(self, ctx: RequestContext, elapsed_ms: float) -> None:
        outcome: Outcome
        action: Action = ctx.action
        if ctx.status in (401,) or (ctx.status == 503 and ctx.problem == "auth-unavailable"):
            outcome, action = "denied", "auth.denied"
        elif ctx.status == 403:
            outcome = "denied"
        elif ctx.status == 429:
            outcome = "rate_limited"
        elif 200 <= ctx.status < 300 and ctx.problem is None:
            outcome = "ok"
        else:
            outcome = "error"
        detail: dict[str, str | int | float | bool | None] = {"route": AUDITED_PATHS[ctx.path], **ctx.detail}
        if ctx.problem:
            detail["problem"] = ctx.problem
        emit(
            AuditEvent(
                action=action,
                outcome=outcome,
                actor=ctx.caller,
                request_id=ctx.request_id,
                model=ctx.model,
                voice=ctx.voice,
                language=ctx.language,
                chars=ctx.chars,
                text_hmac=ctx.text_hmac,
                bytes=ctx.stored_bytes
                if ctx.stored_bytes is not None
                else (ctx.sent_bytes if outcome == "ok" else None),
                output_path=ctx.output_path,
                status=ctx.status,
                duration_ms=elapsed_ms,
                detail=detail,
            )
        )


def _too_many(slug: str, title: str, detail: str, decision: LimitDecision) -> Problem:
    """A 429 for a limit the caller is over, saying in Retry-After when to try again."""
    return Problem(429, slug, title, detail, headers={"Retry-After": str(decision.retry_after_s)})


class GuardMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        settings: SecurityArgs,
        authenticator: Authenticator,
        rate: RateLimiter | None = None,
        concurrency: ConcurrencyLimiter | None = None,
        upload_bytes: int = 0,
    ) -> None:
        self.app = app
        self.upload_bytes = upload_bytes
        self.settings = settings
        self.auth = authenticator
        self.rate = rate or RateLimiter()
        self.concurrency = concurrency or ConcurrencyLimiter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ctx = request_context(scope)
        path = route_path(scope)
        instance = str(scope.get("path", path))
        if is_public(path):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        client = scope.get("client")
        try:
            principal = await self.auth.authenticate(headers, client[0] if client else None)
        except AuthError as exc:
            if ctx:
                ctx.problem = exc.slug
            title = "Authentication required" if exc.status == 401 else "Authentication unavailable"
            problem = Problem(
                exc.status, exc.slug, title, exc.detail, headers={"WWW-Authenticate": exc.challenge}
            )
            if exc.status == 503:
                problem.headers["Retry-After"] = "5"
            await send_problem(send, problem, instance, scope)
            return
        if ctx:
            ctx.principal = principal
        caller_var.set(principal.id)

        upload = path in UPLOAD_PATHS  # an upload route's limit is its upload's, form fields aside
        limit = max(self.settings.max_body_bytes, self.upload_bytes + 65536 if upload else 0)
        refused = self._declared_too_big(headers, limit) or self._limit(principal, ctx)
        if refused is not None:
            if ctx:
                ctx.problem = refused.slug
            await send_problem(send, refused, instance, scope)
            return
        messages, too_big = await self._read_body(receive, limit)
        if too_big is not None:
            if ctx:
                ctx.problem = too_big.slug
            await send_problem(send, too_big, instance, scope)
            return
        await self.app(scope, replay(messages, receive), send)

    def _limit(self, principal: Principal, ctx: RequestContext | None) -> Problem | None:
        rpm = principal.requests_per_minute or self.settings.requests_per_minute
        rate = self.rate.acquire(principal.id, rpm)
        if not rate.allowed:
            over = f"caller {principal.id} is over its rate limit of {rpm} requests per minute"
            return _too_many(
                "rate-limited", "Too many requests", f"{over}; retry in {rate.retry_after_s} s", rate
            )
        limit = principal.max_concurrent or self.settings.max_concurrent
        conc = self.concurrency.acquire(principal.id, limit)
        if not conc.allowed:
            busy = f"caller {principal.id} already has {limit} requests in flight (its limit)"
            return _too_many(
                "too-many-concurrent",
                "Too many concurrent requests",
                f"{busy}; retry when one has finished",
                conc,
            )
        if ctx is not None:
            ctx.cleanups.append(lambda: self.concurrency.release(principal.id))
        else:  # pragma: no cover - the context middleware always runs first
            self.concurrency.release(principal.id)
        return None

    def _too_big(self, size: str, limit: int) -> Problem:
        return Problem(
            413,
            "body-too-large",
            "Request body too large",
            f"the request body is {size}; the limit is {limit} bytes",
            field="body",
        )

    def _declared_too_big(self, headers: Headers, limit: int) -> Problem | None:
        declared = headers.get("content-length")
        if declared is None:
            return None
        if not declared.strip().isdigit():
            return Problem(
                400, "invalid-request", "Invalid request", "the Content-Length header is not a number"
            )
        if int(declared) > limit:
            return self._too_big(f"{int(declared)} bytes", limit)
        return None

    async def _read_body(self, receive: Receive, limit: int) -> tuple[list[Message], Problem | None]:
        """Read the body up to the limit, counting the bytes as they arrive (a chunked body has no
        Content-Length): past the limit, stop reading and refuse with 413."""
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages, None
            seen += len(message.get("body", b""))
            if seen > limit:
                return messages, self._too_big(f"over {limit} bytes", limit)
            if not message.get("more_body", False):
                return messages, None


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands out the buffered messages, then defers to the server's."""
    pending = list(messages)

    async def wrapped() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return wrapped
