"""A SpeechBatch's RayJob: validated first (field, reason, retryable), then built from the typed input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.operator.unit.support import SETTINGS, owner
from voxray_operator.builders import (
    DEPENDENCY_NOT_READY,
    INVALID_SPEC,
    BuildError,
    DedicatedCluster,
    GenerationTarget,
    OnVoiceModel,
    SecretUse,
    assemble_rayjob,
    build_rayjob,
    validate_rayjob,
)
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

MODELS = {
    "kokoro": VoiceModelSpec.model_validate({"engine": "kokoro", "output": {"volumeClaim": "audio"}}),
    "espeak": VoiceModelSpec.model_validate({"engine": "espeak"}),
    "mms": VoiceModelSpec.model_validate(
        {
            "engine": "vits",
            "weights": {"source": "pvc", "claimName": "weights", "path": "mms"},
            "voices": [{"avatar": "male_ur", "speaker": "s", "engineLanguage": "ur"}],
        }
    ),
    "piper": VoiceModelSpec.model_validate(
        {"engine": "piper", "weights": {"source": "pvc", "claimName": "other", "path": "p"}}
    ),
}
KEYED = GenerationTarget(
    "gemma", "http://gemma-serve-svc.tts.svc:8000/v1", "gemma", SecretUse("g", "k", True)
)
KEYLESS = GenerationTarget("gemma", "http://gemma-serve-svc.tts.svc:8000/v1", "gemma", None)


def batch(**fields: Any) -> SpeechBatchSpec:
    base: dict[str, Any] = {
        "input": {"items": [{"index": 1, "texts": {"en": "Hello."}}]},
        "variants": {"avatars": ["female_en-GB"]},
    }
    return SpeechBatchSpec.model_validate({**base, **fields})


@pytest.mark.parametrize(
    ("fields", "kwargs", "field", "reason", "retryable"),
    [
        ({"voiceModels": ["nope"]}, {}, "spec.voiceModels.0", "VoiceModelNotFound", True),
        ({"runOn": {"voiceModel": "nope"}}, {}, "spec.runOn.voiceModel", "VoiceModelNotFound", True),
        (
            {"voiceModels": ["mms", "piper"]},
            {},
            "spec.voiceModels",
            INVALID_SPEC,
            False,
        ),
        (
            {"runOn": {"voiceModel": "espeak"}},
            {"cluster_name": "c"},
            "spec.runOn.voiceModel",
            INVALID_SPEC,
            False,
        ),
        (
            {"runOn": {"voiceModel": "kokoro"}, "output": {"volumeClaim": "other"}},
            {"cluster_name": "c"},
            "spec.output.volumeClaim",
            INVALID_SPEC,
            False,
        ),
        ({"runOn": {"voiceModel": "kokoro"}}, {}, "spec.runOn.voiceModel", "ClusterNotReady", True),
        (
            {"runOn": {"voiceModel": "kokoro"}},
            {"cluster_name": "c", "generation": KEYED},
            "spec.runOn.voiceModel",
            INVALID_SPEC,
            False,
        ),
        (
            {"runOn": {"voiceModel": "kokoro"}, "audit": {"hmacKeySecretRef": {"name": "x", "key": "y"}}},
            {"cluster_name": "c"},
            "spec.audit.hmacKeySecretRef",
            INVALID_SPEC,
            False,
        ),
    ],
)
def test_invalid_input_fails_before_building(
    fields: dict[str, Any], kwargs: dict[str, Any], field: str, reason: str, retryable: bool
) -> None:
    spec = batch(**fields)
    with pytest.raises(BuildError) as caught:
        validate_rayjob("b", "tts", spec, voice_models=MODELS, **kwargs)
    assert (caught.value.field, caught.value.reason, caught.value.retryable) == (field, reason, retryable)
    with pytest.raises(BuildError) as again:  # build_rayjob says the same, word for word
        build_rayjob("b", "tts", spec, SETTINGS, voice_models=MODELS, **kwargs)
    assert str(again.value) == str(caught.value)


def test_a_missing_voicemodel_is_named_before_anything_else() -> None:
    spec = batch(voiceModels=["nope"], runOn={"voiceModel": "espeak"})
    with pytest.raises(BuildError, match="'nope' was not found") as caught:
        validate_rayjob("b", "tts", spec, voice_models=MODELS)
    assert (caught.value.reason, caught.value.retryable) == ("VoiceModelNotFound", True)


@pytest.mark.parametrize(
    ("fields", "kwargs", "cluster", "models"),
    [
        ({"voiceModels": ["kokoro"]}, {}, DedicatedCluster(weights_claim=None), ["kokoro"]),
        (
            {"voiceModels": ["mms", "kokoro"]},
            {"generation": KEYED},
            DedicatedCluster(weights_claim="weights"),
            ["mms", "kokoro"],
        ),
        (
            {"voiceModels": ["espeak"], "runOn": {"voiceModel": "kokoro"}},
            {"cluster_name": "kokoro-raycluster-x", "generation": KEYLESS},
            OnVoiceModel("kokoro", "kokoro-raycluster-x"),
            ["espeak", "kokoro"],
        ),
    ],
)
def test_valid_input_is_typed(
    fields: dict[str, Any], kwargs: dict[str, Any], cluster: object, models: list[str]
) -> None:
    spec = batch(**fields)
    job = validate_rayjob("b", "tts", spec, voice_models=MODELS, **kwargs)
    assert job.cluster == cluster
    assert list(job.voice_models) == models  # the batch's own order, runOn.voiceModel last
    assert job.generation == kwargs.get("generation")
    body = owner("SpeechBatch", "b")
    built = assemble_rayjob(job, SETTINGS, owner=body)
    assert built == build_rayjob("b", "tts", spec, SETTINGS, owner=body, voice_models=MODELS, **kwargs)
    assert ("rayClusterSpec" in built["spec"]) is isinstance(cluster, DedicatedCluster)


def test_build_error_reasons_default_from_retryable() -> None:
    assert BuildError("x").reason == INVALID_SPEC
    assert BuildError("x", retryable=True).reason == DEPENDENCY_NOT_READY
    assert BuildError("x", reason="Mine").reason == "Mine"
    assert str(BuildError("bad", field="spec.x")) == "spec.x: bad"
