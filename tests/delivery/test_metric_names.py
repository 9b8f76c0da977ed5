"""Every metric a dashboard or an alert rule queries is exported by something real.

The runtime runs on the session's real Ray (tests/conftest.py ``serve_url``): one real speech request,
then Ray's metrics export port is scraped like Prometheus would (``ray_`` prefix, histogram samples
``_bucket/_sum/_count``). The operator's metrics server runs in process and is scraped over HTTP.
What neither can export here is an explicit allow-list of third-party series, each with its reason.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from delivery_lib import (
    base_name,
    dashboard_exprs,
    dashboard_targets,
    free_port,
    label_names,
    load_dashboards,
    load_rules,
    metric_names,
    rule_exprs,
)

#: series that no voxray component exports, and why the dashboards/rules may still query them
EXTERNAL: dict[str, str] = {
    "DCGM_FI_DEV_GPU_UTIL": "NVIDIA dcgm-exporter (GPU operator DaemonSet) on GPU nodes; the DCGM autoscaling metric",
    "ray_node_gpus_utilization": "Ray's own node metric, exported only by Ray nodes that have GPUs (none here)",
    "up": "written by Prometheus itself for every scrape target",
}
RUNTIME_PREFIX = "ray_"
TEXT_PREFIX = f"{RUNTIME_PREFIX}voxray_text_"
#: the text metrics of the contract between the text runtime and the operator's dashboards, rules and
#: autoscaler (the runtime declares them in voxray_runtime.api.metrics.TEXT_METRIC_NAMES)
TEXT_CONTRACT = (
    "voxray_text_requests_total",
    "voxray_text_time_to_first_token_seconds",
    "voxray_text_tokens_generated_total",
    "voxray_text_prompt_tokens_total",
    "voxray_text_tokens_per_second",
    "voxray_text_queue_depth",
    "voxray_text_active_sequences",
)


def queried() -> dict[str, set[str]]:
    """Metric name -> where it is queried (dashboards, rules)."""
    out: dict[str, set[str]] = {}
    sources: list[tuple[str, Iterator[tuple[str, str]]]] = [
        (name, dashboard_exprs(board)) for name, board in load_dashboards().items()
    ]
    sources.append(("voxray.rules.yaml", rule_exprs(load_rules())))
    for source, exprs in sources:
        for where, expr in exprs:
            for metric in metric_names(expr):
                out.setdefault(metric, set()).add(f"{source}: {where}")
    return out


#: labels Prometheus adds when it scrapes (target labels, the PodMonitor's relabelings) and histogram buckets
SCRAPE_LABELS = frozenset(
    [
        "namespace",
        "pod",
        "container",
        "job",
        "instance",
        "endpoint",
        "service",
        "le",
        "ray_io_cluster",
        "ray_io_node_type",
        "voicemodel",
        "speechbatch",
        "__name__",
    ]
)


def exposition_labels(text: str) -> dict[str, set[str]]:
    """Sample name -> the label names its samples carry."""
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, set()).update(sample.labels)
    return out


def exposition_names(text: str) -> set[str]:
    """Sample names a Prometheus scrape of ``text`` yields, families without samples included (a labelled
    metric nobody has touched yet still declares its TYPE; its samples follow the type's naming)."""
    from prometheus_client.parser import text_string_to_metric_families

    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names |= {sample.name for sample in family.samples}
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type in ("histogram", "summary"):
            names |= {f"{family.name}{suffix}" for suffix in ("_bucket", "_sum", "_count")}
        else:
            names.add(family.name)
    return names


@pytest.fixture(scope="module")
def operator_exported() -> set[str]:
    from voxray_operator.metrics import OperatorMetrics

    metrics = OperatorMetrics()
    port = free_port()
    stop = metrics.serve(port, "127.0.0.1")
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    finally:
        stop()
    names = exposition_names(text)
    assert any(n.startswith("voxray_operator_") for n in names), text[:500]
    return names


@pytest.fixture(scope="module")
def operator_labels() -> dict[str, set[str]]:
    """Sample name -> label names, from the operator's collectors (their samples appear only once used)."""
    from voxray_operator.metrics import OperatorMetrics

    out: dict[str, set[str]] = {}
    for collector in OperatorMetrics().registry._collector_to_names:
        labels = set(getattr(collector, "_labelnames", ()))
        for family in collector.describe():
            suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(
                family.type, [""]
            )
            for suffix in suffixes:
                out[family.name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return out


def _label_problems(labels_of: dict[str, set[str]], prefixes: tuple[str, ...]) -> list[str]:
    """Labels a query uses that none of its metrics carries (a renamed tag leaves panels empty)."""
    problems = []
    targets = [t for board in load_dashboards().values() for t in dashboard_targets(board)]
    targets += [(where, expr, "") for where, expr in rule_exprs(load_rules())]
    for where, expr, legend in targets:
        metrics = {m for m in metric_names(expr) if m.startswith(prefixes) and m not in EXTERNAL}
        if not metrics or not all(m in labels_of for m in metrics):
            continue
        carried = set().union(*(labels_of[m] for m in metrics)) | SCRAPE_LABELS
        missing = label_names(expr, legend) - carried
        if missing:
            problems.append(f"{where}: {sorted(missing)} not on {sorted(metrics)}")
    return problems


#: labels Prometheus puts on every series of the operator's ServiceMonitor target
TARGET_LABELS = frozenset(["namespace", "pod", "container", "service", "endpoint", "job", "instance"])


def test_operator_labels_leave_target_labels_alone(operator_labels: dict[str, set[str]]) -> None:
    """A ``namespace`` label of its own would become ``exported_namespace`` (or need honorLabels)."""
    clashes = {name: sorted(labels & TARGET_LABELS) for name, labels in operator_labels.items()}
    assert not {n: c for n, c in clashes.items() if c}


def test_operator_labels_queried_exist(operator_labels: dict[str, set[str]]) -> None:
    problems = _label_problems(operator_labels, ("voxray_operator_",))
    assert not problems, problems


def test_operator_metrics_queried_exist(operator_exported: set[str]) -> None:
    wanted = {m: w for m, w in queried().items() if m.startswith("voxray_operator_")}
    assert wanted, "no dashboard or rule queries the operator"
    missing = {m: sorted(w) for m, w in wanted.items() if m not in operator_exported}
    assert not missing, f"queried but not exported by the operator: {missing}"


def test_runtime_metrics_queried_are_declared_by_the_runtime() -> None:
    from voxray_runtime.api.metrics import METRIC_NAMES, STT_METRIC_NAMES

    histograms = {f"{RUNTIME_PREFIX}{n}" for n in (*METRIC_NAMES, *STT_METRIC_NAMES)}
    declared = set(histograms)
    wanted = {
        base_name(m, histograms)
        for m in queried()
        if m.startswith(f"{RUNTIME_PREFIX}voxray_") and not m.startswith(TEXT_PREFIX)
    }
    assert wanted, "no dashboard or rule queries the runtime"
    assert wanted <= declared, (
        f"not in voxray_runtime.api.metrics (STT_)METRIC_NAMES: {sorted(wanted - declared)}"
    )


def _text_queried() -> set[str]:
    contract = {f"{RUNTIME_PREFIX}{n}" for n in TEXT_CONTRACT}
    return {base_name(m, contract) for m in queried() if m.startswith(TEXT_PREFIX)}


def test_text_metrics_queried_are_the_contract_ones() -> None:
    """Dashboards, rules and the CPU text autoscaler query exactly the names the text runtime exports."""
    from voxray_operator.config import OperatorSettings

    wanted = _text_queried()
    assert wanted, "no dashboard or rule queries the text metrics"
    contract = {f"{RUNTIME_PREFIX}{n}" for n in TEXT_CONTRACT}
    assert wanted <= contract, f"not text metrics of the contract: {sorted(wanted - contract)}"
    scaled = {base_name(m, contract) for m in metric_names(OperatorSettings().text_query)}
    assert scaled == {f"{TEXT_PREFIX}active_sequences", f"{TEXT_PREFIX}queue_depth"}


def test_text_metrics_queried_are_declared_by_the_runtime() -> None:
    from voxray_runtime.api import metrics

    declared_names = getattr(metrics, "TEXT_METRIC_NAMES", None)
    if declared_names is None:
        pytest.skip("voxray_runtime.api.metrics has no TEXT_METRIC_NAMES: the text runtime is not here yet")
    declared = {f"{RUNTIME_PREFIX}{n}" for n in declared_names}
    missing = _text_queried() - declared
    assert not missing, f"not in voxray_runtime.api.metrics.TEXT_METRIC_NAMES: {sorted(missing)}"


def test_transcription_autoscaling_queries_the_stt_gauge() -> None:
    from voxray_operator.config import OperatorSettings

    assert metric_names(OperatorSettings().transcription_query) == {f"{RUNTIME_PREFIX}voxray_stt_inflight"}


def test_allow_list_is_needed() -> None:
    stale = set(EXTERNAL) - set(queried())
    assert not stale, f"allow-listed but never queried (remove them): {sorted(stale)}"


def _scrape(url: str) -> str:
    return httpx.get(url, timeout=10).text


@pytest.mark.ray
def test_every_queried_metric_is_exported(
    serve_url: str, ray_cluster: dict[str, Any], operator_exported: set[str]
) -> None:
    # the text series appear after a text request (checked against TEXT_METRIC_NAMES above)
    wanted = {m: w for m, w in queried().items() if not m.startswith(TEXT_PREFIX)}
    runtime_wanted = {m for m in wanted if m.startswith(RUNTIME_PREFIX) and m not in EXTERNAL}
    response = httpx.post(f"{serve_url}/v1/speech", json={"text": "Hello.", "language": "en"}, timeout=120)
    assert response.status_code == 200, response.text[:500]
    # the speech-recognition series appear after a transcription (of that very audio)
    heard = httpx.post(
        f"{serve_url}/v1/audio/transcriptions",
        files={"file": ("hello.mp3", response.content)},
        data={"model": "whisper-1"},
        timeout=120,
    )
    assert heard.status_code == 200, heard.text[:500]
    url = f"http://127.0.0.1:{ray_cluster['metrics_port']}/metrics"
    deadline = time.monotonic() + 60
    exported: set[str] = set()
    while time.monotonic() < deadline:
        exported = exposition_names(_scrape(url))
        if runtime_wanted <= exported:
            break
        time.sleep(2)  # Ray's metrics agent exports every few seconds
    everything = exported | operator_exported | set(EXTERNAL)
    missing = {m: sorted(where) for m, where in wanted.items() if m not in everything}
    assert not missing, f"queried but exported by nothing (after a real request, 60 s of scraping): {missing}"
    problems = _label_problems(exposition_labels(_scrape(url)), (RUNTIME_PREFIX,))
    assert not problems, f"labels the runtime's series do not carry: {problems}"
