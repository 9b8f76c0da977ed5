"""PURE status of the text side: a TextModel from its RayService, a SpeechBatch's TextModelReady condition.

A TextModel's phase, conditions and replicas follow exactly the VoiceModel rules
(:func:`voxray_operator.status.voicemodel_status_from_rayservice`, one truth); on top it says what an
OpenAI client needs (``baseUrl``, ``modelId``) and which engine serves.

SpeechBatch ``TextModelReady`` (only for ``spec.generate.textModel``): False while the TextModel is
missing (TextModelNotFound), invalid (TextModelInvalid), not Ready (TextModelNotReady), has no key a batch
could send (NoBatchCredentials) or its batch key Secret is unusable (SecretNotFound / SecretKeyNotFound);
True (TextModelReady) once the RayJob was created against it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from voxray_operator.api.textmodel import TextModelStatus
from voxray_operator.builders.generate import GenerationTarget
from voxray_operator.builders.textservice import API_PREFIX
from voxray_operator.status import Status, set_condition, voicemodel_status_from_rayservice
from voxray_runtime.spec.textmodel import TextModelSpec

TEXT_MODEL_READY = "TextModelReady"


def with_text_fields(status: Status, name: str, spec: TextModelSpec) -> Status:
    """``status`` with baseUrl, modelId and engine; a Ready model's message names its URL and id."""
    out = dict(status)
    model_id = spec.model_id(name)
    out["modelId"] = model_id
    out["engine"] = spec.engine
    endpoint = out.get("endpoint")
    if isinstance(endpoint, str) and endpoint:
        out["baseUrl"] = endpoint + API_PREFIX
        if out.get("phase") == "Ready":
            out["message"] = f"serving {model_id} at {out['baseUrl']}"
    conditions = out.pop("conditions", [])
    wire: dict[str, Any] = TextModelStatus.model_validate(out).to_wire()
    wire["conditions"] = conditions
    return wire


def textmodel_status_from_rayservice(
    rayservice: dict[str, Any] | None,
    *,
    name: str,
    generation: int | None,
    spec: TextModelSpec,
    previous: Status | None,
    now: datetime,
) -> Status:
    """The TextModel status for its RayService as it is now (None: not created yet)."""
    base = voicemodel_status_from_rayservice(
        rayservice, generation=generation, spec=spec, previous=previous, now=now
    )
    return with_text_fields(base, name, spec)


def text_model_condition(
    previous: Status | None,
    *,
    generation: int | None,
    now: datetime,
    target: GenerationTarget | None = None,
    problem: tuple[str, str] | None = None,
) -> Status:
    """The previous SpeechBatch status with TextModelReady: False with ``problem`` (reason, message),
    else True for ``target``. With a problem the status message says it too."""
    out = dict(previous or {})
    if problem is not None:
        reason, message = problem
        out["message"] = message
        value = "False"
    elif target is not None:
        reason, message, value = "TextModelReady", target.describe(), "True"
    else:
        return out
    out["conditions"] = set_condition(
        out.get("conditions"), TEXT_MODEL_READY, value, reason, message, generation, now
    )
    return out
