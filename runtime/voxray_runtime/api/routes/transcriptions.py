"""``POST /v1/audio/transcriptions``: OpenAI-compatible speech recognition (multipart upload), so the
official ``openai`` client's ``audio.transcriptions.create`` works unchanged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from voxray_runtime.api.deps import Caller, Context
from voxray_runtime.api.errors import Problem, problem_responses
from voxray_runtime.api.openai_compat import unsupported
from voxray_runtime.api.transcription import TranscriptionFrontend
from voxray_runtime.engines.stt.errors import TranscriptionError
from voxray_runtime.engines.stt.formats import CONTENT_TYPES, check_format, render, wants_words
from voxray_runtime.security.principal import check_scope

router = APIRouter(prefix="/v1", tags=["transcription"])

_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "the transcript in the response_format asked for",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/plain": {"schema": {"type": "string"}},
            "application/x-subrip": {"schema": {"type": "string"}},
            "text/vtt": {"schema": {"type": "string"}},
        },
    },
    **problem_responses(400, 401, 403, 404, 413, 422, 429, 500, 503, 504, openai=True),
}


#: the members of OpenAI's CreateTranscriptionRequest that Whisper here honours; any other member sent
#: (languages, keywords, include, chunking_strategy, known_speaker_*, stream true) is refused by name
#: rather than silently ignored
_HONOURED = {
    "file",
    "model",
    "language",
    "prompt",
    "response_format",
    "temperature",
    "timestamp_granularities",
}


async def _refuse_unhonoured(request: Request) -> None:
    form = await request.form()  # already parsed for the parameters: Starlette keeps it
    for key in form:
        member = key.split("[", 1)[0]
        if member in _HONOURED:
            continue
        values = form.getlist(key)
        if member == "stream" and all(v in ("false", "") for v in values):
            continue
        shown = values[0] if len(values) == 1 else values
        reason = (
            "transcripts are sent whole (Whisper does not stream)"
            if member == "stream"
            else f"Whisper honours only {', '.join(sorted(_HONOURED))}"
        )
        raise unsupported(member, shown, reason)


def _frontend(request: Request) -> TranscriptionFrontend:
    found = getattr(request.app.state, "transcription", None)
    if not isinstance(found, TranscriptionFrontend):
        raise Problem(
            404,
            "unknown-model",
            "Unknown model",
            "no speech-recognition model is served here (voxray serve serves Whisper base unless --no-stt)",
            field="model",
        )
    return found


@router.post("/audio/transcriptions", response_class=Response, responses=_RESPONSES)
async def transcriptions(
    request: Request,
    caller: Caller,
    ctx: Context,
    file: Annotated[UploadFile, File(description="the audio: flac, m4a, mp3, mp4, mpeg, ogg, wav, webm")],
    model: Annotated[str, Form(max_length=253)],
    language: Annotated[str | None, Form(max_length=16)] = None,
    prompt: Annotated[str | None, Form(max_length=4000)] = None,
    response_format: Annotated[str, Form(max_length=16)] = "json",
    temperature: Annotated[float, Form()] = 0.0,
    timestamp_granularities: Annotated[list[str] | None, Form(alias="timestamp_granularities[]")] = None,
) -> Response:
    """Transcribe an upload with Whisper: ``language`` (ISO-639-1; detected when absent), ``prompt``,
    ``temperature``, ``response_format`` json, text, srt, vtt or verbose_json, and with verbose_json
    ``timestamp_granularities[]`` word and/or segment."""
    denial = check_scope(caller, "speech")
    if denial is not None:
        raise Problem(denial.status, denial.slug, denial.title, denial.detail, field=denial.field)
    await _refuse_unhonoured(request)
    frontend = _frontend(request)
    if not frontend.accepts(model):
        raise Problem(
            404, "unknown-model", "Unknown model",
            f"model {model!r} is not served; use {frontend.name} (or whisper-1)", field="model",
        )  # fmt: skip
    ctx.model = frontend.name
    granularities = tuple(timestamp_granularities or ())
    try:
        check_format(response_format, granularities)
        data = await file.read(frontend.limits.max_bytes + 1)
        transcript = await frontend.run(
            data,
            language=language,
            prompt=prompt,
            temperature=temperature,
            words=wants_words(response_format, granularities),
        )
    except TranscriptionError as exc:
        slug = "invalid-audio" if exc.field == "file" else "invalid-request"
        raise Problem(exc.status, slug, "Invalid request", str(exc), field=exc.field) from exc
    body = render(transcript, response_format, granularities)
    if isinstance(body, dict):
        return JSONResponse(body)
    return Response(body, media_type=CONTENT_TYPES[response_format])
