"""The VoiceModel CRD carries spec.security with what kubectl apply must refuse: auth Disabled beside
credentials, OIDC without issuer or audience, plain-HTTP issuers, wildcard CORS origins."""

from __future__ import annotations

from typing import Any

from tests.operator.schema.test_crd_generation import load, schema_of


def security() -> dict[str, Any]:
    spec = schema_of(load("voxray.io_voicemodels.yaml"))["properties"]["spec"]
    assert "security" not in spec.get("required", [])  # absent means the secure defaults
    node: dict[str, Any] = spec["properties"]["security"]
    return node


def test_auth_is_required_by_default_and_disabled_must_be_spelled_out() -> None:
    auth = security()["properties"]["auth"]
    assert auth["enum"] == ["Required", "Disabled"]
    assert auth["default"] == "Required"
    rules = [r["rule"] for r in security()["x-kubernetes-validations"]]
    assert rules == ["self.auth != 'Disabled' || (!has(self.apiKeys) && !has(self.oidc))"]


def test_oidc_needs_an_https_issuer_and_an_audience() -> None:
    oidc = security()["properties"]["oidc"]
    assert sorted(oidc["required"]) == ["audience", "issuer"]
    assert oidc["properties"]["issuer"]["pattern"].startswith("^https://")
    assert oidc["properties"]["jwksUrl"]["pattern"].startswith("^https://")


def test_secret_references_and_their_default_keys() -> None:
    props = security()["properties"]
    api_ref = props["apiKeys"]["properties"]["secretRef"]
    assert props["apiKeys"]["required"] == ["secretRef"]
    assert api_ref["required"] == ["name"]
    assert api_ref["properties"]["key"]["default"] == "keys.yaml"
    audit_ref = props["audit"]["properties"]["hmacKeySecretRef"]
    assert audit_ref["properties"]["key"]["default"] == "hmac-key"


def test_limits_cors_and_retention_are_bounded() -> None:
    props = security()["properties"]
    origins = props["cors"]["properties"]["allowOrigins"]
    assert "*" not in origins["items"]["pattern"].replace("[0-9]{1,5}", "")  # no wildcard origin
    assert origins["maxItems"] == 64
    assert props["retention"]["properties"]["ttlSeconds"]["minimum"] == 60
    assert props["limits"]["properties"]["maxBodyBytes"]["maximum"] == 16 * 1024 * 1024
    assert props["rateLimit"]["properties"]["requestsPerMinute"]["minimum"] == 1


def test_status_says_how_callers_authenticate() -> None:
    status = schema_of(load("voxray.io_voicemodels.yaml"))["properties"]["status"]["properties"]
    assert set(status["credentials"]["properties"]) == {
        "auth",
        "apiKeysSecret",
        "apiKeysGenerated",
        "auditKeySecret",
        "oidcIssuer",
        "readKeyCommand",
    }
