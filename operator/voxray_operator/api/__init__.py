"""Pydantic models of the voxray CRDs: the spec is the runtime's (one truth), the status is the operator's.

crds/ is generated from these models by ``python -m voxray_operator.crdgen``.
"""

from voxray_operator.api.common import API_VERSION, GROUP, VERSION, Condition, ConditionStatus, StatusModel
from voxray_operator.api.lexicon import LEXICON_CONDITION_TYPES, Lexicon, LexiconStatus
from voxray_operator.api.speechbatch import (
    SPEECHBATCH_CONDITION_TYPES,
    BatchCounts,
    BatchOutputStatus,
    SpeechBatch,
    SpeechBatchPhase,
    SpeechBatchStatus,
)
from voxray_operator.api.textmodel import TEXTMODEL_CONDITION_TYPES, TextModel, TextModelStatus
from voxray_operator.api.transcriptionmodel import (
    TRANSCRIPTIONMODEL_CONDITION_TYPES,
    TranscriptionModel,
    TranscriptionModelStatus,
)
from voxray_operator.api.voicemodel import (
    VOICEMODEL_CONDITION_TYPES,
    ReplicaStatus,
    ScalingRecord,
    VoiceModel,
    VoiceModelPhase,
    VoiceModelStatus,
)

__all__ = [
    "API_VERSION",
    "GROUP",
    "LEXICON_CONDITION_TYPES",
    "SPEECHBATCH_CONDITION_TYPES",
    "TEXTMODEL_CONDITION_TYPES",
    "TRANSCRIPTIONMODEL_CONDITION_TYPES",
    "VERSION",
    "VOICEMODEL_CONDITION_TYPES",
    "BatchCounts",
    "BatchOutputStatus",
    "Condition",
    "ConditionStatus",
    "Lexicon",
    "LexiconStatus",
    "ReplicaStatus",
    "ScalingRecord",
    "SpeechBatch",
    "SpeechBatchPhase",
    "SpeechBatchStatus",
    "StatusModel",
    "TextModel",
    "TextModelStatus",
    "TranscriptionModel",
    "TranscriptionModelStatus",
    "VoiceModel",
    "VoiceModelPhase",
    "VoiceModelStatus",
]
