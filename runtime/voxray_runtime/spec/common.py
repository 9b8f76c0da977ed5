"""Shared base for spec models: camelCase on the wire, snake_case in Python, unknown fields rejected."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

GROUP = "voxray.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"


class SpecModel(BaseModel):
    """camelCase aliases (Kubernetes convention), extra fields forbidden so typos are errors."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
    )

    def to_wire(self) -> dict[str, object]:
        """The document form: camelCase, defaults left out."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")
