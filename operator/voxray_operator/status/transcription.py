"""PURE status of a TranscriptionModel from its RayService: the VoiceModel rules (one truth: phase,
conditions, replicas, endpoint, scaling, credentials) plus what an OpenAI client needs (``baseUrl``,
``modelId``) and what serves it (``engine``, the Whisper ``model``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from voxray_operator.api.transcriptionmodel import TranscriptionModelStatus
from voxray_operator.status.conditions import Status
from voxray_operator.status.served import voicemodel_status_from_rayservice, with_client_fields
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec

#: the OpenAI route under the base URL
TRANSCRIPTIONS_ROUTE = "/audio/transcriptions"


def with_transcription_fields(status: Status, name: str, spec: TranscriptionModelSpec) -> Status:
    """``status`` with baseUrl, modelId, engine and model; a Ready model's message names its route and id."""
    model_id = spec.model_id(name)
    return with_client_fields(
        status,
        TranscriptionModelStatus,
        {"modelId": model_id, "engine": spec.engine, "model": spec.model},
        lambda url: f"serving {model_id} (Whisper {spec.model}) at {url}{TRANSCRIPTIONS_ROUTE}",
    )


def transcriptionmodel_status_from_rayservice(
    rayservice: dict[str, Any] | None,
    *,
    name: str,
    generation: int | None,
    spec: TranscriptionModelSpec,
    previous: Status | None,
    now: datetime,
) -> Status:
    """The TranscriptionModel status for its RayService as it is now (None: not created yet)."""
    base = voicemodel_status_from_rayservice(
        rayservice, generation=generation, spec=spec, previous=previous, now=now
    )
    return with_transcription_fields(base, name, spec)
