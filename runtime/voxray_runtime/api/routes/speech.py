"""Speech: ``POST /v1/audio/speech`` (OpenAI-compatible) and ``POST /v1/speech`` (native)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from voxray_runtime.api.admitting import AdmissionRefusedError
from voxray_runtime.api.deps import Caller, Context, Frontend, Metrics, SecurityStateDep
from voxray_runtime.api.errors import Problem, problem_responses
from voxray_runtime.api.guard import RequestContext
from voxray_runtime.api.metrics import ApiMetrics
from voxray_runtime.api.openai_compat import instructions_support, unsupported
from voxray_runtime.api.publishing import default_publish, loudness_reading, publish_spec
from voxray_runtime.api.schemas import (
    CaptionedSpeech,
    NativeSpeechRequest,
    OpenAISpeechRequest,
    StoredSpeech,
    TimedWordOut,
)
from voxray_runtime.api.service import (
    BackendOverloadedError,
    BackendTimeoutError,
    SpeechFrontend,
    content_type,
    voice_headers,
    voice_info,
)
from voxray_runtime.security.principal import Denial, Principal, check_model, check_scope
from voxray_runtime.speech.job import SpeechJob, SpeechResult
from voxray_runtime.voices import VoiceBinding

router = APIRouter(prefix="/v1", tags=["speech"])

_AUDIO_CONTENT = {
    "audio/mpeg": {"schema": {"type": "string", "format": "binary"}},
    "audio/wav": {"schema": {"type": "string", "format": "binary"}},
    "audio/flac": {"schema": {"type": "string", "format": "binary"}},
    "audio/ogg": {"schema": {"type": "string", "format": "binary"}},
    "audio/pcm": {"schema": {"type": "string", "format": "binary"}},
}
_AUDIO_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "the audio", "content": _AUDIO_CONTENT},
    **problem_responses(400, 401, 403, 413, 422, 429, 500, 503, 504, 507),
}
_SSE_EVENTS = {
    "description": "stream_format sse: speech.audio.delta events (base64 audio), then speech.audio.done",
    "schema": {"type": "string"},
}
#: the formats whose bytes can be sent as they are made (the others are sent whole)
_STREAMED = ("mp3", "pcm")


def _deny(denial: Denial | None) -> None:
    if denial is not None:
        raise Problem(denial.status, denial.slug, denial.title, denial.detail, field=denial.field)


def _authorize(caller: Principal, ctx: RequestContext, binding: VoiceBinding) -> None:
    """Record the voice for the audit, then check the caller may use its model."""
    ctx.model = binding.model
    ctx.voice = binding.avatar.name
    ctx.language = binding.avatar.language
    _deny(check_model(caller, binding.model))


def _native_job(
    frontend: SpeechFrontend,
    caller: Principal,
    ctx: RequestContext,
    req: NativeSpeechRequest,
    *,
    captions: tuple[str, ...] | None = None,
) -> SpeechJob:
    """The speech job of a native request: its voice resolved and authorized, its publish spec."""
    binding = frontend.native_binding(req, caller.models)
    _authorize(caller, ctx, binding)
    return frontend.job(
        binding,
        req.text,
        req.speed,
        req.format,
        req.bitrate_kbps,
        "text",
        text_type=req.text_type,
        pronunciations=req.pronunciations,
        publish=publish_spec(req, binding, captions=captions),
    )


async def _run(frontend: SpeechFrontend, job: SpeechJob) -> SpeechResult:
    try:
        return await frontend.backend.synthesize(job)
    except AdmissionRefusedError as exc:
        raise exc.problem() from exc
    except BackendOverloadedError as exc:
        raise Problem(
            503, "overloaded", "Overloaded", str(exc), headers={"Retry-After": str(exc.retry_after_s)}
        ) from exc
    except BackendTimeoutError as exc:
        raise Problem(504, "timeout", "Synthesis timed out", str(exc)) from exc


def _record(metrics: ApiMetrics, route: str, job: SpeechJob, out: SpeechResult, started: float) -> None:
    b = job.binding
    elapsed = time.perf_counter() - started
    metrics.request(route, b.avatar.language, b.avatar.name, b.model, 200, elapsed)
    metrics.first_audio(b.avatar.language, b.avatar.name, elapsed)
    metrics.audio(b.avatar.language, b.avatar.name, b.model, b.engine, out.duration_s, job.chars, out.rtf)


async def _primed(frontend: SpeechFrontend, job: SpeechJob) -> AsyncIterator[bytes]:
    """The job's audio stream once its first piece is there: a refusal or a failure before any audio is a
    plain error answer, not a broken stream."""
    pieces = frontend.backend.stream(job)
    try:
        first = await anext(pieces, None)
    except AdmissionRefusedError as exc:
        raise exc.problem() from exc
    except BackendOverloadedError as exc:
        raise Problem(
            503, "overloaded", "Overloaded", str(exc), headers={"Retry-After": str(exc.retry_after_s)}
        ) from exc

    async def chained() -> AsyncIterator[bytes]:
        try:
            if first is not None:
                yield first
            async for piece in pieces:
                yield piece
        finally:
            close = getattr(pieces, "aclose", None)
            if close is not None:
                await close()

    return chained()


async def _stream(
    frontend: SpeechFrontend, metrics: ApiMetrics, job: SpeechJob, route: str, started: float
) -> StreamingResponse:
    if job.format not in ("mp3", "pcm"):
        raise Problem(
            400,
            "unsupported-stream-format",
            "Unsupported streaming format",
            f"streaming supports mp3 and pcm, not {job.format}",
            field="format",
        )
    b = job.binding
    audio = await _primed(frontend, job)

    async def body() -> AsyncIterator[bytes]:
        first = True
        status = 200
        try:
            async for piece in audio:
                if first and piece:
                    metrics.first_audio(b.avatar.language, b.avatar.name, time.perf_counter() - started)
                    first = False
                yield piece
        except Exception:
            status = 500
            raise
        finally:
            metrics.request(
                route, b.avatar.language, b.avatar.name, b.model, status, time.perf_counter() - started
            )

    headers = voice_headers(b) | {"X-Voxray-Chunks": str(len(job.chunks)), "Cache-Control": "no-store"}
    return StreamingResponse(body(), media_type=content_type(job.format), headers=headers)


def _sse_event(event: dict[str, object]) -> bytes:
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


async def _sse(
    frontend: SpeechFrontend, metrics: ApiMetrics, job: SpeechJob, started: float, whole: bytes | None
) -> StreamingResponse:
    """OpenAI's speech events: ``speech.audio.delta`` (base64 audio, as it is made for mp3 and pcm, in
    one piece for the other formats), then ``speech.audio.done`` with the usage. voxray's engines use no
    tokens: ``input_tokens`` counts the input's characters, ``output_tokens`` is 0."""
    b = job.binding
    audio = None if whole is not None else await _primed(frontend, job)

    async def pieces() -> AsyncIterator[bytes]:
        if audio is None:
            yield whole or b""
            return
        async for piece in audio:
            yield piece

    async def body() -> AsyncIterator[bytes]:
        first, status = True, 200
        try:
            async for piece in pieces():
                if not piece:
                    continue
                if first:
                    metrics.first_audio(b.avatar.language, b.avatar.name, time.perf_counter() - started)
                    first = False
                yield _sse_event({"type": "speech.audio.delta", "audio": base64.b64encode(piece).decode()})
            usage = {"input_tokens": job.chars, "output_tokens": 0, "total_tokens": job.chars}
            yield _sse_event({"type": "speech.audio.done", "usage": usage})
        except Exception:
            status = 500
            raise
        finally:
            metrics.request(
                "openai", b.avatar.language, b.avatar.name, b.model, status, time.perf_counter() - started
            )

    headers = voice_headers(b) | {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)


