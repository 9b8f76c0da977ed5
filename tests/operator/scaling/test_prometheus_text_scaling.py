"""A CPU TextModel's scaling metric on real PromQL: Prometheus scrapes the runtime's text gauges (as Ray
exports them, ``ray_`` prefix, with the labels KubeRay's PodMonitor adds) and the operator's default text
query, filled in as the autoscaler does, gives (active + queued) / slots for that TextModel's cluster only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from tests.operator.scaling.promkit import NEEDS_PROMETHEUS, free_port, running_prometheus, value_reaches
from voxray_operator.config import OperatorSettings
from voxray_operator.scaling.autoscaler import text_metric
from voxray_operator.scaling.policy import ScalingConfig, ScalingInput, decide
from voxray_operator.scaling.prometheus import PrometheusClient, query_params, render_query
from voxray_operator.status import Reason
from voxray_runtime.spec.textmodel import TextModelSpec

pytestmark = NEEDS_PROMETHEUS
NS, NAME = "nlp", "gemma"
CLUSTER = f"{NAME}-raycluster-x7k2p"
LABELS = ["namespace", "ray_io_cluster", "pod", "model", "deployment", "replica"]


@dataclass
class TextExporter:
    active: Gauge
    queued: Gauge
    port: int

    def set(self, replica: int, active: float, queued: float, cluster: str = CLUSTER, ns: str = NS) -> None:
        labels = (ns, cluster, f"{cluster}-cpu-workers-{replica}", NAME, f"LLM-{NAME}", f"r{replica}")
        self.active.labels(*labels).set(active)
        self.queued.labels(*labels).set(queued)


@pytest.fixture
def exporter() -> Iterator[TextExporter]:
    registry = CollectorRegistry()
    active = Gauge("ray_voxray_text_active_sequences", "Sequences decoding now.", LABELS, registry=registry)
    queued = Gauge("ray_voxray_text_queue_depth", "Requests waiting for a slot.", LABELS, registry=registry)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        yield TextExporter(active, queued, port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def test_text_query_measures_slots_in_use_of_this_model(exporter: TextExporter, tmp_path: Path) -> None:
    spec = TextModelSpec.model_validate({"serving": {"maxConcurrentSequences": 4}, "replicas": {"max": 6}})
    # two replicas: all 8 slots busy and 6 requests queued -> (8 + 6) / 8 = 1.75
    exporter.set(0, active=4, queued=4)
    exporter.set(1, active=4, queued=2)
    # decoys: another namespace, another TextModel's cluster
    exporter.set(0, active=4, queued=50, ns="other")
    exporter.set(0, active=1, queued=0, cluster="qwen-raycluster-abcde")
    template, measured, extra = text_metric(OperatorSettings(), spec, current=2)
    assert extra == {"slots": "8"}
    assert "slots" in measured
    query = render_query(template, {**query_params(NS, NAME, NAME, CLUSTER), **extra})
    async with (
        running_prometheus(exporter.port, tmp_path) as prometheus,
        PrometheusClient(prometheus.url, timeout=2) as client,
    ):
        result = await value_reaches(client, query, 1.75)
        decision = decide(
            ScalingInput(
                current_replicas=2,
                utilization=result.value,
                now=0.0,
                config=ScalingConfig(min_replicas=1, max_replicas=6, scale_up_stabilization_seconds=0),
            )
        )
        assert (decision.reason, decision.desired) == (Reason.SCALE_UP, 5)  # ceil(2 x 1.75 / 0.8)

        # idle: nothing decodes, nothing waits -> 0, and the policy holds at the floor
        exporter.set(0, active=0, queued=0)
        exporter.set(1, active=0, queued=0)
        idle = await value_reaches(client, query, 0.0)
        assert idle.value == 0.0


def test_a_gpu_textmodel_scales_on_gpu_utilisation() -> None:
    spec = TextModelSpec.model_validate(
        {
            "engine": "vllm",
            "weights": {"source": "huggingface", "repo": "org/m"},
            "resources": {"gpu": 1},
            "autoscaling": {"metric": "ray"},
        }
    )
    settings = OperatorSettings()
    template, measured, extra = text_metric(settings, spec, current=3)
    assert (template, extra) == (settings.ray_query, {})
    assert measured == "Ray GPU utilisation"
