"""The Lexicon custom resource: a runtime LexiconSpec (pronunciation entries) plus the status the operator
maintains. A Lexicon has no children: it is valid or not; the VoiceModels naming it carry its entries into
their serving apps, and SpeechBatches into their driver's document."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from voxray_operator.api.common import Condition, CustomResource, StatusModel
from voxray_runtime.spec.lexicon import LexiconSpec

LEXICON_CONDITION_TYPES: tuple[str, ...] = ("Valid",)
KIND = "Lexicon"
PLURAL = "lexicons"


class LexiconStatus(StatusModel):
    """Observed state of a Lexicon. Fields outside this model are pruned by the API server."""

    observed_generation: int | None = Field(
        default=None, ge=0, description="Last metadata.generation handled."
    )
    version: str | None = Field(
        default=None, description="sha256 of the entries (what batch manifests record); absent when invalid."
    )
    entries: int | None = Field(default=None, ge=0, description="Number of entries.")
    conditions: list[Condition] = Field(
        default_factory=list, description="Valid (True, or False with reason Invalid and the message)."
    )
    message: str | None = Field(default=None, max_length=32768, description="Summary for humans.")


class Lexicon(CustomResource[LexiconSpec, LexiconStatus]):
    """Pronunciation entries (alias or IPA per word, per language) that VoiceModels and SpeechBatches name."""

    kind: Literal["Lexicon"] = "Lexicon"
