"""The TextModel custom resource: a runtime TextModelSpec plus the status the operator maintains.

The status is a VoiceModel's (phase, conditions, replicas, endpoint, scaling, credentials) plus what an
OpenAI client needs: the base URL (``endpoint`` + ``/v1``) and the model id to send.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from voxray_operator.api.voicemodel import VoiceModelStatus
from voxray_runtime.spec.textmodel import TextModelSpec

TEXTMODEL_CONDITION_TYPES: tuple[str, ...] = (
    "Ready",
    "Progressing",
    "Degraded",
    "ValidationFailed",
    "ScalingActive",
    "CredentialsReady",
)
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


class TextModel(BaseModel):
    """A text-generation model served by Ray Serve on KubeRay."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    api_version: Literal["voxray.io/v1alpha1"] = Field(default="voxray.io/v1alpha1", alias="apiVersion")
    kind: Literal["TextModel"] = "TextModel"
    metadata: dict[str, Any] = Field(default_factory=dict)
    spec: TextModelSpec
    status: TextModelStatus | None = None
