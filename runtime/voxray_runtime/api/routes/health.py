"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from voxray_runtime.api.deps import Frontend
from voxray_runtime.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Liveness: the ingress answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(frontend: Frontend, request: Request) -> JSONResponse:
    """Readiness: every model replica (VoiceModels and TextModels) answers its health check."""
    text = request.app.state.text
    try:
        models = await frontend.backend.health()
        if text is not None:
            models |= await text.backend.health()
    except Exception as exc:
        body = Health(status="unavailable", detail=f"{type(exc).__name__}: {exc}")
        return JSONResponse(body.model_dump(), status_code=503)
    ok = bool(models) and all(models.values())
    body = Health(status="ok" if ok else "degraded", models=models)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
