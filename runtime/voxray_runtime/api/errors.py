"""RFC 9457 problem details: every error the API returns is ``application/problem+json``.

Every body also carries OpenAI's error object as its member ``error`` (``message``, ``type``, ``param``,
``code``, as OpenAI's ``ErrorResponse`` defines them), so that it validates against OpenAI's published
schema: ``type`` is OpenAI's error class for the status, ``param`` the field at fault (or null) and
``code`` the problem's slug in snake_case (``unknown_model``, ``max_tokens_too_large``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_TYPE_BASE = "https://voxray.io/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"
#: the OpenAI-compatible routes (and ``/v1/models/{model}`` below ``/v1/models``)
OPENAI_ROUTES = frozenset({"/v1/audio/speech", "/v1/chat/completions", "/v1/completions", "/v1/models"})


def error_media_type(path: str, accept: str) -> str:
    """``application/problem+json``, except on an OpenAI route for a client that asks for JSON and not
    for problem+json (OpenAI's SDKs send ``Accept: application/json``): the same body, as
    ``application/json``, the media type of OpenAI's ErrorResponse. ``path`` is inside the app."""
    accept = accept.lower()
    openai_route = path in OPENAI_ROUTES or path.startswith("/v1/models/")
    if openai_route and "application/json" in accept and "problem+json" not in accept:
        return "application/json"
    return PROBLEM_CONTENT_TYPE


class Problem(Exception):  # noqa: N818 - RFC 9457 calls it a problem
    """An error with an HTTP status, a stable type slug and a message fit to show the caller."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.field = field
        self.headers = headers or {}
        self.errors = errors or ([{"field": field, "message": detail}] if field else [])

    def body(self, instance: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            out["instance"] = instance
        if self.errors:
            out["errors"] = self.errors
        # OpenAI's error object as an extension member (OpenAI's ErrorResponse): OpenAI clients read it
        out["error"] = self.openai_error()
        return out

    def openai_error(self) -> dict[str, str | None]:
        """OpenAI's ``Error`` object: ``code`` a string, ``param`` the field at fault or null."""
        param = self.field or (self.errors[0]["field"] if self.errors else None)
        return {
            "message": self.detail,
            "type": openai_error_type(self.status),
            "param": param,
            "code": self.slug.replace("-", "_"),
        }


def openai_error_type(status: int) -> str:
    """OpenAI's error class for an HTTP status (the classes OpenAI's SDKs raise for them)."""
    if status >= 500:
        return "server_error"
    return {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}.get(
        status, "invalid_request_error"
    )


#: what each status means on this API (the OpenAPI document's response descriptions)
_MEANINGS = {
    400: "invalid request: unknown voice, language or model, unspeakable text, malformed body",
    401: "authentication required or credentials invalid (WWW-Authenticate: Bearer)",
    403: "the caller may not use this model, or lacks the scope (store=true needs 'store')",
    404: "no such resource",
    413: "request body or text too long (the message gives the limit)",
    422: "request validation failed: the fields and why (unknown fields are refused)",
    429: "too many requests or too many in flight for this caller (Retry-After)",
    500: "internal error",
    503: "overloaded or not ready (Retry-After)",
    504: "synthesis timed out",
    507: "the audio could not be stored",
}
_HEADERS: dict[int, dict[str, object]] = {
    401: {"WWW-Authenticate": {"description": "the Bearer challenge", "schema": {"type": "string"}}},
    429: {
        "Retry-After": {
            "description": "seconds to wait before retrying",
            "required": True,
            "schema": {"type": "integer"},
        }
    },
    503: {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}},
}
PROBLEM_SCHEMA_NAME = "Problem"


def problem_responses(*statuses: int, openai: bool = False) -> dict[int | str, dict[str, object]]:
    """OpenAPI ``responses`` entries for error statuses: problem+json bodies (schema ``Problem``); on
    OpenAI's routes (``openai``) also as ``application/json`` (see :func:`error_media_type`)."""
    out: dict[int | str, dict[str, object]] = {}
    schema = {"schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}}
    for status in statuses:
        content = {PROBLEM_CONTENT_TYPE: schema} | ({"application/json": schema} if openai else {})
        entry: dict[str, object] = {"description": _MEANINGS.get(status, "error"), "content": content}
        if status in _HEADERS:
            entry["headers"] = _HEADERS[status]
        out[status] = entry
    return out


def problem_schemas() -> dict[str, object]:
    """JSON schemas of the problem body, for the OpenAPI document's components."""
    return {
        PROBLEM_SCHEMA_NAME: {
            "title": "Problem",
            "description": (
                "RFC 9457 problem details, with OpenAI's error object as the member 'error' (so that the "
                "body is also OpenAI's ErrorResponse)."
            ),
            "type": "object",
            "required": ["type", "title", "status", "detail", "error"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
                "error": {
                    "type": "object",
                    "required": ["message", "type", "param", "code"],
                    "properties": {
                        "message": {"type": "string"},
                        "type": {
                            "type": "string",
                            "description": "OpenAI's error class: invalid_request_error, "
                            "authentication_error, permission_error, rate_limit_error or server_error",
                        },
                        "param": {"type": ["string", "null"], "description": "the field at fault"},
                        "code": {
                            "type": ["string", "null"],
                            "description": "the problem type's slug in snake_case",
                        },
                    },
                },
            },
        }
    }


def bad_request(detail: str, field: str | None = None, slug: str = "invalid-request") -> Problem:
    return Problem(400, slug, "Invalid request", detail, field=field)


def problem_response(
    problem: Problem, instance: str | None = None, media_type: str = PROBLEM_CONTENT_TYPE
) -> JSONResponse:
    return JSONResponse(
        problem.body(instance), status_code=problem.status, headers=problem.headers, media_type=media_type
    )


def _answer(request: Request, problem: Problem) -> JSONResponse:
    path, root = request.scope.get("path", ""), request.scope.get("root_path", "") or ""
    inside = path[len(root) :] if root and path.startswith(root) else path
    media = error_media_type(inside, request.headers.get("accept", ""))
    return problem_response(_noted(request, problem), request.url.path, media)


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def _validation_problem(exc: RequestValidationError) -> Problem:
    errors = []
    for e in exc.errors():
        msg = str(e.get("msg", "invalid value")).removeprefix("Value error, ")
        errors.append({"field": _field(tuple(e.get("loc", ()))), "message": msg})
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return Problem(
            400, "malformed-body", "Malformed request body", "the body is not valid JSON", errors=errors
        )
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return Problem(422, "validation-error", "Request validation failed", detail, errors=errors)


def _noted(request: Request, problem: Problem) -> Problem:
    """Tell the request's context (logs, audit) which problem it ended in."""
    state = request.scope.get("state")
    ctx = state.get("voxray") if isinstance(state, dict) else None
    if ctx is not None and hasattr(ctx, "problem"):
        ctx.problem = problem.slug
    return problem


def install_error_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return _answer(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _answer(request, _validation_problem(exc))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        p = Problem(
            exc.status_code, slug, str(exc.detail), f"{request.method} {request.url.path}: {exc.detail}"
        )
        return _answer(request, p)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        p = Problem(500, "internal-error", "Internal error", f"synthesis failed: {type(exc).__name__}: {exc}")
        return _answer(request, p)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
