"""Session-wide fixtures: one local Ray per test session (TESTING.md tier 5)."""

from __future__ import annotations

import os
import socket
import tempfile
import time
from collections.abc import Iterator
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
def serve_url(ray_cluster: dict[str, Any], output_dir: Path) -> Iterator[str]:
    """The voxray app with the bundled models, on a free loopback port."""
    from ray import serve

    from voxray_runtime.models import default_models
    from voxray_runtime.serve.app import build_app

    port = free_port()
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    args = {
        "models": [{"name": m.name, "spec": m.spec.to_wire()} for m in default_models()],
        "output_dir": str(output_dir),
        "ingress_num_cpus": 0.05,
        # the functional tests run on loopback without credentials; access control is tested
        # against the secure_url app (tests/security)
        "security": {"auth": "disabled"},
    }
    serve.run(build_app(args), name="voxray", route_prefix="/", blocking=False)
    url = f"http://127.0.0.1:{port}"
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
        "security": {"auth": "disabled"},
    }
    app = build_app(args)
    serve.run(app, name="tight", route_prefix="/tight", blocking=False)
    url = f"{serve_url}/tight"
    _wait(f"{url}/v1/voices")
    yield url
    serve.delete("tight")
