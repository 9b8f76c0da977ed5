"""Pure builders: VoiceModel / TextModel / TranscriptionModel / SpeechBatch specs -> the objects the
operator creates.

No kopf, no Kubernetes client, no global settings: every input is an argument (``BuildSettings`` for
operator-wide choices) and every output is a plain dict ready for create/patch. A spec that cannot
become a valid child raises :class:`BuildError` naming the field, with a reason; ``retryable`` marks a
missing dependency (a VoiceModel not found or not running yet) rather than an invalid spec.

Code outside this package imports builder names from here only. Inside, by responsibility:

- per kind, thin: :mod:`.rayservice` (VoiceModel), :mod:`.textservice` (TextModel),
  :mod:`.transcriptionservice` (TranscriptionModel), :mod:`.rayjob` (SpeechBatch; its document in
  :mod:`.batchconfig`, its TextModel in :mod:`.generate`);
- shared: :mod:`.validation` (parse and check, before anything is built), :mod:`.workload` (GPUs,
  resources, volumes, environment, replica maths), :mod:`.serveconfig` (serveConfigV2: writing and
  reading), :mod:`.cluster` (Ray clusters), :mod:`.security` (credentials, generated Secrets, the batch
  audit key), :mod:`.common` (names, labels, metadata, YAML).

Child names: a VoiceModel ``X`` owns the RayService ``X`` (KubeRay then serves it at
``http://X-serve-svc.<ns>.svc:8000``); a SpeechBatch ``Y`` owns the RayJob ``Y`` and the ConfigMap
``Y-speechbatch`` holding its document. Names that are not short DNS-1035 labels get a stable hash.
"""

from voxray_operator.builders.batchconfig import (
    BATCH_SPEC_KEY,
    batch_configmap_name,
    batch_document,
    build_batch_configmap,
)
from voxray_operator.builders.cluster import (
    METRICS_PORT,
    SERVE_PORT,
    rayservice_name,
)
from voxray_operator.builders.common import (
    MANAGED_BY,
    SPEC_HASH_ANNOTATION,
    SPEECHBATCH_LABEL,
    TEXTMODEL_LABEL,
    TRANSCRIPTIONMODEL_LABEL,
    VOICEMODEL_LABEL,
    ServedKind,
    child_name,
    common_labels,
    dns1035_name,
    dump_yaml,
    is_dns_label,
    label_value,
    load_yaml,
    owner_references,
    served_labels,
    spec_hash,
    truncate_name,
)
from voxray_operator.builders.errors import DEPENDENCY_NOT_READY, INVALID_SPEC, BuildError
from voxray_operator.builders.generate import (
    ENV_KEY_FILE,
    ENV_MODEL_ID,
    ENV_URL,
    GenerationTarget,
    TextModelInfo,
    TextModelUnavailableError,
    find_text_model,
    generation_target,
)
from voxray_operator.builders.lexicons import LEXICON_NOT_FOUND, needed_lexicons
from voxray_operator.builders.rayjob import (
    BATCH_SPEC_DIR,
    CLUSTER_SELECTOR_KEY,
    assemble_rayjob,
    build_rayjob,
    rayjob_name,
)
from voxray_operator.builders.rayservice import build_rayservice, build_serve_config
from voxray_operator.builders.security import (
    BATCH_KEY,
    BATCH_KEY_ID,
    CREDENTIALS_REVISION_ANNOTATION,
    CREDENTIALS_REVISION_ENV,
    BatchAuditKey,
    CredentialPlan,
    SecretUse,
    api_keys_file_text,
    batch_audit_key,
    build_api_keys_secret,
    build_audit_key_secret,
    credential_plan,
    credentials_revision,
    read_key_command,
    secret_problem,
    secret_volumes,
    security_args,
)
from voxray_operator.builders.serveconfig import (
    API_PREFIX,
    model_deployment,
    model_replicas,
    serve_config_document,
    serve_endpoint,
    text_base_url,
)
from voxray_operator.builders.textservice import (
    build_text_rayservice,
    build_text_serve_config,
    engine_threads,
)
from voxray_operator.builders.transcriptionservice import (
    build_transcription_rayservice,
    build_transcription_serve_config,
)
from voxray_operator.builders.validation import (
    AnySpec,
    DedicatedCluster,
    Kind,
    OnVoiceModel,
    RayJobInput,
    batch_warnings,
    parse_spec,
    validate_rayjob,
    validate_speechbatch,
    validate_voicemodel,
)
from voxray_operator.builders.workload import (
    ServedSpec,
    initial_replicas,
    pods_for,
    replicas_per_pod,
    uses_gpu,
    worker_group_name,
)

__all__ = [
    "API_PREFIX",
    "BATCH_KEY",
    "BATCH_KEY_ID",
    "BATCH_SPEC_DIR",
    "BATCH_SPEC_KEY",
    "CLUSTER_SELECTOR_KEY",
    "CREDENTIALS_REVISION_ANNOTATION",
    "CREDENTIALS_REVISION_ENV",
    "DEPENDENCY_NOT_READY",
    "ENV_KEY_FILE",
    "ENV_MODEL_ID",
    "ENV_URL",
    "INVALID_SPEC",
    "LEXICON_NOT_FOUND",
    "MANAGED_BY",
    "METRICS_PORT",
    "SERVE_PORT",
    "SPEC_HASH_ANNOTATION",
    "SPEECHBATCH_LABEL",
    "TEXTMODEL_LABEL",
    "TRANSCRIPTIONMODEL_LABEL",
    "VOICEMODEL_LABEL",
    "AnySpec",
    "BatchAuditKey",
    "BuildError",
    "CredentialPlan",
    "DedicatedCluster",
    "GenerationTarget",
    "Kind",
    "OnVoiceModel",
    "RayJobInput",
    "SecretUse",
    "ServedKind",
    "ServedSpec",
    "TextModelInfo",
    "TextModelUnavailableError",
    "api_keys_file_text",
    "assemble_rayjob",
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
    "build_text_serve_config",
    "build_transcription_rayservice",
    "build_transcription_serve_config",
    "child_name",
    "common_labels",
    "credential_plan",
    "credentials_revision",
    "dns1035_name",
    "dump_yaml",
    "engine_threads",
    "find_text_model",
    "generation_target",
    "initial_replicas",
    "is_dns_label",
    "label_value",
    "load_yaml",
    "model_deployment",
    "model_replicas",
    "needed_lexicons",
    "owner_references",
    "parse_spec",
    "pods_for",
    "rayjob_name",
    "rayservice_name",
    "read_key_command",
    "replicas_per_pod",
    "secret_problem",
    "secret_volumes",
    "security_args",
    "serve_config_document",
    "serve_endpoint",
    "served_labels",
    "spec_hash",
    "text_base_url",
    "truncate_name",
    "uses_gpu",
    "validate_rayjob",
    "validate_speechbatch",
    "validate_voicemodel",
    "worker_group_name",
]
