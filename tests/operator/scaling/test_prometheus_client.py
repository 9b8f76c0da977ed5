"""The PromQL client: answers, templates and every failure as a result with a reason (never raised)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from voxray_operator.config import OperatorSettings
from voxray_operator.scaling.prometheus import (
    PrometheusClient,
    QueryTemplateError,
    parse_response,
    query_params,
    render_query,
)


def vector(*values: str) -> dict[str, Any]:
    return {
        "status": "success",
        "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1.0, v]} for v in values]},
    }


@pytest.mark.parametrize(
    ("payload", "kind", "value", "reason"),
    [
        (vector("0.5"), "value", 0.5, ""),
        (vector("0.2", "0.4"), "value", pytest.approx(0.3), ""),
        (vector(), "no-data", None, "empty result"),
        (vector("NaN"), "no-data", None, "NaN"),
        (vector("NaN", "0.6"), "value", 0.6, ""),
        ({"status": "success", "data": {"resultType": "scalar", "result": [1.0, "0.7"]}}, "value", 0.7, ""),
        (
            {"status": "success", "data": {"resultType": "scalar", "result": [1.0, "NaN"]}},
            "no-data",
            None,
            "NaN",
        ),
        (
            {"status": "success", "data": {"resultType": "matrix", "result": []}},
            "error",
            None,
            "bad response",
        ),
        ({"status": "error", "errorType": "bad_data", "error": "parse error"}, "error", None, "bad query"),
        ({"status": "success"}, "error", None, "bad response"),
        ([1, 2], "error", None, "bad response"),
        (vector("x"), "error", None, "bad response"),
    ],
)
def test_parse_response(payload: Any, kind: str, value: Any, reason: str) -> None:
    got_kind, got_value, got_reason = parse_response(payload)
    assert (got_kind, got_value) == (kind, value)
    assert got_reason.startswith(reason)


def test_default_queries_render() -> None:
    settings = OperatorSettings()
    params = query_params("tts", "tts-gpu", "tts-gpu", "tts-gpu-raycluster-x7k2p")
    dcgm = render_query(settings.dcgm_query, params)
    ray = render_query(settings.ray_query, params)
    assert 'namespace="tts"' in dcgm
    assert dcgm.startswith("avg(DCGM_FI_DEV_GPU_UTIL{")
    assert ray.startswith("avg(ray_node_gpus_utilization{")
    assert "{" not in dcgm.replace("{namespace", "").split("}")[-1]


def test_cluster_selector_before_kuberay_reports_a_cluster() -> None:
    params = query_params("tts", "m", "m", None)
    assert params["cluster_selector"] == "m-raycluster-[a-z0-9]+"


def test_unknown_template_fields_are_named() -> None:
    with pytest.raises(QueryTemplateError, match="unknown field"):
        render_query("avg(x{{pod='{pod}'}})", {"namespace": "tts"})
    with pytest.raises(QueryTemplateError, match="malformed"):
        render_query("avg(x{namespace='{namespace'})", {"namespace": "tts"})


def client_answering(handler: Any) -> PrometheusClient:
    return PrometheusClient("http://prometheus.test:9090/", timeout=1, transport=httpx.MockTransport(handler))


async def test_a_value() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=vector("0.85"))

    async with client_answering(handler) as client:
        result = await client.query("up")
    assert (result.kind, result.value, result.ok) == ("value", 0.85, True)
    assert seen[0].url.path == "/api/v1/query"
    assert seen[0].url.params["query"] == "up"
    assert seen[0].url.params["timeout"] == "1s"


@pytest.mark.parametrize(
    ("answer", "error_class"),
    [
        (
            httpx.Response(
                400, json={"status": "error", "errorType": "bad_data", "error": "1:5: parse error"}
            ),
            "bad_query",
        ),
        (httpx.Response(503, text="<html>down</html>"), "http"),
        (httpx.Response(200, text="not json"), "bad_response"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectError("refused"), "unreachable"),
        (RuntimeError("surprise"), "unreachable"),
    ],
)
async def test_failures_are_results(answer: Any, error_class: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    async with client_answering(handler) as client:
        result = await client.query("up")
    assert result.kind == "error"
    assert result.value is None
    assert result.error_class == error_class
    assert result.query == "up"


async def test_no_data_class() -> None:
    async with client_answering(lambda r: httpx.Response(200, json=vector())) as client:
        result = await client.query("up")
    assert (result.kind, result.error_class) == ("no-data", "no_data")
