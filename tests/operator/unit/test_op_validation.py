"""parse_spec: schema and catalog errors name the field, with the runtime's own words."""

from __future__ import annotations

from typing import Any

import pytest

from voxray_operator.builders import BuildError, parse_spec

BATCH: dict[str, Any] = {"input": {"file": "packaged:hospitality"}, "variants": {"all": True}}


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ({}, "spec.engine", "Field required"),
        ({"engine": "tacotron"}, "spec.engine", "Input should be"),
        ({"engine": "espeak", "replicas": {"min": 3, "max": 2}}, "spec.replicas", "must not exceed"),
        ({"engine": "espeak", "replica": {}}, "spec.replica", "Extra inputs are not permitted"),
        ({"engine": "kokoro", "quantization": "fp16"}, "spec", "not available for engine kokoro"),
        ({"engine": "vits"}, "spec", "voices is required"),
        ({"engine": "espeak", "voices": [{"avatar": "female_fr"}]}, "spec.voices.0.avatar", "unknown avatar"),
        ({"engine": "piper", "voices": [{"avatar": "female_es"}]}, "spec.voices", "no default speaker"),
        (
            {"engine": "vits", "voices": [{"avatar": "male_ur", "speaker": "s"}]},
            "spec.voices",
            "engineLanguage",
        ),
        (
            {"engine": "espeak", "autoscaling": {"targetUtilization": 0.9}},
            "spec.autoscaling.targetUtilization",
            "less than or equal to 0.8",
        ),
    ],
)
def test_voicemodel_errors(raw: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(BuildError) as caught:
        parse_spec("VoiceModel", raw)
    assert caught.value.field == field
    assert words in caught.value.message
    assert caught.value.retryable is False
    assert_named_once(caught.value)


@pytest.mark.parametrize(
    ("patch", "field", "words"),
    [
        ({"input": {}}, "spec.input", "exactly one of items, file, configMap"),
        ({"variants": {"languages": ["fr"]}}, "spec.variants.languages", "unsupported language"),
        ({"variants": {"avatars": ["robot_en"]}}, "spec.variants", "unknown avatar"),
        ({"variants": {}}, "spec.variants", "no variants"),
        ({"output": {"bitrateKbps": 65}}, "spec.output", "not an MP3 bitrate"),
        ({"runOn": {"voiceModel": "k", "dedicated": True}}, "spec.runOn", "not both"),
    ],
)
def test_speechbatch_errors(patch: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(BuildError) as caught:
        parse_spec("SpeechBatch", {**BATCH, **patch})
    assert caught.value.field == field
    assert words in caught.value.message
    assert_named_once(caught.value)


def assert_named_once(error: BuildError) -> None:
    """The text everything shows names the field once, in front ("spec: spec: ..." was a bug)."""
    assert str(error) == f"{error.field}: {error.message}"
    assert not error.message.startswith(f"{error.field}:"), str(error)


def test_several_errors_name_each_field_once() -> None:
    with pytest.raises(BuildError) as caught:
        parse_spec("SpeechBatch", {"input": {"limit": 0}})
    assert str(caught.value) == (
        "spec.input.limit: Input should be greater than or equal to 1; spec.variants: Field required"
    )


def test_valid_specs_parse() -> None:
    assert parse_spec("VoiceModel", {"engine": "kokoro"}).engine == "kokoro"
    assert parse_spec("SpeechBatch", BATCH).variants.all is True
    assert parse_spec("VoiceModel", {"engine": "piper", "voices": [{"avatar": "male_en-US"}]}).voices
