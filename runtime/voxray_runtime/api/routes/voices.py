"""Voices and models: what can be asked for, and what each avatar really is."""

from __future__ import annotations

from fastapi import APIRouter, Request

from voxray_runtime.api.deps import Caller, Frontend
from voxray_runtime.api.errors import Problem, problem_responses
from voxray_runtime.api.openai_compat import instructions_support
from voxray_runtime.api.schemas import ModelInfo, ModelsResponse, VoicesResponse
from voxray_runtime.api.text_schemas import TextModelInfo

router = APIRouter(prefix="/v1", tags=["voices"], responses=problem_responses(400, 401, 413, 429, 500, 503))


@router.get("/voices", response_model=VoicesResponse)
async def list_voices(frontend: Frontend, caller: Caller) -> VoicesResponse:
    """Every avatar served, the voice it resolves to, and whether it is a declared fallback (as the
    caller sees it: only the models it may use)."""
    voices = frontend.voices(caller.models)
    return VoicesResponse(count=len(voices), voices=voices)


#: /v1/models is OpenAI's too: its errors may come as application/json (errors.error_media_type)
_OPENAI_ERRORS = problem_responses(400, 401, 404, 413, 429, 500, 503, openai=True)


@router.get("/models", response_model=ModelsResponse, responses=_OPENAI_ERRORS)
async def list_models(frontend: Frontend, caller: Caller, request: Request) -> ModelsResponse:
    """The VoiceModels (``kind: speech``, with their text limit) and TextModels (``kind: text``, their
    ``id`` the model name to send to /v1/chat/completions) served that the caller may use (OpenAI's
    models listing shape, with engine details)."""
    return ModelsResponse(data=await _models(frontend, caller, request))


@router.get("/models/{model}", response_model=ModelInfo | TextModelInfo, responses=_OPENAI_ERRORS)
async def get_model(
    model: str, frontend: Frontend, caller: Caller, request: Request
) -> ModelInfo | TextModelInfo:
    """One model of ``GET /v1/models``, by its ``id`` (OpenAI's retrieve model)."""
    for m in await _models(frontend, caller, request):
        if m.id == model:
            return m
    raise Problem(404, "model-not-found", "Model not found", f"no model {model!r} is served", field="model")


async def _models(frontend: Frontend, caller: Caller, request: Request) -> list[ModelInfo | TextModelInfo]:
    """The models served that the caller may use; speech models say whether they follow instructions."""
    data: list[ModelInfo | TextModelInfo] = []
    for m in await frontend.backend.models():
        if caller.may_use(m.id):
            follows, why = instructions_support(m.engine)
            update = {
                "max_text_chars": frontend.text_limit(m.id),
                "instructions": follows,
                "instructions_note": why,
            }
            data.append(m.model_copy(update=update))
    text = request.app.state.text
    if text is not None:
        data += [m for m in await text.backend.models() if caller.may_use(m.name) or caller.may_use(m.id)]
    return data
