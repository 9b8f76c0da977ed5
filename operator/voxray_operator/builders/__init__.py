"""Pure builders: VoiceModel / SpeechBatch specs -> the objects the operator creates.

No kopf, no Kubernetes client, no global settings: every input is an argument (``BuildSettings`` for
operator-wide choices) and every output is a plain dict ready for create/patch. A spec that cannot
become a valid child raises :class:`BuildError` naming the field; ``retryable`` marks a missing
dependency (a VoiceModel not found or not running yet) rather than an invalid spec.

Child names: a VoiceModel ``X`` owns the RayService ``X`` (KubeRay then serves it at
``http://X-serve-svc.<ns>.svc:8000``); a SpeechBatch ``Y`` owns the RayJob ``Y`` and the ConfigMap
``Y-speechbatch`` holding its document. Names that are not short DNS-1035 labels get a stable hash.
"""

from voxray_operator.builders.cluster import (
    SERVE_PORT,
    rayservice_name,
)
from voxray_operator.builders.common import (
    SPEC_HASH_ANNOTATION,
    SPEECHBATCH_LABEL,
    TEXTMODEL_LABEL,
    VOICEMODEL_LABEL,
    child_name,
    common_labels,
    dns1035_name,
    load_yaml,
    owner_references,
    spec_hash,
    truncate_name,
)
from voxray_operator.builders.errors import BuildError
from voxray_operator.builders.generate import (
    GenerationTarget,
    TextModelInfo,
    TextModelUnavailableError,
    generation_target,
)
from voxray_operator.builders.rayjob import (
    BATCH_SPEC_DIR,
    BATCH_SPEC_KEY,
    CLUSTER_SELECTOR_KEY,
    batch_configmap_name,
    batch_document,
    batch_warnings,
    build_batch_configmap,
    build_rayjob,
    rayjob_name,
)
from voxray_operator.builders.rayservice import (
    ServedSpec,
    build_rayservice,
    build_serve_config,
    model_replicas,
    pods_for,
    replicas_per_pod,
    serve_endpoint,
    uses_gpu,
    worker_group_name,
)
from voxray_operator.builders.security import (
    BATCH_KEY_ID,
    CREDENTIALS_REVISION_ANNOTATION,
    BatchAuditKey,
    CredentialPlan,
    SecretUse,
    ServedKind,
    batch_audit_key,
    build_api_keys_secret,
    build_audit_key_secret,
    credential_plan,
    credentials_revision,
    read_key_command,
    secret_problem,
)
from voxray_operator.builders.textservice import API_PREFIX, build_text_rayservice
from voxray_operator.builders.validation import parse_spec, validate_speechbatch, validate_voicemodel

__all__ = [
    "API_PREFIX",
    "BATCH_KEY_ID",
    "BATCH_SPEC_DIR",
    "BATCH_SPEC_KEY",
    "CLUSTER_SELECTOR_KEY",
    "CREDENTIALS_REVISION_ANNOTATION",
    "SERVE_PORT",
    "SPEC_HASH_ANNOTATION",
    "SPEECHBATCH_LABEL",
    "TEXTMODEL_LABEL",
    "VOICEMODEL_LABEL",
    "BatchAuditKey",
    "BuildError",
    "CredentialPlan",
    "GenerationTarget",
    "SecretUse",
    "ServedKind",
    "ServedSpec",
    "TextModelInfo",
    "TextModelUnavailableError",
    "batch_audit_key",
    "batch_configmap_name",
    "batch_document",
    "batch_warnings",
    "build_api_keys_secret",
    "build_audit_key_secret",
    "build_batch_configmap",
    "build_rayjob",
    "build_rayservice",
    "build_serve_config",
    "build_text_rayservice",
    "child_name",
    "common_labels",
    "credential_plan",
    "credentials_revision",
    "dns1035_name",
    "generation_target",
    "load_yaml",
    "model_replicas",
    "owner_references",
    "parse_spec",
    "pods_for",
    "rayjob_name",
    "rayservice_name",
    "read_key_command",
    "replicas_per_pod",
    "secret_problem",
    "serve_endpoint",
    "spec_hash",
    "truncate_name",
    "uses_gpu",
    "validate_speechbatch",
    "validate_voicemodel",
    "worker_group_name",
]
