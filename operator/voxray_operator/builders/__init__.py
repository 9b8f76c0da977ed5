"""Pure builders: VoiceModel / SpeechBatch specs -> the KubeRay objects the operator creates.

No kopf, no Kubernetes client, no global settings: every input is an argument (``BuildSettings`` for
operator-wide choices) and every output is a plain dict ready for create/patch.

Child names: a VoiceModel ``X`` owns the RayService ``X`` (KubeRay then serves it at
``http://X-serve-svc.<ns>.svc:8000``); a SpeechBatch ``Y`` owns the RayJob ``Y`` and the ConfigMap
``Y-speechbatch`` holding its document.
"""

from voxray_operator.builders.common import (
    SPEC_HASH_ANNOTATION,
    SPEECHBATCH_LABEL,
    VOICEMODEL_LABEL,
    child_name,
    common_labels,
    owner_references,
    spec_hash,
    truncate_name,
)
from voxray_operator.builders.errors import BuildError
from voxray_operator.builders.rayjob import (
    BATCH_SPEC_DIR,
    BATCH_SPEC_KEY,
    CLUSTER_SELECTOR_KEY,
    batch_configmap_name,
    build_batch_configmap,
    build_rayjob,
    rayjob_name,
)
from voxray_operator.builders.rayservice import (
    SERVE_PORT,
    build_rayservice,
    build_serve_config,
    model_replicas,
    rayservice_name,
    serve_endpoint,
    worker_group_name,
)

__all__ = [
    "BATCH_SPEC_DIR",
    "BATCH_SPEC_KEY",
    "CLUSTER_SELECTOR_KEY",
    "SERVE_PORT",
    "SPEC_HASH_ANNOTATION",
    "SPEECHBATCH_LABEL",
    "VOICEMODEL_LABEL",
    "BuildError",
    "batch_configmap_name",
    "build_batch_configmap",
    "build_rayjob",
    "build_rayservice",
    "build_serve_config",
    "child_name",
    "common_labels",
    "model_replicas",
    "owner_references",
    "rayjob_name",
    "rayservice_name",
    "serve_endpoint",
    "spec_hash",
    "truncate_name",
    "worker_group_name",
]
