"""The TranscriptionModel custom resource: a runtime TranscriptionModelSpec plus the status the operator
maintains.

The status is a VoiceModel's (phase, conditions, replicas, endpoint, scaling, credentials) plus what an
OpenAI client needs: the base URL (``endpoint`` + ``/v1``; the route is ``/audio/transcriptions`` under
it), the model id to send, and the Whisper model serving it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from voxray_operator.api.common import CustomResource
from voxray_operator.api.voicemodel import VOICEMODEL_CONDITION_TYPES, VoiceModelStatus
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec

#: a TranscriptionModel is served like a VoiceModel: the same conditions
TRANSCRIPTIONMODEL_CONDITION_TYPES = VOICEMODEL_CONDITION_TYPES
KIND = "TranscriptionModel"
PLURAL = "transcriptionmodels"


class TranscriptionModelStatus(VoiceModelStatus):
    """Observed state of a TranscriptionModel. Fields outside this model are pruned by the API server."""

    base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible base URL inside the cluster (endpoint + /v1); transcriptions are "
        "POSTed to its /audio/transcriptions.",
    )
    model_id: str | None = Field(
        default=None, description="The model id clients send (spec.servedModelName, else the name)."
    )
    engine: str | None = Field(default=None, description="The engine serving it (faster-whisper).")
    model: str | None = Field(default=None, description="The Whisper model it serves (base, small...).")


class TranscriptionModel(CustomResource[TranscriptionModelSpec, TranscriptionModelStatus]):
    """A speech-recognition model served by Ray Serve on KubeRay."""

    kind: Literal["TranscriptionModel"] = "TranscriptionModel"
