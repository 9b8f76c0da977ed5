"""Text generation, OpenAI-compatible: ``POST /v1/chat/completions`` and ``POST /v1/completions``.

Streaming answers are server-sent events in OpenAI's chunk format, ending with ``data: [DONE]``; with
``stream_options.include_usage`` a last chunk carries the usage. The status is decided before the
stream starts (the replica's first event is ``start`` or an error), so a refused request is a
problem+json answer, never a broken stream. A client that goes away cancels its generation.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import StreamingResponse

from voxray_runtime.api.deps import Caller, Context, SecurityStateDep, TextFrontendDep, TextMetricsDep
from voxray_runtime.api.errors import Problem, problem_responses
from voxray_runtime.api.guard import RequestContext
from voxray_runtime.api.metrics import TextMetrics
from voxray_runtime.api.openai_compat import finish_reason
from voxray_runtime.api.text_schemas import (
    AssistantMessage,
    ChatChoice,
    ChatCompletion,
    ChatCompletionRequest,
    CompletionChoice,
    CompletionRequest,
    TextCompletion,
    UsageInfo,
)
from voxray_runtime.api.text_service import (
    TextFrontend,
    TextJob,
    TextModelEntry,
    chat_job,
    completion_job,
    usage_of,
)
from voxray_runtime.security.principal import Principal, check_model

router = APIRouter(prefix="/v1", tags=["text"])

_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "the completion (JSON), or with stream=true server-sent events of chunks",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    **problem_responses(400, 401, 403, 413, 422, 429, 500, 503, 504, openai=True),
}


def _authorize(caller: Principal, ctx: RequestContext, model: TextModelEntry) -> None:
    """API keys' ``models`` name TextModels by resource name (or served id), as VoiceModels."""
    ctx.model = model.name
    if caller.may_use(model.name) or caller.may_use(model.id):
        return
    denial = check_model(caller, model.name)
    assert denial is not None
    raise Problem(denial.status, denial.slug, denial.title, denial.detail, field=denial.field)


def _problem(ev: dict[str, Any]) -> Problem:
    """A replica's error event as the answer."""
    headers = {"Retry-After": str(ev["retry_after_s"])} if ev.get("retry_after_s") else None
    titles = {400: "Invalid request", 429: "Too many requests", 503: "Overloaded"}
    titles[504] = "Generation timed out"
    title = titles.get(int(ev["status"]), "Generation failed")
    return Problem(
        int(ev["status"]), str(ev["slug"]), title, str(ev["detail"]), field=ev.get("field"), headers=headers
    )


def _note_done(
    ctx: RequestContext, metrics: TextMetrics, job: TextJob, done: dict[str, Any], ttft: float | None
) -> None:
    ctx.detail.update(
        prompt_tokens=int(done["prompt_tokens"]),
        completion_tokens=int(done["completion_tokens"]),
        finish_reason=str(done["finish_reason"]),
    )
    if ttft is not None:
        metrics.first_token(job.model.id, ttft)
    n, decode_s = int(done["completion_tokens"]) - 1, float(done["decode_s"])
    rate = n / decode_s if n > 0 and decode_s > 0 else 0.0
    metrics.tokens(job.model.id, int(done["prompt_tokens"]), int(done["completion_tokens"]), rate)


def _chunk(
    job: TextJob, delta: dict[str, Any] | None, text: str | None, finish: str | None
) -> dict[str, Any]:
    """One chunk as OpenAI streams it (``finish_reason`` null until the last choice chunk)."""
    head = {"created": job.created, "model": job.model.id, "system_fingerprint": job.model.system_fingerprint}
    if job.route == "chat":
        return {
            "id": f"chatcmpl-{job.request_id}",
            "object": "chat.completion.chunk",
            **head,
            "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish, "logprobs": None}],
        }
    return {
        "id": f"cmpl-{job.request_id}",
        "object": "text_completion",
        **head,
        "choices": [{"index": 0, "text": text or "", "finish_reason": finish, "logprobs": None}],
    }


