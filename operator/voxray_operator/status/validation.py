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
) -> Status:
    """The status of an object whose spec the operator cannot apply.

    ``message`` is the whole text, field first, as ``str(BuildError)`` has it: the same words as
    ``voxray render``. The served kinds (VoiceModel, TextModel, TranscriptionModel): phase Failed,
    ValidationFailed True; a RayService built from an earlier spec keeps serving, so Ready is left as it
    was. SpeechBatch: phase ValidationFailed.
    """
    prev = dict(previous or {})
    conditions = Conditions(prev, generation=generation, now=now)
    conditions.set(ConditionType.VALIDATION_FAILED, True, Reason.INVALID_SPEC, message)
    model: type[VoiceModelStatus] | type[SpeechBatchStatus]
    if kind == "SpeechBatch":
        conditions.set(ConditionType.RUNNING, False, Reason.INVALID_SPEC, message)
        model, phase = SpeechBatchStatus, BatchPhase.VALIDATION_FAILED.value
    else:
        if conditions.get(ConditionType.READY) is None:
            conditions.set(ConditionType.READY, False, Reason.INVALID_SPEC, message)
        conditions.set(ConditionType.PROGRESSING, False, Reason.INVALID_SPEC, message)
        model = SERVED_STATUS[kind]
        phase = ServedPhase.FAILED.value
    status = model.model_validate({**prev, "conditions": [], "phase": phase})
    status.observed_generation = generation
    status.message = message
    out = status.to_wire()
    out["conditions"] = conditions.items
    return out
