"""Pieces shared by the CRD models: the object envelope (apiVersion, kind, metadata, spec, status), the status
base and metav1 Conditions."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from voxray_runtime.spec.common import API_VERSION, GROUP, VERSION

__all__ = [
    "API_VERSION",
    "GROUP",
    "VERSION",
    "Condition",
    "ConditionStatus",
    "CustomResource",
    "StatusModel",
    "timestamp_field",
]

ConditionStatus = Literal["True", "False", "Unknown"]


def timestamp_field(description: str) -> Any:
    """An optional RFC 3339 timestamp (``2026-01-02T03:04:05Z``), as metav1.Time serialises."""
    return Field(default=None, description=description, json_schema_extra={"format": "date-time"})


class StatusModel(BaseModel):
    """camelCase on the wire like the specs; unknown fields ignored when reading a stored status back."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class Condition(StatusModel):
    """A metav1.Condition: the latest observation of one aspect of the object's state."""

    type: str = Field(description="Condition type, e.g. Ready.", min_length=1, max_length=316)
    status: ConditionStatus = Field(description="True, False or Unknown.")
    reason: str = Field(
        default="",
        description="CamelCase reason for the last transition.",
        max_length=1024,
    )
    message: str = Field(default="", description="Human-readable details.", max_length=32768)
    last_transition_time: str | None = timestamp_field("When status last changed.")
    observed_generation: int | None = Field(
        default=None, ge=0, description="metadata.generation the condition was computed for."
    )


SpecT = TypeVar("SpecT", bound=BaseModel)
StatusT = TypeVar("StatusT", bound=StatusModel)


class CustomResource(BaseModel, Generic[SpecT, StatusT]):
    """A voxray object as the API server stores it; each kind narrows ``kind`` to its own name."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    api_version: Literal["voxray.io/v1alpha1"] = Field(default="voxray.io/v1alpha1", alias="apiVersion")
    kind: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    spec: SpecT
    status: StatusT | None = None
