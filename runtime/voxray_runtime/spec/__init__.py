"""The VoiceModel, TextModel, TranscriptionModel and SpeechBatch specs: one format, the same document on
Kubernetes and locally.

These pydantic models are the single schema source: the operator wraps them into CRDs (crds/ is
generated from them) and the local CLI reads the very same YAML documents.
"""

from voxray_runtime.spec.common import API_VERSION, GROUP, VERSION, SpecModel
from voxray_runtime.spec.documents import Document, SpecError, load_documents, parse_document
from voxray_runtime.spec.speechbatch import GenerateSpec, SpeechBatchSpec
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

__all__ = [
    "API_VERSION",
    "GROUP",
    "VERSION",
    "Document",
    "GenerateSpec",
    "SpecError",
    "SpecModel",
    "SpeechBatchSpec",
    "TextModelSpec",
    "TranscriptionModelSpec",
    "VoiceModelSpec",
    "load_documents",
    "parse_document",
]
