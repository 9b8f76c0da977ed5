"""A real Prometheus (Debian's binary) on loopback scraping one exporter every second, for the scaling tests."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from voxray_operator.scaling.prometheus import PrometheusClient, QueryResult

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
NEEDS_PROMETHEUS = [
    pytest.mark.prometheus,
    pytest.mark.skipif(
        not Path(PROMETHEUS).exists(),
        reason="needs Debian's prometheus binary (apt-get install prometheus)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningPrometheus:
    url: str
    process: asyncio.subprocess.Process

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


@contextlib.asynccontextmanager
async def running_prometheus(exporter_port: int, tmp_path: Path) -> AsyncIterator[RunningPrometheus]:
    """Prometheus scraping 127.0.0.1:``exporter_port`` every second with honor_labels (the exporter's
    namespace/pod labels kept, as the GPU operator's ServiceMonitor and KubeRay's PodMonitor do)."""
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  evaluation_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: dcgm\n"
        "    honor_labels: true\n"  # keep the exporter's namespace/pod, as the GPU operator's ServiceMonitor
        "    static_configs:\n"
        f"      - targets: ['127.0.0.1:{exporter_port}']\n",
        encoding="utf-8",
    )
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        PROMETHEUS,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    running = RunningPrometheus(f"http://127.0.0.1:{port}", process)
    try:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{running.url}/-/ready")).status_code == 200:
                        break
                if process.returncode is not None or time.monotonic() > deadline:
                    pytest.fail(f"prometheus did not become ready (exit code {process.returncode})")
                await asyncio.sleep(0.2)
        yield running
    finally:
        await running.stop()


async def value_reaches(
    client: PrometheusClient, query: str, check: float, within: float = 20
) -> QueryResult:
    """Poll until Prometheus has scraped the exporter's current value (about ``check``)."""
    deadline = time.monotonic() + within
    while True:
        result = await client.query(query)
        if result.ok and result.value is not None and abs(result.value - check) < 0.01:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"prometheus never answered about {check} for {query}: {result}")
        await asyncio.sleep(0.25)
