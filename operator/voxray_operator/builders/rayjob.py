"""SpeechBatch -> KubeRay RayJob running ``voxray batch``, and the ConfigMap carrying the document."""

from __future__ import annotations

from typing import Any

from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

from voxray_operator.config import BuildSettings

#: where the SpeechBatch document is mounted in the submitter and Ray pods
BATCH_SPEC_DIR = "/etc/voxray/batch"
BATCH_SPEC_KEY = "speechbatch.yaml"
#: KubeRay reads the target RayCluster's *name* from this clusterSelector key (not a label selector)
CLUSTER_SELECTOR_KEY = "ray.io/cluster"


def rayjob_name(speechbatch: str) -> str:
    raise NotImplementedError


def batch_configmap_name(speechbatch: str) -> str:
    raise NotImplementedError


def build_batch_configmap(
    name: str, namespace: str, spec: SpeechBatchSpec, *, owner: dict[str, Any] | None = None
) -> dict[str, Any]:
    """ConfigMap ``{name}-speechbatch`` with the SpeechBatch document under ``speechbatch.yaml``."""
    raise NotImplementedError


def build_rayjob(
    name: str,
    namespace: str,
    spec: SpeechBatchSpec,
    settings: BuildSettings,
    *,
    voice_models: dict[str, VoiceModelSpec] | None = None,
    cluster_name: str | None = None,
    owner: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The RayJob for SpeechBatch ``name``.

    ``voice_models``: specs of the VoiceModels the batch names (spec.voiceModels / runOn.voiceModel),
    used for image, resources and weights of a dedicated cluster. ``cluster_name``: when
    ``spec.runOn.voiceModel`` is set, the RayCluster currently serving that VoiceModel (its RayService's
    ``status.activeServiceStatus.rayClusterName``); without it a BuildError(retryable=True) is raised.
    """
    raise NotImplementedError