def _check_instructions(req: OpenAISpeechRequest, binding: VoiceBinding) -> None:
    """``instructions`` acts where the engine can follow it; elsewhere it is refused, never ignored."""
    if not (req.instructions or "").strip():
        return
    follows, why = instructions_support(binding.engine)
    if not follows:
        raise unsupported("instructions", req.instructions, f"model {binding.model}: {why}")


def _audio_response(job: SpeechJob, out: SpeechResult) -> Response:
    headers = voice_headers(job.binding) | {
        "X-Voxray-Duration": f"{out.duration_s:.3f}",
        "X-Voxray-Sample-Rate": str(out.sample_rate),
        "X-Voxray-Chunks": str(out.chunks),
    }
    if out.coalesced:  # the bytes of an identical request's synthesis, in flight at the same time
        headers["X-Voxray-Coalesced"] = "true"
    return Response(out.audio, media_type=content_type(job.format), headers=headers)


@router.post(
    "/audio/speech",
    response_class=Response,
    responses=problem_responses(400, 401, 403, 413, 422, 429, 500, 503, 504, 507, openai=True)
    | {200: {"description": "the audio", "content": _AUDIO_CONTENT | {"text/event-stream": _SSE_EVENTS}}},
)
async def openai_speech(
    req: OpenAISpeechRequest,
    frontend: Frontend,
    metrics: Metrics,
    caller: Caller,
    ctx: Context,
    security: SecurityStateDep,
) -> Response:
    """OpenAI-compatible speech: existing OpenAI clients work unchanged. ``voice`` is an OpenAI voice
    name (alloy, echo, fable, onyx, nova, shimmer...) or any voxray avatar such as ``female_ar-EG``.
    ``stream_format: audio`` sends mp3 and pcm as they are made (other formats whole); ``sse`` sends
    OpenAI's speech.audio.delta / speech.audio.done events."""
    started = time.perf_counter()
    security.note_text(ctx, req.input)
    _deny(check_scope(caller, "speech"))
    try:
        binding = frontend.openai_binding(req, caller.models)
    except Problem as exc:
        if exc.field in (None, "model"):
            raise
        # the avatar a voice name stands for is OpenAI's member "voice"
        voice = Problem(exc.status, exc.slug, exc.title, exc.detail, field="voice", headers=exc.headers)
        raise voice from exc
    _authorize(caller, ctx, binding)
    _check_instructions(req, binding)
    job = frontend.job(
        binding,
        req.input,
        req.speed,
        req.response_format,
        None,
        "input",
        publish=default_publish(req.input, binding),
    )
    if req.stream_format == "sse":
        # formats that cannot be sent as they are made are made first (a failure is then a plain 4xx/5xx)
        whole = None if job.format in _STREAMED else (await _run(frontend, job)).audio
        return await _sse(frontend, metrics, job, started, whole)
    if req.stream_format == "audio" and job.format in _STREAMED:
        return await _stream(frontend, metrics, job, "openai", started)
    out = await _run(frontend, job)
    _record(metrics, "openai", job, out, started)
    return _audio_response(job, out)


