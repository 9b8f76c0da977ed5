"""The VoiceModel custom resource: a runtime VoiceModelSpec plus the status the operator maintains."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from voxray_operator.api.common import Condition, CustomResource, StatusModel, timestamp_field
from voxray_runtime.spec.voicemodel import VoiceModelSpec

VoiceModelPhase = Literal["Pending", "Deploying", "Ready", "Degraded", "Failed"]
VoiceModelConditionType = Literal[
    "Ready", "Progressing", "Degraded", "ValidationFailed", "ScalingActive", "CredentialsReady"
]
VOICEMODEL_CONDITION_TYPES: tuple[str, ...] = get_args(VoiceModelConditionType)
KIND = "VoiceModel"
PLURAL = "voicemodels"


class ReplicaStatus(StatusModel):
    """Replicas of the model's Serve deployment."""

    desired: int = Field(default=0, ge=0, description="num_replicas the operator asked Serve for.")
    current: int = Field(default=0, ge=0, description="Replicas serving now (as far as KubeRay reports).")
    min: int = Field(default=0, ge=0, description="spec.replicas.min.")
    max: int = Field(default=0, ge=0, description="spec.replicas.max.")


class ScalingRecord(StatusModel):
    """The autoscaler's last change of replicas."""

    time: str | None = timestamp_field("When the change was applied.")
    from_: int = Field(alias="from", ge=0, description="Replicas before.")
    to: int = Field(ge=0, description="Replicas after.")
    utilization: float | None = Field(
        default=None, ge=0, description="Measured utilisation (0..1) behind it."
    )
    reason: str = Field(default="", max_length=1024, description="Why: scale up / down, bounds, ...")


class CredentialsStatus(StatusModel):
    """How callers authenticate to the model's API, and where the keys are (never the keys themselves)."""

    auth: Literal["Required", "Disabled"] = Field(default="Required", description="spec.security.auth.")
    api_keys_secret: str | None = Field(default=None, description="Secret holding the API keys file.")
    api_keys_generated: bool | None = Field(
        default=None, description="Whether the operator generated the API keys Secret."
    )
    audit_key_secret: str | None = Field(default=None, description="Secret holding the audit HMAC key.")
    oidc_issuer: str | None = Field(default=None, description="Issuer of accepted JWT bearer tokens.")
    read_key_command: str | None = Field(
        default=None, max_length=1024, description="Command printing the generated API key."
    )


class UpgradeStatus(StatusModel):
    """A roll-out of a new Ray cluster by KubeRay (RayService upgradeStrategy), while one is under way."""

    strategy: str = Field(default="NewCluster", description="spec.upgrade.strategy in effect.")
    rolling_back: bool = Field(default=False, description="KubeRay is rolling back to the previous cluster.")
    pending_ray_cluster_name: str | None = Field(default=None, description="The new RayCluster.")
    pending_traffic_percent: int | None = Field(
        default=None, ge=0, le=100, description="Traffic routed to the new cluster (incremental upgrade)."
    )
    pending_target_capacity: int | None = Field(
        default=None, ge=0, le=100, description="Serve target_capacity of the new cluster (incremental)."
    )
    active_traffic_percent: int | None = Field(
        default=None, ge=0, le=100, description="Traffic still routed to the old cluster (incremental)."
    )


class VoiceModelStatus(StatusModel):
    """Observed state of a VoiceModel. Fields outside this model are pruned by the API server."""

    observed_generation: int | None = Field(
        default=None, ge=0, description="Last metadata.generation handled."
    )
    phase: VoiceModelPhase = Field(default="Pending", description="Summary of the conditions.")
    conditions: list[Condition] = Field(
        default_factory=list,
        description="Ready, Progressing, Degraded, ValidationFailed, ScalingActive, CredentialsReady.",
    )
    replicas: ReplicaStatus | None = Field(default=None, description="Replicas of the model deployment.")
    endpoint: str | None = Field(default=None, description="Serve URL inside the cluster.")
    ray_service_name: str | None = Field(default=None, description="The RayService serving this model.")
    last_scaling: ScalingRecord | None = Field(default=None, description="The autoscaler's last change.")
    spec_hash: str | None = Field(default=None, description="sha256 of the spec last applied.")
    credentials: CredentialsStatus | None = Field(
        default=None, description="API authentication and the Secrets in use."
    )
    upgrade: UpgradeStatus | None = Field(
        default=None, description="The roll-out of a new Ray cluster, while KubeRay performs one."
    )
    message: str | None = Field(default=None, max_length=32768, description="Summary for humans.")


class VoiceModel(CustomResource[VoiceModelSpec, VoiceModelStatus]):
    """A TTS model served by Ray Serve on KubeRay."""

    kind: Literal["VoiceModel"] = "VoiceModel"
