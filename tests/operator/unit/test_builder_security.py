"""spec.security -> credentials plan, the Serve app's SecurityArgs, Secret volumes and generated Secrets."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
import yaml

from tests.operator.unit.support import NOW, SETTINGS, owner
from voxray_operator.builders import (
    BuildError,
    SecretUse,
    build_api_keys_secret,
    build_audit_key_secret,
    build_rayservice,
    credential_plan,
    credentials_revision,
    parse_spec,
    read_key_command,
    secret_problem,
    secret_volumes,
    security_args,
)
from voxray_operator.status import credentials_status, get_condition, transition_events
from voxray_runtime.security.config import ApiKeyFile, SecurityArgs
from voxray_runtime.spec.voicemodel import VoiceModelSpec

KEY = "k" * 43  # the length of secrets.token_urlsafe(32)


def vm(**security: Any) -> VoiceModelSpec:
    return VoiceModelSpec.model_validate({"engine": "espeak", "security": security})


OIDC = {"issuer": "https://idp.example.com/realms/tts", "audience": "voxray"}
REF = {"secretRef": {"name": "tenant-keys"}}
AUDIT = {"hmacKeySecretRef": {"name": "audit", "key": "k"}}


@pytest.mark.parametrize(
    ("security", "api_keys", "audit_key"),
    [
        ({}, ("m-api-keys", "keys.yaml", True), ("m-audit-key", "hmac-key", True)),
        ({"apiKeys": REF}, ("tenant-keys", "keys.yaml", False), ("m-audit-key", "hmac-key", True)),
        ({"oidc": OIDC}, None, ("m-audit-key", "hmac-key", True)),
        (
            {"oidc": OIDC, "apiKeys": REF},
            ("tenant-keys", "keys.yaml", False),
            ("m-audit-key", "hmac-key", True),
        ),
        ({"auth": "Disabled"}, None, ("m-audit-key", "hmac-key", True)),
        ({"audit": AUDIT}, ("m-api-keys", "keys.yaml", True), ("audit", "k", False)),
    ],
    ids=["default", "referenced", "oidc-only", "oidc-and-keys", "disabled", "audit-referenced"],
)
def test_credential_plan(
    security: dict[str, Any],
    api_keys: tuple[str, str, bool] | None,
    audit_key: tuple[str, str, bool],
) -> None:
    plan = credential_plan("m", vm(**security))
    assert plan.api_keys == (SecretUse(*api_keys) if api_keys else None)
    assert plan.audit_key == SecretUse(*audit_key)


def test_default_security_args_require_keys_and_keep_the_model_text_limit() -> None:
    args = security_args("m", vm())
    assert args.auth == "required"
    assert args.api_keys_file == "/etc/voxray/api-keys/keys.yaml"
    assert args.audit_hmac_key_file == "/etc/voxray/audit-key/hmac-key"
    assert args.oidc is None
    assert args.max_text_chars == 5000  # serving.maxTextChars: nothing changes for existing VoiceModels
    assert args.cors_allow_origins == []
    assert args.log_text is False
    assert args.retention_seconds is None
    defaults = SecurityArgs(auth="disabled")
    assert (args.requests_per_minute, args.max_concurrent, args.max_body_bytes) == (
        defaults.requests_per_minute,
        defaults.max_concurrent,
        defaults.max_body_bytes,
    )


def test_every_setting_reaches_the_security_args() -> None:
    spec = vm(
        oidc={**OIDC, "jwksUrl": "https://idp.example.com/certs"},
        rateLimit={"requestsPerMinute": 30, "maxConcurrent": 2},
        limits={"maxTextChars": 1000, "maxBodyBytes": 8192},
        cors={"allowOrigins": ["https://app.example.com", "http://localhost:3000"]},
        logText=True,
        retention={"ttlSeconds": 86400},
    )
    args = security_args("m", spec)
    assert args.api_keys_file is None  # OIDC only: no keys generated
    assert args.oidc is not None
    assert (args.oidc.issuer, args.oidc.audience, args.oidc.jwks_url) == (
        OIDC["issuer"],
        "voxray",
        "https://idp.example.com/certs",
    )
    assert (args.requests_per_minute, args.max_concurrent) == (30, 2)
    assert (args.max_text_chars, args.max_body_bytes) == (1000, 8192)
    assert args.cors_allow_origins == ["https://app.example.com", "http://localhost:3000"]
    assert args.log_text is True
    assert args.retention_seconds == 86400


def test_disabled_auth_is_stated_in_the_serve_config() -> None:
    rs = build_rayservice("m", "ns", vm(auth="Disabled"), SETTINGS)
    serve = yaml.safe_load(rs["spec"]["serveConfigV2"])
    security = serve["applications"][0]["args"]["security"]
    assert security["auth"] == "disabled"
    assert "apiKeysFile" not in security
    names = {
        v["name"] for v in rs["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["volumes"]
    }
    assert "api-keys" not in names
    assert "audit-key" in names


def test_serve_config_args_round_trip_into_the_runtime_contract() -> None:
    rs = build_rayservice("m", "ns", vm(apiKeys=REF, oidc=OIDC), SETTINGS)
    args = yaml.safe_load(rs["spec"]["serveConfigV2"])["applications"][0]["args"]
    parsed = SecurityArgs.model_validate(args["security"])
    assert parsed == security_args("m", vm(apiKeys=REF, oidc=OIDC))


def test_secret_volumes_mount_one_key_read_only_owner_only() -> None:
    volumes, mounts = secret_volumes(
        credential_plan("m", vm(apiKeys={"secretRef": {"name": "t", "key": "x.json"}}))
    )
    assert volumes == [
        {
            "name": "api-keys",
            "secret": {
                "secretName": "t",
                "defaultMode": 0o400,
                "items": [{"key": "x.json", "path": "keys.yaml"}],
            },
        },
        {
            "name": "audit-key",
            "secret": {
                "secretName": "m-audit-key",
                "defaultMode": 0o400,
                "items": [{"key": "hmac-key", "path": "hmac-key"}],
            },
        },
    ]
    assert mounts == [
        {"name": "api-keys", "mountPath": "/etc/voxray/api-keys", "readOnly": True},
        {"name": "audit-key", "mountPath": "/etc/voxray/audit-key", "readOnly": True},
    ]


def test_pods_reading_0400_secrets_run_with_the_fs_group() -> None:
    """Secret files are root-owned; 0400 is readable by the runtime user only through the pod's fsGroup."""
    rs = build_rayservice("m", "ns", vm(), SETTINGS)
    cluster = rs["spec"]["rayClusterConfig"]
    for template in (cluster["headGroupSpec"]["template"], cluster["workerGroupSpecs"][0]["template"]):
        pod = template["spec"]
        assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"]
        assert {"api-keys", "audit-key"} <= {v["name"] for v in pod["volumes"]}


