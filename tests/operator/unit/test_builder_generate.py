"""SpeechBatch spec.generate -> the TextModel, the driver's environment and the batch key mount."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.operator.unit.support import SETTINGS
from voxray_operator.builders import (
    ENV_KEY_FILE,
    ENV_MODEL_ID,
    ENV_URL,
    BuildError,
    TextModelInfo,
    build_rayjob,
    find_text_model,
    generation_target,
)
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

GEMMA = TextModelSpec.model_validate({"servedModelName": "gemma-3-270m-q4_k_m"})


def batch(text_model: str | None = "gemma", **fields: Any) -> SpeechBatchSpec:
    gen: dict[str, Any] = {"brief": "A hotel by the sea.", "count": 2, "languages": ["en", "es"]}
    if text_model is not None:
        gen["textModel"] = text_model
    return SpeechBatchSpec.model_validate(
        {"generate": gen, "variants": {"avatars": ["female_en-GB", "male_es"]}, **fields}
    )


def ready(spec: TextModelSpec = GEMMA, name: str = "gemma") -> dict[str, TextModelInfo]:
    return {name: TextModelInfo(name, spec, phase="Ready")}


def runtime_env(job: dict[str, Any]) -> dict[str, str]:
    return yaml.safe_load(job["spec"]["runtimeEnvYAML"])["env_vars"]  # type: ignore[no-any-return]


def test_env_and_key_mount_on_the_dedicated_head() -> None:
    target = generation_target(batch(), "tts", ready())
    assert target is not None
    job = build_rayjob("posts", "tts", batch(), SETTINGS, generation=target)
    env = runtime_env(job)
    assert env[ENV_URL] == "http://gemma-serve-svc.tts.svc:8000/v1"
    assert env[ENV_MODEL_ID] == "gemma-3-270m-q4_k_m"
    assert env[ENV_KEY_FILE] == "/etc/voxray/text-api-key/api-key"
    head = job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
    (volume,) = [v for v in head["volumes"] if v["name"] == "text-api-key"]
    # only the batch key of the TextModel's Secret; never the administrator's key or the keys file
    assert volume["secret"] == {
        "secretName": "gemma-api-keys",
        "defaultMode": 0o400,
        "items": [{"key": "batch-api-key", "path": "api-key"}],
    }
    mount = next(m for m in head["containers"][0]["volumeMounts"] if m["name"] == "text-api-key")
    assert (mount["mountPath"], mount["readOnly"]) == ("/etc/voxray/text-api-key", True)


def test_auth_disabled_needs_no_key() -> None:
    spec = TextModelSpec.model_validate({"security": {"auth": "Disabled"}})
    target = generation_target(batch(), "tts", ready(spec))
    assert target is not None
    assert target.key is None
    job = build_rayjob("posts", "tts", batch(), SETTINGS, generation=target)
    assert ENV_KEY_FILE not in runtime_env(job)
    assert runtime_env(job)[ENV_MODEL_ID] == "gemma"


def test_referenced_keys_secret_is_where_the_batch_key_is() -> None:
    spec = TextModelSpec.model_validate({"security": {"apiKeys": {"secretRef": {"name": "llm-keys"}}}})
    target = generation_target(batch(), "tts", ready(spec))
    assert target is not None
    assert target.key is not None
    assert (target.key.name, target.key.key, target.key.generated) == ("llm-keys", "batch-api-key", False)


@pytest.mark.parametrize(
    ("models", "words"),
    [
        ({}, "was not found in namespace tts"),
        ({"gemma": TextModelInfo("gemma", GEMMA, phase="Deploying", message="pulling")}, "not Ready yet"),
        ({"gemma": TextModelInfo("gemma", None, message="spec.engine: bad")}, "invalid spec"),
        (
            ready(
                TextModelSpec.model_validate(
                    {"security": {"oidc": {"issuer": "https://idp.example.com", "audience": "a"}}}
                )
            ),
            "accepts only OIDC tokens",
        ),
    ],
)
def test_missing_or_unready_text_model_waits(models: dict[str, TextModelInfo], words: str) -> None:
    with pytest.raises(BuildError) as caught:
        generation_target(batch(), "tts", models)
    assert caught.value.retryable
    assert caught.value.field == "spec.generate.textModel"
    assert words in caught.value.message


def test_found_by_served_model_name_and_packaged_when_absent() -> None:
    assert find_text_model("gemma-3-270m-q4_k_m", ready()) is not None
    two = {**ready(), "other": TextModelInfo("other", GEMMA, phase="Ready")}
    assert find_text_model("gemma-3-270m-q4_k_m", two) is None  # ambiguous: by name only
    assert generation_target(batch(text_model=None), "tts", {}) is None


def test_on_a_voicemodel_cluster_the_key_cannot_be_mounted() -> None:
    kokoro = VoiceModelSpec.model_validate({"engine": "kokoro", "output": {"volumeClaim": "audio"}})
    spec = batch(voiceModels=["kokoro"], runOn={"voiceModel": "kokoro"})
    target = generation_target(spec, "tts", ready())
    with pytest.raises(BuildError) as caught:
        build_rayjob(
            "posts",
            "tts",
            spec,
            SETTINGS,
            voice_models={"kokoro": kokoro},
            cluster_name="k-1",
            generation=target,
        )
    assert caught.value.field == "spec.runOn.voiceModel"
    assert not caught.value.retryable
