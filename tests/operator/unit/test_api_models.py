"""The CRD document models: runtime specs inside, operator status around them."""

from __future__ import annotations

import importlib.metadata

import pytest
import yaml
from pydantic import ValidationError

from tests.operator.unit.support import EXAMPLES_DIR
from voxray_operator.api import (
    Lexicon,
    ScalingRecord,
    SpeechBatch,
    TextModel,
    TranscriptionModel,
    VoiceModel,
    VoiceModelStatus,
)


def test_examples_parse_as_documents() -> None:
    for path in sorted(EXAMPLES_DIR.glob("*.yaml")):
        for raw in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            models = {
                "VoiceModel": VoiceModel,
                "TextModel": TextModel,
                "TranscriptionModel": TranscriptionModel,
                "Lexicon": Lexicon,
            }
            model = models.get(raw["kind"], SpeechBatch)
            doc = model.model_validate(raw)
            assert doc.metadata["name"] == raw["metadata"]["name"]
            assert doc.status is None


def test_kind_and_api_version_are_checked() -> None:
    with pytest.raises(ValidationError):
        VoiceModel.model_validate(
            {"apiVersion": "voxray.io/v1", "kind": "VoiceModel", "spec": {"engine": "kokoro"}}
        )
    with pytest.raises(ValidationError):
        VoiceModel.model_validate({"kind": "SpeechBatch", "spec": {"engine": "kokoro"}})
    assert VoiceModel(spec={"engine": "kokoro"}).api_version == "voxray.io/v1alpha1"


def test_status_round_trip_uses_camel_case_and_from() -> None:
    status = VoiceModelStatus.model_validate(
        {
            "observedGeneration": 3,
            "phase": "Ready",
            "rayServiceName": "kokoro",
            "lastScaling": {"time": "2026-03-01T12:00:00Z", "from": 1, "to": 3, "utilization": 0.91},
            "kopf": {"progress": {}},  # kopf's own bookkeeping is ignored, not an error
        }
    )
    assert status.last_scaling == ScalingRecord(time="2026-03-01T12:00:00Z", from_=1, to=3, utilization=0.91)
    wire = status.to_wire()
    assert wire["lastScaling"]["from"] == 1
    assert wire["rayServiceName"] == "kokoro"
    assert "kopf" not in wire


def test_render_is_registered_with_the_voxray_cli() -> None:
    eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="voxray.cli")}
    assert eps.get("render") == "voxray_operator.cli:register"
