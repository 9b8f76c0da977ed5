"""Session-wide fixtures: one local Ray per test session (TESTING.md tier 5)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_DEDUP_LOGS", "0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[dict[str, Any]]:
    """A local Ray started once for the whole session; yields its GCS address and metrics port.

    Fresh ``_temp_dir`` each run (a stale one makes ray.init hang). 2 CPUs as on CI machines.
    """
    import ray

    tmp = tempfile.mkdtemp(prefix="vxr-", dir="/tmp")
    metrics_port = free_port()
    ctx = ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=tmp,
        _metrics_export_port=metrics_port,
        log_to_driver=False,
        runtime_env={"env_vars": {"RAY_USAGE_STATS_ENABLED": "0"}},
    )
    try:
        yield {"address": ctx.address_info["gcs_address"], "metrics_port": metrics_port, "temp_dir": tmp}
    finally:
        try:
            from ray import serve

            serve.shutdown()
        except Exception:
            pass
        ray.shutdown()


def _wait(url: str, timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(url)


@pytest.fixture(scope="session")
def output_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audio-output")


@pytest.fixture(scope="session")
def serve_base(ray_cluster: dict[str, Any]) -> str:
    """Serve's HTTP proxy on a free loopback port; every app of the session is deployed behind it."""
    from ray import serve

    port = free_port()
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def serve_url(serve_base: str, output_dir: Path) -> Iterator[str]:
    """The voxray app with the bundled models, on a free loopback port."""
    from ray import serve

    from voxray_runtime.models import default_models
    from voxray_runtime.serve.app import build_app

    args = {
        "models": [{"name": m.name, "spec": m.spec.to_wire()} for m in default_models()],
        "stt": {"spec": {"resources": {"cpu": 0.05}, "serving": {"threads": 2}}},
        "output_dir": str(output_dir),
        "ingress_num_cpus": 0.05,
        # the functional tests run on loopback without credentials (and without per-caller limits
        # in their way); access control and limits are tested against the secure app (tests/security)
        "security": {"auth": "disabled", "requests_per_minute": 1_000_000, "max_concurrent": 10_000},
    }
    serve.run(build_app(args), name="voxray", route_prefix="/", blocking=False)
    url = serve_base
    _wait(f"{url}/v1/voices")
    yield url
    serve.delete("voxray")


@pytest.fixture(scope="session")
def tight_url(serve_url: str, output_dir: Path) -> Iterator[str]:
    """A second app whose espeak model takes one request at a time and queues one: overload is easy."""
    from ray import serve

    from voxray_runtime.serve.app import build_app

    spec = {"engine": "espeak", "resources": {"cpu": 0.05}, "serving": {"maxOngoingRequests": 1}}
    args = {
        "models": [{"name": "tight", "spec": spec}],
        "output_dir": str(output_dir),
        "max_queued_requests": 1,
        "ingress_num_cpus": 0.0,
        "ingress_max_ongoing_requests": 64,
        "security": {"auth": "disabled", "requests_per_minute": 1_000_000, "max_concurrent": 10_000},
    }
    app = build_app(args)
    serve.run(app, name="tight", route_prefix="/tight", blocking=False)
    url = f"{serve_url}/tight"
    _wait(f"{url}/v1/voices")
    yield url
    serve.delete("tight")


# ---- the secure app: auth required, API keys and OIDC tokens, tight limits, audit to a file ---------------
@dataclass(frozen=True)
class SecureApp:
    """What the security tests need to talk to the secure app and check what it wrote."""

    url: str
    #: plain API keys by id (the app only ever sees them hashed), and the file the app reads them from
    keys: dict[str, str]
    keys_file: Path
    issuer: str
    audience: str
    #: the RSA private key whose public half is in the app's JWKS, and its kid
    signing_key: Any
    kid: str
    audit_log: Path
    ray_logs: Path
    output_dir: Path
    max_body_bytes: int
    max_text_chars: int
    cors_origin: str
    #: stored speech written before the app started: one past the retention TTL, one within it
    expired_file: Path
    recent_file: Path


