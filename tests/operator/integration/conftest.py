"""Fixtures of the operator integration tests (helpers and fakes live in opkit.py).

- ``cluster``: the hardened emulator on 127.0.0.1, a kubeconfig pointing at it (``$KUBECONFIG``), a client;
- ``dashboard``: a fake Ray dashboard serving ``/api/jobs/{id}/logs``;
- ``kuberay``: a fake KubeRay controller task writing RayService / RayJob status through the same API;
- ``prometheus``: a stand-in answering ``/api/v1/query`` with a settable value (the operator's URL);
- ``operator``: kopf running our handlers in its own thread (``start()`` / ``stop()`` for restarts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp.web
import kmock
import pytest
import pytest_asyncio
import yaml
from kubesim import HardenedEmulator, kubeconfig
from opkit import Cluster, FakeDashboard, FakeKubeRay, FakePrometheus, Operator

from voxray_operator import k8s


@pytest_asyncio.fixture()
async def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Cluster]:
    async with HardenedEmulator() as emulator, kmock.Server(emulator) as server:
        url = str(server.url).rstrip("/")
        config = tmp_path / "kubeconfig"
        config.write_text(yaml.safe_dump(kubeconfig(url)), encoding="utf-8")
        monkeypatch.setenv("KUBECONFIG", str(config))
        monkeypatch.setenv("VOXRAY_OPERATOR_METRICS_PORT", "0")
        monkeypatch.setenv("VOXRAY_OPERATOR_HEALTH_PORT", "0")
        monkeypatch.setenv("VOXRAY_OPERATOR_LOG_FORMAT", "plain")
        monkeypatch.setenv("VOXRAY_OPERATOR_PROGRESS_INTERVAL_SECONDS", "1")
        monkeypatch.setenv("VOXRAY_OPERATOR_RETRY_DELAY_SECONDS", "1")
        monkeypatch.setenv("VOXRAY_OPERATOR_PROMETHEUS_URL", "http://127.0.0.1:9")  # nothing listens
        monkeypatch.setenv("VOXRAY_OPERATOR_PROMETHEUS_TIMEOUT_SECONDS", "1")
        api = k8s.KubeClient.from_environment(timeout=10)
        try:
            yield Cluster(url, emulator, api)
        finally:
            await api.aclose()


@pytest_asyncio.fixture()
async def dashboard() -> AsyncIterator[FakeDashboard]:
    fake = FakeDashboard()
    app = aiohttp.web.Application()
    app.router.add_get("/api/jobs/{job_id}/logs", fake.handle)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture()
async def kuberay(cluster: Cluster, dashboard: FakeDashboard) -> AsyncIterator[FakeKubeRay]:
    fake = FakeKubeRay(cluster.api, dashboard_url=dashboard.url)
    fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest_asyncio.fixture()
async def operator(cluster: Cluster) -> AsyncIterator[Operator]:
    op = Operator()
    await op.start()
    try:
        yield op
    finally:
        await op.stop()


@pytest_asyncio.fixture()
async def prometheus(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakePrometheus]:
    fake = FakePrometheus()
    app = aiohttp.web.Application()
    app.router.add_get("/api/v1/query", fake.handle)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    monkeypatch.setenv("VOXRAY_OPERATOR_PROMETHEUS_URL", f"http://127.0.0.1:{runner.addresses[0][1]}")
    try:
        yield fake
    finally:
        await runner.cleanup()
