"""Access to the speech API through the chart: an API keys Secret of hashes, the Ray pods' NetworkPolicy,
and Ingresses that terminate TLS (refused without it unless plain HTTP is asked for explicitly)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import yaml
from delivery_lib import CHART, by_kind, helm, one, render, value_sets

from voxray_runtime.security.config import ApiKeyFile

SECURITY = value_sets()["security-values"]
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def rejected(values: dict[str, Any], match: str) -> None:
    with pytest.raises(helm().HelmError, match=match):
        helm().Chart.load(str(CHART)).render(values, name="voxray", namespace="x", is_install=True)


def test_created_secret_holds_hashes_in_the_runtime_format() -> None:
    secret = one(render(SECURITY), "Secret")
    assert secret["metadata"]["name"] == "voxray-api-keys"
    text = base64.b64decode(secret["data"]["keys.yaml"]).decode()
    keys = ApiKeyFile.model_validate(yaml.safe_load(text))
    assert [k.id for k in keys.keys] == ["web-app", "batch-tool"]
    assert all(k.key is None and k.sha256 for k in keys.keys)
    assert keys.keys[1].requests_per_minute == 60


def test_chart_voicemodels_use_the_secret_unless_they_say_otherwise() -> None:
    values = {
        "security": {"apiKeysSecret": {"name": "tenant-keys"}},
        "voiceModels": {
            "plain": {"engine": "espeak"},
            "oidc": {
                "engine": "espeak",
                "security": {"oidc": {"issuer": "https://i.example", "audience": "a"}},
            },
            "noauth": {"engine": "espeak", "security": {"auth": "Disabled"}},
            "own": {"engine": "espeak", "security": {"apiKeys": {"secretRef": {"name": "own"}}}},
        },
    }
    docs = render(values)
    assert by_kind(docs, "Secret") == []  # pre-created: referenced, not rendered
    refs = {
        d["metadata"]["name"]: ((d["spec"].get("security") or {}).get("apiKeys") or {}).get("secretRef")
        for d in by_kind(docs, "VoiceModel")
    }
    assert refs == {"plain": {"name": "tenant-keys"}, "oidc": None, "noauth": None, "own": {"name": "own"}}
    # without a chart-level Secret nothing is added: each VoiceModel gets its generated key
    plain = one(render({"voiceModels": {"plain": {"engine": "espeak"}}}), "VoiceModel")
    assert "security" not in plain["spec"]


def test_chart_textmodels_follow_the_same_rule() -> None:
    values = {
        "security": {"apiKeysSecret": {"name": "tenant-keys"}},
        "textModels": {"gemma": {"engine": "llamacpp"}, "open": {"security": {"auth": "Disabled"}}},
    }
    refs = {
        d["metadata"]["name"]: ((d["spec"].get("security") or {}).get("apiKeys") or {}).get("secretRef")
        for d in by_kind(render(values), "TextModel")
    }
    assert refs == {"gemma": {"name": "tenant-keys"}, "open": None}
    plain = one(render({"textModels": {"gemma": {}}}), "TextModel")
    assert plain["apiVersion"] == "voxray.io/v1alpha1"
    assert plain["spec"] == {}


def test_chart_transcriptionmodels_follow_the_same_rule() -> None:
    values = {"security": {"apiKeysSecret": {"name": "tenant-keys"}}, "transcriptionModels": {"whisper": {}}}
    (doc,) = by_kind(render(values), "TranscriptionModel")
    assert doc["metadata"]["name"] == "whisper"
    assert doc["spec"]["security"]["apiKeys"]["secretRef"] == {"name": "tenant-keys"}


def test_values_never_hold_a_plain_key() -> None:
    rejected(
        {"security": {"apiKeysSecret": {"create": True, "keys": [{"id": "a", "key": "x" * 40}]}}},
        "key|additional",
    )
    rejected(
        {"security": {"apiKeysSecret": {"create": True, "keys": [{"id": "a", "sha256": "ABC"}]}}}, "sha256"
    )
    rejected({"security": {"apiKeysSecret": {"create": True}}}, "at least one")


def test_serve_network_policy_opens_only_the_listed_callers() -> None:
    policies = by_kind(render(SECURITY), "NetworkPolicy")
    assert sorted(p["metadata"]["namespace"] for p in policies) == ["tts", "voxray-system"]
    for policy in policies:
        spec = policy["spec"]
        assert spec["podSelector"]["matchLabels"] == {"app.kubernetes.io/managed-by": "voxray-operator"}
        (expression,) = spec["podSelector"]["matchExpressions"]
        assert expression == {
            "key": "app.kubernetes.io/component",
            "operator": "In",
            "values": ["voicemodel", "textmodel", "transcriptionmodel"],
        }
        assert spec["policyTypes"] == ["Ingress"]
        by_port = {
            rule["ports"][0]["port"] if "ports" in rule else "all": rule["from"] for rule in spec["ingress"]
        }
        assert set(by_port) == {"all", 8000, 8080, 8265}
        assert by_port["all"] == [
            {"podSelector": {"matchLabels": {"app.kubernetes.io/managed-by": "voxray-operator"}}}
        ]
        api_namespaces = [peer["namespaceSelector"]["matchLabels"] for peer in by_port[8000]]
        assert {"kubernetes.io/metadata.name": "ingress-nginx"} in api_namespaces
        assert all(peer["podSelector"] for peer in by_port[8000])
        assert by_port[8080] == [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
        ]
        assert len(by_port[8265]) == 2  # KubeRay, and the voxray operator pod


def test_serve_network_policy_selects_the_serving_pods_the_operator_builds() -> None:
    """VoiceModel, TextModel and TranscriptionModel Ray pods are selected; a SpeechBatch's own cluster is not
    (it serves nothing)."""
    from voxray_operator.builders import build_rayjob, build_rayservice, build_transcription_rayservice
    from voxray_operator.builders.textservice import build_text_rayservice
    from voxray_operator.config import BuildSettings
    from voxray_runtime.spec.speechbatch import SpeechBatchSpec
    from voxray_runtime.spec.textmodel import TextModelSpec
    from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
    from voxray_runtime.spec.voicemodel import VoiceModelSpec

    (policy, *_) = by_kind(render(SECURITY), "NetworkPolicy")
    selector = policy["spec"]["podSelector"]

    def selected(labels: dict[str, str]) -> bool:
        if any(labels.get(k) != v for k, v in selector["matchLabels"].items()):
            return False
        return all(labels.get(e["key"]) in e["values"] for e in selector["matchExpressions"])

    settings = BuildSettings()
    voice = build_rayservice("kokoro", "tts", VoiceModelSpec(engine="kokoro"), settings)
    text = build_text_rayservice("gemma", "tts", TextModelSpec(), settings)
    heard = build_transcription_rayservice("whisper", "tts", TranscriptionModelSpec(), settings)
    for rs in (voice, text, heard):
        cluster = rs["spec"]["rayClusterConfig"]
        for template in [cluster["headGroupSpec"]["template"], cluster["workerGroupSpecs"][0]["template"]]:
            assert selected(template["metadata"]["labels"])
    batch = SpeechBatchSpec.model_validate(
        {"input": {"items": [{"index": 0, "texts": {"en": "Hi."}}]}, "variants": {"all": True}}
    )
    job = build_rayjob("b", "tts", batch, settings)
    assert not selected(job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["metadata"]["labels"])


@pytest.mark.parametrize(
    ("values", "namespaces"),
    [
        ({}, ["voxray-system"]),
        ({"operator": {"watchNamespaces": ["a", "b"]}}, ["a", "b"]),
        ({"serveAccess": {"networkPolicy": {"namespaces": ["c"]}}}, ["c"]),
    ],
)
def test_serve_network_policy_namespaces(values: dict[str, Any], namespaces: list[str]) -> None:
    values = {
        **values,
        "serveAccess": {
            "networkPolicy": {"enabled": True, **(values.get("serveAccess") or {}).get("networkPolicy", {})}
        },
    }
    policies = [
        p for p in by_kind(render(values), "NetworkPolicy") if p["metadata"]["name"].endswith("-serve")
    ]
    assert sorted(p["metadata"]["namespace"] for p in policies) == namespaces


def test_no_callers_listed_means_no_api_access_from_other_namespaces() -> None:
    values = {"serveAccess": {"networkPolicy": {"enabled": True, "allowedNamespaceSelectors": []}}}
    (policy,) = [
        p for p in by_kind(render(values), "NetworkPolicy") if p["metadata"]["name"].endswith("-serve")
    ]
    assert all(8000 not in [p["port"] for p in rule.get("ports", [])] for rule in policy["spec"]["ingress"])


def test_ingress_terminates_tls_for_the_voicemodel_service() -> None:
    ingress = one(render(SECURITY), "Ingress")
    spec = ingress["spec"]
    assert spec["tls"] == [{"secretName": "tts-example-com-tls", "hosts": ["tts.example.com"]}]
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    backend = spec["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "espeak-cpu-serve-svc", "port": {"number": 8000}}


def test_ingress_without_tls_is_refused_unless_plaintext_is_explicit() -> None:
    hosts = [{"host": "tts.example.com", "voiceModel": "m"}]
    rejected({"serveAccess": {"ingress": {"enabled": True, "hosts": hosts}}}, "needs tls")
    other = [{"secretName": "s", "hosts": ["other.example.com"]}]
    rejected({"serveAccess": {"ingress": {"enabled": True, "hosts": hosts, "tls": other}}}, "no tls entry")
    plain = render({"serveAccess": {"ingress": {"enabled": True, "hosts": hosts, "allowPlaintext": True}}})
    assert "tls" not in one(plain, "Ingress")["spec"]
