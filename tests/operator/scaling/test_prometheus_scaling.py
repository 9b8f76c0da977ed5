"""The scaling policy fed by real PromQL: Debian's Prometheus scraping a DCGM-like exporter (TESTING.md tier 4).

The exporter (prometheus_client) exposes ``DCGM_FI_DEV_GPU_UTIL`` with the labels the DCGM exporter puts
on it (gpu, UUID, modelName, Hostname, and the GPU-using pod's namespace / pod / container), for two GPU
workers of one VoiceModel plus decoys of another model and namespace. Prometheus scrapes it every second;
the operator's client runs the operator's own default DCGM query; the pure policy decides. Short windows
keep it to seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from tests.operator.scaling.promkit import (
    NEEDS_PROMETHEUS,
    RunningPrometheus,
    free_port,
    running_prometheus,
    value_reaches,
)
from voxray_operator.config import OperatorSettings
from voxray_operator.scaling.policy import (
    Decision,
    ScalingConfig,
    ScalingHistory,
    ScalingInput,
    decide,
)
from voxray_operator.scaling.prometheus import PrometheusClient, query_params
from voxray_operator.status import Reason

pytestmark = NEEDS_PROMETHEUS

NS, MODEL = "tts", "tts-gpu"
WORKERS = [f"{MODEL}-raycluster-x7k2p-gpu-workers-worker-{s}" for s in ("abcde", "fghij")]


@dataclass
class Exporter:
    gauge: Gauge
    port: int

    def set_load(self, percent: float) -> None:
        """Both GPU workers of the model at about ``percent`` (one a little above, one below)."""
        for i, pod in enumerate(WORKERS):
            self.gauge.labels(
                gpu=str(i),
                UUID=f"GPU-{i:08d}",
                device=f"nvidia{i}",
                modelName="NVIDIA L4",
                Hostname=f"gpu-node-{i}",
                namespace=NS,
                pod=pod,
                container="ray-worker",
            ).set(percent + (5 if i == 0 else -5))


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    registry = CollectorRegistry()
    labels = ["gpu", "UUID", "device", "modelName", "Hostname", "namespace", "pod", "container"]
    gauge = Gauge("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", labels, registry=registry)
    # decoys the query must not pick up: another model in the namespace, the same name elsewhere
    gauge.labels(
        "2", "GPU-2", "nvidia2", "NVIDIA L4", "gpu-node-2", NS, "tts-cpu-raycluster-a-cpu-workers-b", "c"
    ).set(0)
    gauge.labels("3", "GPU-3", "nvidia3", "NVIDIA L4", "gpu-node-3", "other", WORKERS[0], "ray-worker").set(0)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        yield Exporter(gauge, port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest_asyncio.fixture()
async def prometheus(exporter: Exporter, tmp_path: Path) -> AsyncIterator[RunningPrometheus]:
    async with running_prometheus(exporter.port, tmp_path) as running:
        yield running


class Scaler:
    """The autoscaler loop without Kubernetes: query through the client, decide, remember."""

    def __init__(self, client: PrometheusClient, config: ScalingConfig, replicas: int) -> None:
        self.client = client
        self.config = config
        self.replicas = replicas
        self.history = ScalingHistory()
        self.query = OperatorSettings().dcgm_query
        self.params = query_params(NS, MODEL, MODEL, f"{MODEL}-raycluster-x7k2p")
        self.decisions: list[tuple[float, Decision]] = []

    async def step(self) -> Decision:
        result = await self.client.query_template(self.query, self.params)
        now = time.time()
        decision = decide(
            ScalingInput(
                self.replicas,
                result.value,
                now,
                self.config,
                self.history,
                metrics_reason="" if result.ok else f"prometheus {result.kind}: {result.reason}",
            )
        )
        self.history, self.replicas = decision.history, decision.desired
        self.decisions.append((now, decision))
        return decision


async def test_real_promql_drives_the_policy(exporter: Exporter, prometheus: RunningPrometheus) -> None:
    config = ScalingConfig(
        min_replicas=1,
        max_replicas=4,
        target_utilization=0.8,
        tolerance=0.1,
        scale_up_stabilization_seconds=0,
        scale_down_stabilization_seconds=3,
        max_scale_up_step=4,
        max_scale_down_step=1,
    )
    async with PrometheusClient(prometheus.url, timeout=2) as client:
        scaler = Scaler(client, config, replicas=1)
        rendered = scaler.query.format_map(scaler.params)

        # sustained high load (95 %): up one recommendation at a time, never past replicas.max
        exporter.set_load(95)
        high = await value_reaches(client, rendered, 0.95)
        assert high.kind == "value"  # the decoys at 0 % are filtered out by the labels
        for _ in range(6):
            await scaler.step()
            await asyncio.sleep(0.3)
        ups = [d for _, d in scaler.decisions if d.direction == "up"]
        assert [d.desired for d in ups] == [2, 3, 4]
        assert scaler.replicas == 4
        assert scaler.decisions[-1][1].reason == Reason.AT_MAX
        last_high = scaler.decisions[-1][0]

        # low load (10 %): held for the scale-down window, then one step per decision down to min
        exporter.set_load(10)
        await value_reaches(client, rendered, 0.10)
        deadline = time.monotonic() + 30
        while scaler.replicas > 1 or scaler.decisions[-1][1].changed:
            assert time.monotonic() < deadline, "did not settle at replicas.min"
            await scaler.step()
            await asyncio.sleep(0.5)
        downs = [(t, d) for t, d in scaler.decisions if d.direction == "down"]
        assert [d.desired for _, d in downs] == [3, 2, 1]
        assert downs[0][0] - last_high >= config.scale_down_stabilization_seconds
        held = [d for t, d in scaler.decisions if last_high < t < downs[0][0]]
        assert held
        assert all(d.reason == Reason.STABILIZING for d in held)
        assert min(d.desired for _, d in scaler.decisions) >= config.min_replicas
        assert scaler.decisions[-1][1].reason == Reason.STEADY  # ceil(1 x 0.1 / 0.8) = 1: the floor holds

        # Prometheus gone: hold, and say why
        await prometheus.stop()
        decision = await scaler.step()
        assert decision.reason == Reason.METRICS_UNAVAILABLE
        assert decision.desired == 1
        assert "unreachable" in decision.message


async def test_query_errors_come_back_as_reasons(prometheus: RunningPrometheus) -> None:
    async with PrometheusClient(prometheus.url, timeout=2) as client:
        bad = await client.query("avg(DCGM_FI_DEV_GPU_UTIL{")
        assert bad.kind == "error"
        assert bad.reason.startswith("bad query")
        empty = await client.query('DCGM_FI_DEV_GPU_UTIL{namespace="nowhere"}')
        assert empty.kind == "no-data"
        scalar = await client.query("scalar(vector(0.5))")
        assert (scalar.kind, scalar.value) == ("value", 0.5)
        unknown = await client.query_template("avg(x{{ns='{ns}'}})", {"namespace": "tts"})
        assert unknown.kind == "error"
        assert "unknown field(s) ns" in unknown.reason
