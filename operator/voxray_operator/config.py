"""Operator settings (environment, prefix ``VOXRAY_OPERATOR_``) and the subset that builders take.

Builders never read this module's settings themselves: handlers call :meth:`OperatorSettings.build_settings`
once and pass the frozen :class:`BuildSettings` down as an argument.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_IMAGE = "ghcr.io/voxray/voxray-runtime:0.1.0"
DEFAULT_RAY_VERSION = "2.60.0"


def _default_gpu_tolerations() -> list[dict[str, Any]]:
    return [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


class BuildSettings(BaseModel):
    """What the pure builders need besides the spec. Frozen, passed as an argument."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: runtime image for Ray head, workers and the job submitter, unless the spec names one
    image: str = DEFAULT_IMAGE
    image_pull_policy: str = "IfNotPresent"
    ray_version: str = DEFAULT_RAY_VERSION
    #: Ray head pod resources (the head runs no replicas: num-cpus "0")
    head_cpu: str = "1"
    head_memory: str = "2Gi"
    #: node selector and tolerations added to GPU worker groups
    gpu_node_selector: dict[str, str] = Field(default_factory=dict)
    gpu_tolerations: list[dict[str, Any]] = Field(default_factory=_default_gpu_tolerations)
    #: size limit of the model cache emptyDir (Hugging Face downloads)
    model_cache_size: str = "20Gi"
    #: service account for Ray pods (None: the namespace default)
    service_account_name: str | None = None
    #: Serve ingress replicas and concurrency cap
    ingress_replicas: int = Field(default=1, ge=1, le=100)
    ingress_max_ongoing_requests: int = Field(default=256, ge=1, le=10_000)
    ingress_num_cpus: float = Field(default=0.1, ge=0, le=16)
    #: RayJob: submitter retries and the driver's wall-clock deadline (None: no deadline)
    job_backoff_limit: int = Field(default=2, ge=0, le=20)
    job_active_deadline_seconds: int | None = Field(default=None, ge=1)
    #: a dedicated batch cluster is deleted at most this long after its job finished (GPUs are not
    #: kept idle for the whole retention); the RayJob record itself follows spec.retention
    batch_cluster_ttl_seconds: int = Field(default=300, ge=0)


class OperatorSettings(BaseSettings):
    """Operator configuration from the environment, e.g. ``VOXRAY_OPERATOR_IMAGE``."""

    model_config = SettingsConfigDict(env_prefix="VOXRAY_OPERATOR_", extra="ignore", frozen=True)

    image: str = DEFAULT_IMAGE
    image_pull_policy: str = "IfNotPresent"
    ray_version: str = DEFAULT_RAY_VERSION
    #: namespaces to watch; empty: cluster-wide (JSON list in the environment, e.g. '["tts"]')
    namespaces: list[str] = Field(default_factory=list)
    prometheus_url: str = "http://prometheus-operated.monitoring.svc:9090"
    #: PromQL for GPU utilisation (0..1) of one VoiceModel's GPU workers; the scaler fills in ``{namespace}``
    #: and ``{name}`` (the RayService name; its worker pods are ``{name}-raycluster-*-gpu-workers-*``)
    dcgm_query: str = (
        'avg(DCGM_FI_DEV_GPU_UTIL{{namespace="{namespace}",pod=~"{name}-.*-gpu-workers-.*"}}) / 100'
    )
    ray_query: str = (
        'avg(ray_node_gpus_utilization{{namespace="{namespace}",ray_io_cluster=~"{name}-.*"}}) / 100'
    )
    prometheus_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    #: seconds between status refreshes of VoiceModels and SpeechBatch progress polls
    status_interval_seconds: float = Field(default=15.0, ge=1, le=3600)
    progress_interval_seconds: float = Field(default=10.0, ge=1, le=3600)
    gpu_node_selector: dict[str, str] = Field(default_factory=dict)
    service_account_name: str | None = None
    job_backoff_limit: int = Field(default=2, ge=0, le=20)
    job_active_deadline_seconds: int | None = Field(default=None, ge=1)
    batch_cluster_ttl_seconds: int = Field(default=300, ge=0)

    def build_settings(self) -> BuildSettings:
        return BuildSettings(
            image=self.image,
            image_pull_policy=self.image_pull_policy,
            ray_version=self.ray_version,
            gpu_node_selector=self.gpu_node_selector,
            service_account_name=self.service_account_name,
            job_backoff_limit=self.job_backoff_limit,
            job_active_deadline_seconds=self.job_active_deadline_seconds,
            batch_cluster_ttl_seconds=self.batch_cluster_ttl_seconds,
        )
