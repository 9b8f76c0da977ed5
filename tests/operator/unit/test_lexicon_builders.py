"""Lexicons in the operator's pure parts: the CRD model, the Lexicon status, the ingress user_config of a
VoiceModel's RayService, LexiconNotFound, and the SpeechBatch document carrying the named Lexicons."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.operator.unit.support import NOW, SETTINGS
from voxray_operator.api import Lexicon
from voxray_operator.builders import BuildError, build_batch_configmap, build_serve_config
from voxray_operator.status.lexicon import lexicon_status
from voxray_runtime.spec.lexicon import LexiconSpec
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

QASR = {"text": "Qasr", "language": "en", "alias": "Kasr"}
BRAND = LexiconSpec.model_validate({"entries": [QASR]})
CITY = LexiconSpec.model_validate({"entries": [{**QASR, "alias": "Castle"}, {**QASR, "text": "Burj"}]})


def test_the_crd_model_takes_the_runtime_spec() -> None:
    doc = Lexicon.model_validate(
        {
            "apiVersion": "voxray.io/v1alpha1",
            "kind": "Lexicon",
            "metadata": {"name": "b"},
            "spec": {"entries": [QASR]},
        }
    )
    assert doc.spec.entries[0].alias == "Kasr"
    assert doc.status is None
    with pytest.raises(ValueError, match="exactly one of alias or ipa"):
        Lexicon.model_validate({"kind": "Lexicon", "spec": {"entries": [{"text": "Qasr", "language": "en"}]}})


@pytest.mark.parametrize(
    ("spec", "valid", "reason", "message"),
    [
        ({"entries": [QASR]}, "True", "Valid", "1 entries (en)"),
        ({}, "True", "Valid", "0 entries"),
        ({"entries": [{"text": "Qasr", "language": "en"}]}, "False", "Invalid", "spec.entries.0: "),
        ({"entries": [QASR, {**QASR, "text": "qasr"}]}, "False", "Invalid", "spec: entries[1] ('qasr', en)"),
        ({"entries": [{**QASR, "language": "fr"}]}, "False", "Invalid", "spec.entries.0.language: "),
    ],
)
def test_lexicon_status(spec: dict[str, Any], valid: str, reason: str, message: str) -> None:
    status = lexicon_status(spec, generation=4, previous=None, now=NOW)
    (cond,) = status["conditions"]
    assert (cond["type"], cond["status"], cond["reason"], cond["observedGeneration"]) == (
        "Valid",
        valid,
        reason,
        4,
    )
    assert cond["message"].startswith(message)
    assert status["message"] == cond["message"]
    assert status["observedGeneration"] == 4
    assert ("version" in status) == (valid == "True")


def ingress(config: dict[str, Any]) -> dict[str, Any]:
    return dict(config["applications"][0]["deployments"][0])


def test_the_named_lexicons_go_into_the_ingress_user_config_in_order() -> None:
    spec = VoiceModelSpec(engine="kokoro", lexicons=["city", "brand"])
    config = build_serve_config(
        "kokoro", spec, SETTINGS, lexicons={"brand": BRAND, "city": CITY, "other": BRAND}
    )
    lexicon = ingress(config)["user_config"]["lexicons"]["kokoro"]
    assert lexicon["names"] == ["city", "brand"]
    assert [(e["text"], e["alias"]) for e in lexicon["entries"]] == [("Qasr", "Castle"), ("Burj", "Kasr")]
    # the model deployment and the app's args do not hold the entries: only user_config changes with them
    edited = build_serve_config("kokoro", spec, SETTINGS, lexicons={"brand": CITY, "city": BRAND})
    app, app2 = config["applications"][0], edited["applications"][0]
    assert app["args"] == app2["args"]
    assert app["deployments"][1] == app2["deployments"][1]
    assert ingress(config)["user_config"] != ingress(edited)["user_config"]


def test_a_missing_lexicon_is_lexicon_not_found() -> None:
    spec = VoiceModelSpec(engine="kokoro", lexicons=["brand", "gone"])
    with pytest.raises(BuildError) as info:
        build_serve_config("kokoro", spec, SETTINGS, lexicons={"brand": BRAND})
    err = info.value
    assert (err.reason, err.retryable, err.field) == ("LexiconNotFound", True, "spec.lexicons.1")
    assert "Lexicon 'gone' was not found in the namespace" in str(err)


def test_the_batch_document_carries_the_named_lexicons() -> None:
    spec = SpeechBatchSpec.model_validate(
        {
            "input": {"items": [{"index": 1, "texts": {"en": "Qasr"}}]},
            "variants": {"avatars": ["female_en-GB"]},
            "lexicons": ["brand"],
        }
    )
    cm = build_batch_configmap("b", "ns", spec, lexicons={"brand": BRAND, "city": CITY})
    docs = list(yaml.safe_load_all(cm["data"]["speechbatch.yaml"]))
    assert [(d["kind"], d["metadata"]["name"]) for d in docs] == [("Lexicon", "brand"), ("SpeechBatch", "b")]
    assert docs[0]["spec"] == {"entries": [QASR]}
    with pytest.raises(BuildError) as info:
        build_batch_configmap("b", "ns", spec, lexicons={})
    assert info.value.reason == "LexiconNotFound"