SECURE_MODELS = ("speak", "speak-alt")


@pytest.fixture(scope="session")
def secure_app(
    serve_base: str, ray_cluster: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SecureApp]:
    """The voxray app as a cluster runs it: authentication required (API keys file + OIDC JWKS file),
    per-key permissions and limits, small body and text limits, CORS for one origin, audit to a file.
    Two light espeak models so that per-model permissions can be told apart."""
    import secrets

    import yaml
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm
    from ray import serve

    from voxray_runtime.serve.app import build_app

    d = tmp_path_factory.mktemp("secure")
    keys = {
        name: f"vxk-{name}-{secrets.token_urlsafe(24)}"
        for name in ("writer", "alice", "limited", "throttled", "solo", "fuzz", "hashed", "revocable")
    }
    doc = {
        "keys": [
            {"id": "writer", "key": keys["writer"], "scopes": ["speech", "store"]},
            {"id": "alice", "key": keys["alice"], "models": ["speak-alt"]},
            {"id": "limited", "key": keys["limited"], "requestsPerMinute": 60},
            {"id": "throttled", "key": keys["throttled"], "requestsPerMinute": 6},
            {"id": "solo", "key": keys["solo"], "maxConcurrent": 1},
            {
                "id": "fuzz",
                "key": keys["fuzz"],
                "scopes": ["speech", "store"],
                "requestsPerMinute": 1_000_000,
                "maxConcurrent": 64,
            },
            # given as its SHA-256 only, as a Secret generated elsewhere would
            {"id": "hashed", "sha256": hashlib.sha256(keys["hashed"].encode()).hexdigest()},
            {"id": "revocable", "key": keys["revocable"]},
        ]
    }
    keys_file = d / "keys.yaml"
    keys_file.write_text(yaml.safe_dump(doc))
    signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(signing_key.public_key()))
    jwk |= {"kid": "test-key-1", "use": "sig", "alg": "RS256"}
    jwks_file = d / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [jwk]}))
    hmac_file = d / "audit-hmac-key"
    hmac_file.write_bytes(secrets.token_bytes(32).hex().encode())
    audit_log = d / "audit" / "audit.jsonl"
    out = d / "audio"
    expired, recent = (
        out / "speech" / "2020-01-01" / "expired.mp3",
        out / "speech" / "2020-01-02" / "recent.mp3",
    )
    for f, age_s in ((expired, 7200), (recent, 60)):
        f.parent.mkdir(parents=True)
        f.write_bytes(b"ID3 stored earlier")
        os.utime(f, (time.time() - age_s, time.time() - age_s))
    spec = {"engine": "espeak", "resources": {"cpu": 0.05}, "serving": {"maxOngoingRequests": 8}}
    issuer, audience = "https://issuer.voxray.test", "voxray-api"
    args = {
        "models": [{"name": name, "spec": spec} for name in SECURE_MODELS],
        "output_dir": str(out),
        "ingress_num_cpus": 0.0,
        "security": {
            "auth": "required",
            "apiKeysFile": str(keys_file),
            "oidc": {"issuer": issuer, "audience": audience, "jwksFile": str(jwks_file)},
            "maxBodyBytes": 4096,
            "maxTextChars": 200,
            "corsAllowOrigins": ["https://app.voxray.test"],
            "auditHmacKeyFile": str(hmac_file),
            "auditLogFile": str(audit_log),
            "retentionSeconds": 3600,
        },
    }
    serve.run(build_app(args), name="secure", route_prefix="/secure", blocking=False)
    url = f"{serve_base}/secure"
    _wait(f"{url}/readyz")
    yield SecureApp(
        url=url,
        keys=keys,
        keys_file=keys_file,
        issuer=issuer,
        audience=audience,
        signing_key=signing_key,
        kid="test-key-1",
        audit_log=audit_log,
        ray_logs=Path(ray_cluster["temp_dir"]),
        output_dir=out,
        max_body_bytes=4096,
        max_text_chars=200,
        cors_origin="https://app.voxray.test",
        expired_file=expired,
        recent_file=recent,
    )
    serve.delete("secure")