def _sse(obj: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


async def _stream(
    frontend: TextFrontend, metrics: TextMetrics, ctx: RequestContext, job: TextJob, started: float
) -> Response:
    events = frontend.backend.generate(job)
    first = await anext(events, None)
    if first is None or first["event"] == "error":
        await events.aclose()
        raise _problem(
            first or {"status": 500, "slug": "generation-failed", "detail": "no answer from the model"}
        )

    async def body() -> AsyncIterator[bytes]:
        status, ttft = 200, None
        try:
            if job.route == "chat":
                yield _sse(_chunk(job, {"role": "assistant", "content": ""}, None, None))
            async for ev in events:
                kind = ev["event"]
                if kind == "text":
                    if ttft is None:
                        ttft = time.perf_counter() - started
                    yield _sse(_chunk(job, {"content": ev["text"]}, ev["text"], None))
                elif kind == "done":
                    _note_done(ctx, metrics, job, ev, ttft)
                    yield _sse(_chunk(job, {}, "", finish_reason(str(ev["finish_reason"]))))
                    if job.include_usage:
                        yield _sse(_chunk(job, None, None, None) | {"choices": [], "usage": usage_of(ev)})
                    break
                else:  # an error after the stream began: say so in the stream, as OpenAI does
                    status = int(ev.get("status", 500))
                    ctx.problem = str(ev.get("slug", "generation-failed"))
                    failed = {"detail": "generation failed"} | ev | {"status": status, "slug": ctx.problem}
                    # OpenAI's error object, with the HTTP status it would have had beside it
                    yield _sse({"error": _problem(failed).openai_error(), "status": status})
                    break
            yield b"data: [DONE]\n\n"
        except BaseException:
            status = 499  # the client went away (or the stream broke): the generation is cancelled
            ctx.problem = ctx.problem or "client-closed"
            raise
        finally:
            await events.aclose()
            metrics.request(job.model.id, job.route, status)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", "X-Voxray-Model": job.model.id}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)


async def _answer(
    frontend: TextFrontend, metrics: TextMetrics, ctx: RequestContext, job: TextJob, started: float
) -> Response | ChatCompletion | TextCompletion:
    if job.stream:
        return await _stream(frontend, metrics, ctx, job, started)
    res = await frontend.backend.complete(job)
    if res["event"] == "error":
        raise _problem(res)
    ttft = res.get("time_to_first_token_s")
    _note_done(ctx, metrics, job, res, None if ttft is None else float(ttft))
    metrics.request(job.model.id, job.route, 200)
    usage = UsageInfo(**usage_of(res))
    finish = finish_reason(str(res["finish_reason"]))
    fingerprint = job.model.system_fingerprint
    if job.route == "chat":
        return ChatCompletion(
            id=f"chatcmpl-{job.request_id}",
            created=job.created,
            model=job.model.id,
            choices=[ChatChoice(message=AssistantMessage(content=str(res["text"])), finish_reason=finish)],
            usage=usage,
            system_fingerprint=fingerprint,
        )
    return TextCompletion(
        id=f"cmpl-{job.request_id}",
        created=job.created,
        model=job.model.id,
        choices=[CompletionChoice(text=str(res["text"]), finish_reason=finish)],
        usage=usage,
        system_fingerprint=fingerprint,
    )


class _Generation:
    """What both generation routes use (the text frontend and metrics, the caller, the request's context
    and security state), and the steps they share: note the text, resolve and authorize the model, answer."""

    def __init__(
        self,
        text: TextFrontendDep,
        metrics: TextMetricsDep,
        caller: Caller,
        ctx: Context,
        security: SecurityStateDep,
    ) -> None:
        self.text, self.metrics, self.caller, self.ctx, self.security = text, metrics, caller, ctx, security

    async def answer(
        self, model_name: str, text: str, job_of: Callable[[TextModelEntry], TextJob]
    ) -> Response | ChatCompletion | TextCompletion:
        started = time.perf_counter()
        self.ctx.action = "generate"
        self.security.note_text(self.ctx, text)
        model = self.text.resolve(model_name)
        _authorize(self.caller, self.ctx, model)
        return await _answer(self.text, self.metrics, self.ctx, job_of(model), started)


Generation = Annotated[_Generation, Depends()]


@router.post("/chat/completions", response_model=ChatCompletion, responses=_RESPONSES)
async def chat_completions(
    req: ChatCompletionRequest, generation: Generation
) -> Response | ChatCompletion | TextCompletion:
    """Chat (OpenAI-compatible): the messages are rendered with the model's own chat template."""
    text = "\n".join(m.text for m in req.messages)
    return await generation.answer(req.model, text, lambda model: chat_job(req, model))


@router.post("/completions", response_model=TextCompletion, responses=_RESPONSES)
async def completions(
    req: CompletionRequest, generation: Generation
) -> Response | ChatCompletion | TextCompletion:
    """Completion (OpenAI-compatible): the prompt is continued as it is."""
    return await generation.answer(req.model, req.prompt_text, lambda model: completion_job(req, model))
