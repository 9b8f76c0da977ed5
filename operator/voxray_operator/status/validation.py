"""PURE: the status of an object whose spec the operator cannot apply (any kind). No I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from voxray_operator.api.speechbatch import SpeechBatchStatus
from voxray_operator.api.textmodel import TextModelStatus
from voxray_operator.api.transcriptionmodel import TranscriptionModelStatus
from voxray_operator.api.voicemodel import VoiceModelStatus
from voxray_operator.status.batch import BatchPhase
from voxray_operator.status.conditions import Conditions, ConditionType, Reason, Status
from voxray_operator.status.served import ServedPhase

Kind = Literal["VoiceModel", "SpeechBatch", "TextModel", "TranscriptionModel"]
#: the status model of each served kind (its own fields survive a failed validation)
SERVED_STATUS: dict[str, type[VoiceModelStatus]] = {
    "VoiceModel": VoiceModelStatus,
    "TextModel": TextModelStatus,
    "TranscriptionModel": TranscriptionModelStatus,
}


def validation_failed_status(
    kind: Kind,
    *,
    message: str,
    generation: int | None,
    previous: Status | None,
    now: datetime,
    reason: str = Reason.INVALID_SPEC,
) -> Status:
    """The status of an object whose spec the operator cannot apply.

    ``message`` is the whole text, field first, as ``str(BuildError)`` has it: the same words as
    ``voxray render``. The served kinds (VoiceModel, TextModel, TranscriptionModel): phase Failed,
    ValidationFailed True; a RayService built from an earlier spec keeps serving, so Ready is left as it
    was. SpeechBatch: phase ValidationFailed.
    ``reason``: InvalidSpec, or what else keeps the spec from applying (LexiconNotFound).
    """
    prev = dict(previous or {})
    conditions = Conditions(prev, generation=generation, now=now)
    conditions.set(ConditionType.VALIDATION_FAILED, True, reason, message)
    model: type[VoiceModelStatus] | type[SpeechBatchStatus]
    if kind == "SpeechBatch":
        conditions.set(ConditionType.RUNNING, False, reason, message)
        model, phase = SpeechBatchStatus, BatchPhase.VALIDATION_FAILED.value
    else:
        if conditions.get(ConditionType.READY) is None:
            conditions.set(ConditionType.READY, False, reason, message)
        conditions.set(ConditionType.PROGRESSING, False, reason, message)
        model = SERVED_STATUS[kind]
        phase = ServedPhase.FAILED.value
    status = model.model_validate({**prev, "conditions": [], "phase": phase})
    status.observed_generation = generation
    status.message = message
    out = status.to_wire()
    out["conditions"] = conditions.items
    return out
