"""FastAPI dependencies: the frontend and metrics live on ``app.state``."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from voxray_runtime.api.metrics import ApiMetrics
from voxray_runtime.api.service import SpeechFrontend


def get_frontend(request: Request) -> SpeechFrontend:
    return cast(SpeechFrontend, request.app.state.frontend)


def get_metrics(request: Request) -> ApiMetrics:
    return cast(ApiMetrics, request.app.state.metrics)


Frontend = Annotated[SpeechFrontend, Depends(get_frontend)]
Metrics = Annotated[ApiMetrics, Depends(get_metrics)]
