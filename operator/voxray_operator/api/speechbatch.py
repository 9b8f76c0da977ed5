"""The SpeechBatch custom resource: a runtime SpeechBatchSpec plus the status the operator maintains."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from voxray_operator.api.common import Condition, StatusModel, timestamp_field
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

SpeechBatchPhase = Literal["Pending", "Queued", "Running", "Succeeded", "Failed", "ValidationFailed"]
SPEECHBATCH_CONDITION_TYPES: tuple[str, ...] = (
    "Running",
    "Complete",
    "Failed",
    "ValidationFailed",
    "CredentialsReady",
    "TextModelReady",
    "Admitted",
    "QualityChecked",
)
KIND = "SpeechBatch"
PLURAL = "speechbatches"


class BatchCounts(StatusModel):
    """Files of the batch (items x avatars), from the driver's progress lines."""

    total: int = Field(default=0, ge=0, description="Files to render.")
    done: int = Field(default=0, ge=0, description="Files written (this run and earlier runs).")
    failed: int = Field(default=0, ge=0, description="Files that failed after all retries.")
    skipped: int = Field(default=0, ge=0, description="Files already present and left alone.")


class BatchQualityCounts(StatusModel):
    """Files checked by speech recognition (spec.quality), from the driver's progress lines."""

    checked: int = Field(default=0, ge=0, description="Files transcribed back and compared with their text.")
    passed: int = Field(default=0, ge=0, description="Checked files within their language's CER bound.")
    failed: int = Field(
        default=0, ge=0, description="Checked files over their bound after one more render (failed-quality)."
    )
    unchecked: int = Field(
        default=0, ge=0, description="Files the recogniser cannot judge (language or voice), with a reason."
    )


class BatchOutputStatus(StatusModel):
    """Where the files and the manifest are."""

    volume_claim: str | None = Field(default=None, description="PVC holding the files.")
    path: str | None = Field(default=None, description="Folder inside the volume.")
    manifest: str | None = Field(default=None, description="Manifest file (JSON Lines) inside that folder.")


class SpeechBatchStatus(StatusModel):
    """Observed state of a SpeechBatch. Fields outside this model are pruned by the API server."""

    observed_generation: int | None = Field(
        default=None, ge=0, description="Last metadata.generation handled."
    )
    phase: SpeechBatchPhase = Field(default="Pending", description="Summary of the conditions.")
    conditions: list[Condition] = Field(
        default_factory=list,
        description=(
            "Running, Complete, Failed, ValidationFailed, CredentialsReady, TextModelReady, Admitted, "
            "QualityChecked."
        ),
    )
    counts: BatchCounts | None = Field(default=None, description="Progress of the batch.")
    quality: BatchQualityCounts | None = Field(
        default=None, description="Quality check counts (summary.json ``quality`` has the failed files)."
    )
    audio_seconds: float | None = Field(default=None, ge=0, description="Seconds of audio rendered.")
    ray_job_name: str | None = Field(default=None, description="The RayJob running the batch.")
    ray_job_id: str | None = Field(default=None, description="Ray job submission id.")
    output: BatchOutputStatus | None = Field(default=None, description="Where the results are.")
    start_time: str | None = timestamp_field("When the Ray job started.")
    finish_time: str | None = timestamp_field("When the Ray job finished.")
    message: str | None = Field(default=None, max_length=32768, description="Summary for humans.")


class SpeechBatch(BaseModel):
    """Texts x languages x voices rendered into audio files by a RayJob."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    api_version: Literal["voxray.io/v1alpha1"] = Field(default="voxray.io/v1alpha1", alias="apiVersion")
    kind: Literal["SpeechBatch"] = "SpeechBatch"
    metadata: dict[str, Any] = Field(default_factory=dict)
    spec: SpeechBatchSpec
    status: SpeechBatchStatus | None = None