def decoded(secret: dict[str, Any]) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in secret["data"].items()}


def test_generated_api_keys_secret_holds_the_key_and_a_hash_only_file() -> None:
    body = owner("VoiceModel", "m")
    secret = build_api_keys_secret("m", "tts", KEY, owner=body)
    assert secret["metadata"]["name"] == "m-api-keys"
    assert secret["metadata"]["ownerReferences"][0]["uid"] == body["metadata"]["uid"]
    assert secret["type"] == "Opaque"
    data = decoded(secret)
    assert data["api-key"] == KEY.encode()
    keys = ApiKeyFile.model_validate(yaml.safe_load(data["keys.yaml"]))
    (entry,) = keys.keys
    assert entry.id == "default"
    assert entry.key is None
    assert entry.sha256 == hashlib.sha256(KEY.encode()).hexdigest()
    assert entry.scopes == ["speech", "store"]
    assert KEY.encode() not in data["keys.yaml"]


def test_generated_audit_key_secret() -> None:
    secret = build_audit_key_secret("m", "tts", b"x" * 32)
    assert secret["metadata"]["name"] == "m-audit-key"
    assert decoded(secret) == {"hmac-key": b"x" * 32}


@pytest.mark.parametrize("short", ["", "k" * 31])
def test_generated_keys_are_never_short(short: str) -> None:
    with pytest.raises(ValueError, match="at least"):
        build_api_keys_secret("m", "tts", short)
    with pytest.raises(ValueError, match="at least"):
        build_audit_key_secret("m", "tts", short.encode()[:15])


def test_long_names_give_valid_secret_names() -> None:
    name = "a" * 253
    plan = credential_plan(name, vm())
    assert plan.api_keys is not None
    assert len(plan.api_keys.name) <= 253
    assert plan.api_keys.name.endswith("-api-keys")
    assert plan.api_keys.name != plan.audit_key.name


def test_read_key_command() -> None:
    assert (
        read_key_command("m-api-keys", "tts")
        == "kubectl -n tts get secret m-api-keys -o jsonpath='{.data.api-key}' | base64 -d"
    )


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        (None, "SecretNotFound"),
        ({"data": {"other": "eA=="}}, "SecretKeyNotFound"),
        ({"data": {"keys.yaml": "eA=="}}, None),
        ({"stringData": {"keys.yaml": "x"}}, None),
    ],
)
def test_secret_problem(secret: dict[str, Any] | None, reason: str | None) -> None:
    problem = secret_problem(secret, SecretUse("t", "keys.yaml", generated=False), "tts")
    assert (problem[0] if problem else None) == reason
    if problem:
        assert "tts/t" in problem[1]
        assert "eA==" not in problem[1]


