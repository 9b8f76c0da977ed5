"""The TextModel custom resource: a runtime TextModelSpec plus the status the operator maintains.

The status is a VoiceModel's (phase, conditions, replicas, endpoint, scaling, credentials) plus what an
OpenAI client needs: the base URL (``endpoint`` + ``/v1``) and the model id to send.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from voxray_operator.api.common import CustomResource
from voxray_operator.api.voicemodel import VOICEMODEL_CONDITION_TYPES, VoiceModelStatus
from voxray_runtime.spec.textmodel import TextModelSpec

#: a TextModel is served like a VoiceModel: the same conditions
TEXTMODEL_CONDITION_TYPES = VOICEMODEL_CONDITION_TYPES
KIND = "TextModel"
PLURAL = "textmodels"


class TextModelStatus(VoiceModelStatus):
    """Observed state of a TextModel. Fields outside this model are pruned by the API server."""

    base_url: str | None = Field(
        default=None, description="OpenAI-compatible base URL inside the cluster (endpoint + /v1)."
    )
    model_id: str | None = Field(
        default=None, description="The model id clients send (spec.servedModelName, else the name)."
    )
    engine: str | None = Field(default=None, description="The engine serving it (llamacpp or vllm).")


class TextModel(CustomResource[TextModelSpec, TextModelStatus]):
    """A text-generation model served by Ray Serve on KubeRay."""

    kind: Literal["TextModel"] = "TextModel"