@router.post(
    "/speech",
    response_model=StoredSpeech,
    responses=_AUDIO_RESPONSES
    | {200: {"description": "the audio, or (store=true) where it was stored", "content": _AUDIO_CONTENT}},
)
async def native_speech(
    req: NativeSpeechRequest,
    frontend: Frontend,
    metrics: Metrics,
    caller: Caller,
    ctx: Context,
    security: SecurityStateDep,
) -> Response | StoredSpeech:
    """Native speech: language + dialect + gender, or an avatar. ``store=true`` writes the audio to the
    output directory (atomic rename) and returns its path and metadata instead of the audio; it needs
    the ``store`` scope."""
    started = time.perf_counter()
    security.note_text(ctx, req.text)
    if req.store:
        ctx.action = "store"
    _deny(check_scope(caller, "speech"))
    if req.store:
        _deny(check_scope(caller, "store"))
    job = _native_job(frontend, caller, ctx, req)
    if req.stream:
        if req.store:
            raise Problem(
                400,
                "invalid-request",
                "Invalid request",
                "stream and store cannot be combined",
                field="stream",
            )
        return await _stream(frontend, metrics, job, "native", started)
    out = await _run(frontend, job)
    _record(metrics, "native", job, out, started)
    if req.store:
        stored = frontend.store(job, out, req.name, started)
        ctx.output_path = stored.path
        ctx.stored_bytes = stored.bytes
        return stored
    return _audio_response(job, out)


@router.post(
    "/speech/captioned",
    response_model=CaptionedSpeech,
    responses=problem_responses(400, 401, 403, 413, 422, 429, 500, 503, 504),
)
async def captioned_speech(
    req: NativeSpeechRequest,
    frontend: Frontend,
    metrics: Metrics,
    caller: Caller,
    ctx: Context,
    security: SecurityStateDep,
) -> CaptionedSpeech:
    """The ``/v1/speech`` body answered as JSON: the audio (base64), its words timed (the text as
    written), SRT and WebVTT captions, and the loudness it was delivered at."""
    started = time.perf_counter()
    security.note_text(ctx, req.text)
    _deny(check_scope(caller, "speech"))
    if req.stream or req.store:
        field = "stream" if req.stream else "store"
        raise Problem(
            400, "invalid-request", "Invalid request", f"{field} is not available on /v1/speech/captioned",
            field=field,
        )  # fmt: skip
    job = _native_job(frontend, caller, ctx, req, captions=("srt", "vtt"))
    out = await _run(frontend, job)
    _record(metrics, "captioned", job, out, started)
    return CaptionedSpeech(
        audio=base64.b64encode(out.audio).decode("ascii"),
        format=job.format,
        sample_rate=out.sample_rate,
        duration_s=round(out.duration_s, 3),
        words=[TimedWordOut(text=w.text, start=round(w.start, 3), end=round(w.end, 3)) for w in out.words],
        srt=out.captions.get("srt", ""),
        vtt=out.captions.get("vtt", ""),
        loudness=loudness_reading(out.loudness),
        timing=out.timing,
        voice=voice_info(job.binding),
    )