@pytest.mark.parametrize(
    ("security", "field"),
    [
        ({"auth": "Disabled", "oidc": OIDC}, "spec.security"),
        ({"auth": "Disabled", "apiKeys": REF}, "spec.security"),
        ({"auth": "disabled"}, "spec.security.auth"),
        ({"oidc": {"issuer": "https://idp.example.com"}}, "spec.security.oidc.audience"),
        ({"oidc": {"audience": "a"}}, "spec.security.oidc.issuer"),
        ({"oidc": {**OIDC, "issuer": "http://idp.example.com"}}, "spec.security.oidc.issuer"),
        ({"cors": {"allowOrigins": ["*"]}}, "spec.security.cors.allowOrigins.0"),
        ({"cors": {"allowOrigins": ["https://a.example.com/path"]}}, "spec.security.cors.allowOrigins.0"),
        ({"retention": {"ttlSeconds": 5}}, "spec.security.retention.ttlSeconds"),
        ({"apiKeys": {"secretRef": {"name": "Bad_Name"}}}, "spec.security.apiKeys.secretRef.name"),
        ({"apiKey": REF}, "spec.security.apiKey"),
    ],
)
def test_invalid_security_names_the_field(security: dict[str, Any], field: str) -> None:
    with pytest.raises(BuildError) as info:
        parse_spec("VoiceModel", {"engine": "espeak", "security": security})
    assert info.value.field == field, str(info.value)


def test_credentials_status_and_condition() -> None:
    plan = credential_plan("m", vm())
    out = credentials_status({"phase": "Ready"}, plan, namespace="tts", generation=3, now=NOW)
    assert out["phase"] == "Ready"
    assert out["credentials"] == {
        "auth": "Required",
        "apiKeysSecret": "m-api-keys",
        "apiKeysGenerated": True,
        "auditKeySecret": "m-audit-key",
        "readKeyCommand": read_key_command("m-api-keys", "tts"),
    }
    cond = get_condition(out["conditions"], "CredentialsReady")
    assert cond is not None
    assert (cond["status"], cond["reason"], cond["observedGeneration"]) == ("True", "GeneratedApiKey", 3)
    assert read_key_command("m-api-keys", "tts") in cond["message"]


def test_missing_secret_is_a_false_condition_with_a_warning_event() -> None:
    plan = credential_plan("m", vm(apiKeys=REF))
    ok = credentials_status({}, plan, namespace="tts", generation=1, now=NOW)
    problem = ("SecretNotFound", "Secret tts/tenant-keys was not found")
    bad = credentials_status(ok, plan, namespace="tts", generation=1, now=NOW, problem=problem)
    cond = get_condition(bad["conditions"], "CredentialsReady")
    assert cond is not None
    assert (cond["status"], cond["reason"], cond["message"]) == ("False", *problem)
    assert bad["message"] == problem[1]
    assert ("Warning", "SecretNotFound", problem[1]) in transition_events(ok, bad)
    assert transition_events(bad, bad) == []
    assert "readKeyCommand" not in bad["credentials"]  # a referenced Secret: its keys are the owner's


@pytest.mark.parametrize(
    ("security", "reason", "words"),
    [
        ({"auth": "Disabled"}, "AuthDisabled", "disabled"),
        (
            {"oidc": OIDC},
            "CredentialsConfigured",
            "JWT bearer tokens from https://idp.example.com/realms/tts",
        ),
        ({"apiKeys": REF}, "CredentialsConfigured", "API keys from Secret tenant-keys"),
    ],
)
def test_credentials_condition_says_how_callers_authenticate(
    security: dict[str, Any], reason: str, words: str
) -> None:
    out = credentials_status({}, credential_plan("m", vm(**security)), namespace="tts", generation=1, now=NOW)
    cond = get_condition(out["conditions"], "CredentialsReady")
    assert cond is not None
    assert cond["reason"] == reason
    assert words in cond["message"]


@pytest.mark.parametrize(
    ("annotations", "revision"),
    [
        (None, None),
        ({}, None),
        ({"voxray.io/credentials-revision": ""}, None),
        ({"voxray.io/credentials-revision": "2"}, "2"),
        ({"voxray.io/credentials-revision": "r" * 300}, "r" * 256),
    ],
)
def test_credentials_revision_reaches_only_the_ingress(
    annotations: dict[str, str] | None, revision: str | None
) -> None:
    body = {"metadata": {"name": "m", "annotations": annotations}}
    assert credentials_revision(body) == revision
    rs = build_rayservice("m", "ns", vm(), SETTINGS, credentials_revision=credentials_revision(body))
    ingress, model = yaml.safe_load(rs["spec"]["serveConfigV2"])["applications"][0]["deployments"]
    env = (ingress["ray_actor_options"].get("runtime_env") or {}).get("env_vars")
    assert env == ({"VOXRAY_CREDENTIALS_REVISION": revision} if revision else None)
    assert "runtime_env" not in model["ray_actor_options"]


def test_disabling_auth_is_a_warning_event_once() -> None:
    ok = credentials_status({}, credential_plan("m", vm()), namespace="tts", generation=1, now=NOW)
    off = credentials_status(
        ok, credential_plan("m", vm(auth="Disabled")), namespace="tts", generation=2, now=NOW
    )
    events = transition_events(ok, off)
    assert [(t, r) for t, r, _ in events] == [("Warning", "AuthDisabled")]
    assert transition_events(off, off) == []
