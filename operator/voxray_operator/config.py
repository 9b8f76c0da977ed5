"""The operator's settings: one environment (prefix ``VOXRAY_OPERATOR_``), one model, one module.

:class:`OperatorSettings` is everything the chart sets on the operator's Deployment: how the process runs
(ports, logging, peering, timeouts), what the autoscaler queries, and what the builders put into the
RayServices and RayJobs. Builders never read the environment themselves: the startup handler calls
:meth:`OperatorSettings.build_settings` once and passes the frozen :class:`BuildSettings` down as an
argument. The build fields are declared once (:class:`BuildFields`) and shared by both models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_IMAGE = "ghcr.io/voxray/voxray-runtime:0.1.0"
DEFAULT_RAY_VERSION = "2.60.0"
#: a Kubernetes resource quantity (``500m``, ``2``, ``1.5Gi``)
QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$"


def _default_gpu_tolerations() -> list[dict[str, Any]]:
    return [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


class BuildFields(BaseModel):
    """The settings builders take besides the spec (declared once; see the module docstring)."""

    #: runtime image for Ray head, workers and the job submitter, unless the spec names one
    image: str = DEFAULT_IMAGE
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"
    ray_version: str = DEFAULT_RAY_VERSION
    #: Ray head pod resources (the head runs no replicas: num-cpus "0")
    head_cpu: str = Field(default="1", pattern=QUANTITY)
    head_memory: str = Field(default="2Gi", pattern=QUANTITY)
    #: node selector and tolerations added to GPU worker groups (JSON in the environment)
    gpu_node_selector: dict[str, str] = Field(default_factory=dict)
    gpu_tolerations: list[dict[str, Any]] = Field(default_factory=_default_gpu_tolerations)
    #: size limit of the model cache emptyDir (Hugging Face downloads)
    model_cache_size: str = Field(default="20Gi", pattern=QUANTITY)
    #: Secret (in each TextModel's namespace) whose key ``token`` is a Hugging Face token for gated repos;
    #: given to TextModels with Hugging Face weights as ``HF_TOKEN`` (optional: pods start without it)
    hf_token_secret: str | None = Field(
        default=None, max_length=253, pattern=r"^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$"
    )
    #: service account for Ray pods (None: the namespace default)
    service_account_name: str | None = None
    #: Serve ingress replicas and concurrency cap (it holds the requests waiting for admission too: the
    #: runtime's AppArgs default, docs/capacity.md)
    ingress_replicas: int = Field(default=1, ge=1, le=100)
    ingress_max_ongoing_requests: int = Field(default=4096, ge=1, le=100_000)
    ingress_num_cpus: float = Field(default=0.1, ge=0, le=16)
    #: RayJob: submitter retries and the driver's wall-clock deadline (None: no deadline)
    job_backoff_limit: int = Field(default=2, ge=0, le=20)
    job_active_deadline_seconds: int | None = Field(default=None, ge=1)
    #: a dedicated batch cluster is deleted at most this long after its job finished (GPUs are not
    #: kept idle for the whole retention); the RayJob record itself follows spec.retention
    batch_cluster_ttl_seconds: int = Field(default=300, ge=0)
    #: how a dedicated batch cluster is deleted when the SpeechBatch gives no ``deletion``: Rules (KubeRay's
    #: deletionRules: deleted on success, kept ``retention.ttlSecondsAfterFinished`` on failure for
    #: debugging) or Shutdown (shutdownAfterJobFinishes: deleted after ``batch_cluster_ttl_seconds``)
    batch_deletion: Literal["Rules", "Shutdown"] = "Shutdown"


class BuildSettings(BuildFields):
    """What the pure builders need besides the spec. Frozen, passed as an argument."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class OperatorSettings(BuildFields, BaseSettings):
    """Operator configuration from the environment, e.g. ``VOXRAY_OPERATOR_IMAGE``.

    Lists and mappings are JSON in the environment (``VOXRAY_OPERATOR_NAMESPACES='["tts"]'``).
    """

    model_config = SettingsConfigDict(env_prefix="VOXRAY_OPERATOR_", extra="ignore", frozen=True)

    # -- the process ---------------------------------------------------------------------------------
    #: port of the operator's own /metrics (0: off)
    metrics_port: int = Field(default=8080, ge=0, le=65535)
    metrics_address: str = "0.0.0.0"
    #: kopf's liveness endpoint (``/healthz``) port (0: off)
    health_port: int = Field(default=8081, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "plain"] = "json"
    #: one operator replica (True) or kopf peering between replicas (needs kopf's peering CRDs)
    standalone: bool = True
    peering_name: str = "voxray-operator"
    #: namespaces to watch; empty: cluster-wide
    namespaces: list[str] = Field(default_factory=list)
    #: timeouts of API-server calls, Ray dashboard log reads
    kube_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    dashboard_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    #: bearer token for Ray dashboards with token auth (RAY_AUTH_MODE=token); empty: none
    dashboard_token: str = ""
    #: seconds before a retryable failure (a VoiceModel a batch waits for) is tried again
    retry_delay_seconds: float = Field(default=15.0, gt=0, le=3600)
    #: seconds between SpeechBatch progress polls while a batch runs
    progress_interval_seconds: float = Field(default=10.0, ge=1, le=3600)

    # -- the autoscaler --------------------------------------------------------------------------------
    prometheus_url: str = "http://prometheus-operated.monitoring.svc:9090"
    #: PromQL for GPU utilisation (0..1) of one VoiceModel's GPU workers; the scaler fills in ``{namespace}``
    #: and ``{name}`` (the RayService name; its worker pods are ``{name}-raycluster-*-gpu-workers-*``)
    dcgm_query: str = (
        'avg(DCGM_FI_DEV_GPU_UTIL{{namespace="{namespace}",pod=~"{name}-.*-gpu-workers-.*"}}) / 100'
    )
    ray_query: str = (
        'avg(ray_node_gpus_utilization{{namespace="{namespace}",ray_io_cluster=~"{name}-.*"}}) / 100'
    )
    #: PromQL for a CPU TextModel's sequence slots in use (0..1, over 1 when requests queue): its replicas'
    #: decoding sequences plus queued requests over ``{slots}`` (maxConcurrentSequences x replicas)
    text_query: str = (
        '(sum(ray_voxray_text_active_sequences{{namespace="{namespace}",ray_io_cluster=~"{cluster}"}})'
        ' + sum(ray_voxray_text_queue_depth{{namespace="{namespace}",ray_io_cluster=~"{cluster}"}}))'
        " / {slots}"
    )
    #: PromQL for a CPU TranscriptionModel's workers in use (0..1, over 1 when uploads queue): transcriptions
    #: running or waiting in its ``STT-<name>`` replicas over ``{slots}`` (maxConcurrent x replicas)
    transcription_query: str = (
        'sum(ray_voxray_stt_inflight{{namespace="{namespace}",ray_io_cluster=~"{cluster}"}}) / {slots}'
    )
    prometheus_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    # -- what the builders put into RayServices and RayJobs: the fields of BuildFields ----------------

    def build_settings(self) -> BuildSettings:
        return BuildSettings.model_validate(self.model_dump(include=set(BuildFields.model_fields)))
