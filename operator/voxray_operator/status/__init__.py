"""PURE status derivation: conditions, phases and counts from KubeRay's own status. No I/O.

- :mod:`~voxray_operator.status.conditions`: the condition types and reasons (StrEnums) and the one
  setter (``observedGeneration`` stamped, ``lastTransitionTime`` kept while the status stays);
- :mod:`~voxray_operator.status.kuberay`: what KubeRay reports, as voxray reads it;
- :mod:`~voxray_operator.status.served`: VoiceModel and TextModel from their RayService, the scaler's word;
- :mod:`~voxray_operator.status.transcription`: TranscriptionModel (the served rules plus its own fields);
- :mod:`~voxray_operator.status.batch`: SpeechBatch from its RayJob, its TextModelReady condition;
- :mod:`~voxray_operator.status.credentials`: CredentialsReady of both;
- :mod:`~voxray_operator.status.validation`: the status of a spec the operator cannot apply;
- :mod:`~voxray_operator.status.events`: whether a status changed, and the Events of its transitions.

Handlers write a status only when :func:`status_changed` says so, and emit :func:`transition_events`.
"""

from voxray_operator.status.batch import (
    FINAL_PHASES,
    IDLE_PHASES,
    BatchPhase,
    speechbatch_status_from_rayjob,
    text_model_condition,
)
from voxray_operator.status.conditions import (
    BATCH_CONDITIONS,
    SERVED_CONDITIONS,
    ConditionStatus,
    ConditionType,
    Reason,
    Status,
    get_condition,
    set_condition,
    timestamp,
)
from voxray_operator.status.credentials import batch_credentials_status, credentials_status
from voxray_operator.status.events import (
    TIMESTAMP_KEYS,
    Event,
    EventReason,
    EventType,
    status_changed,
    transition_events,
)
from voxray_operator.status.served import (
    ServedPhase,
    scaling_status,
    textmodel_status_from_rayservice,
    voicemodel_status_from_rayservice,
    with_text_fields,
)
from voxray_operator.status.transcription import (
    transcriptionmodel_status_from_rayservice,
    with_transcription_fields,
)
from voxray_operator.status.validation import validation_failed_status

__all__ = [
    "BATCH_CONDITIONS",
    "FINAL_PHASES",
    "IDLE_PHASES",
    "SERVED_CONDITIONS",
    "TIMESTAMP_KEYS",
    "BatchPhase",
    "ConditionStatus",
    "ConditionType",
    "Event",
    "EventReason",
    "EventType",
    "Reason",
    "ServedPhase",
    "Status",
    "batch_credentials_status",
    "credentials_status",
    "get_condition",
    "scaling_status",
    "set_condition",
    "speechbatch_status_from_rayjob",
    "status_changed",
    "text_model_condition",
    "textmodel_status_from_rayservice",
    "timestamp",
    "transcriptionmodel_status_from_rayservice",
    "transition_events",
    "validation_failed_status",
    "voicemodel_status_from_rayservice",
    "with_text_fields",
    "with_transcription_fields",
]
