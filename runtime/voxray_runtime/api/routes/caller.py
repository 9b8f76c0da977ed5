"""The caller: who the API takes it for and what it may do (the Playground asks before showing
controls such as store=true)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from voxray_runtime.api.deps import Caller
from voxray_runtime.api.errors import problem_responses
from voxray_runtime.api.schemas import CallerInfo

router = APIRouter(prefix="/v1", tags=["caller"], responses=problem_responses(400, 401, 413, 429, 500, 503))


@router.get("/me", response_model=CallerInfo)
async def whoami(request: Request, caller: Caller) -> CallerInfo:
    """The authenticated caller: its id, the VoiceModels it may use (null: all) and its scopes."""
    settings = request.app.state.security.settings
    return CallerInfo(
        id=caller.id,
        kind=caller.kind,
        models=sorted(caller.models) if caller.models is not None else None,
        scopes=sorted(caller.scopes),
        auth_required=settings.auth == "required",
    )
