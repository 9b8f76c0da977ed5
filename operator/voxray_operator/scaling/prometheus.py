"""Async PromQL client for the autoscaler: one instant query -> a value, no data, or an error with reason.

It never raises into the caller: a timeout, an unreachable server, a PromQL syntax error or an odd answer
all come back as :class:`QueryResult` with ``kind="error"`` and a reason the autoscaler puts into its
decision ("holding at 3: prometheus unreachable: ...").

Queries are templates (``str.format`` fields; the defaults live in
:class:`voxray_operator.config.OperatorSettings` ``dcgm_query`` / ``ray_query``):
``{namespace}``, ``{name}`` (the VoiceModel), ``{rayservice}``, ``{cluster}`` (the active RayCluster, or a
regex matching the RayService's clusters when KubeRay has not reported one) and ``{cluster_selector}`` (the
same regex form). Values are inserted verbatim: Kubernetes names are DNS labels, safe inside PromQL
strings and regexes.

Real metric names and labels:

- DCGM exporter ``DCGM_FI_DEV_GPU_UTIL`` (percent, 0..100) carries the GPU-using pod's ``namespace``,
  ``pod`` and ``container`` when its Kubernetes mapping is on; Prometheus keeps them only with
  ``honorLabels: true`` on the ServiceMonitor (the GPU operator's default), else they arrive as
  ``exported_namespace`` / ``exported_pod``.
- Ray ``ray_node_gpus_utilization`` (percent per ``GpuIndex``) from every Ray node; KubeRay's PodMonitor
  copies the pod label ``ray.io/cluster`` into ``ray_io_cluster``.
"""

from __future__ import annotations

import math
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

ResultKind = Literal["value", "no-data", "error"]


@dataclass(frozen=True)
class QueryResult:
    kind: ResultKind
    value: float | None = None
    reason: str = ""
    query: str = ""
    #: seconds the round trip took
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.kind == "value"

    @property
    def error_class(self) -> str:
        """A short, bounded metrics label: timeout, unreachable, http, bad_query, bad_response, no_data."""
        if self.kind == "no-data":
            return "no_data"
        return self.reason.split(":", 1)[0].replace(" ", "_") if self.kind == "error" else ""


class QueryTemplateError(ValueError):
    pass


def template_fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def render_query(template: str, params: Mapping[str, str]) -> str:
    """Fill a query template; an unknown field is a :class:`QueryTemplateError` naming it."""
    try:
        fields = template_fields(template)
    except ValueError as exc:
        raise QueryTemplateError(f"query template is malformed: {exc}") from exc
    missing = sorted(fields - set(params))
    if missing:
        raise QueryTemplateError(
            f"query template uses unknown field(s) {', '.join(missing)}; known: {', '.join(sorted(params))}"
        )
    try:
        return template.format_map(dict(params))
    except (ValueError, IndexError, KeyError) as exc:
        raise QueryTemplateError(f"query template is malformed: {exc}") from exc


def query_params(namespace: str, name: str, rayservice: str, cluster: str | None) -> dict[str, str]:
    """Template fields for one VoiceModel; ``cluster`` is the RayService's active RayCluster when known."""
    selector = cluster or f"{rayservice}-raycluster-[a-z0-9]+"
    return {
        "namespace": namespace,
        "name": name,
        "rayservice": rayservice,
        "cluster": selector,
        "cluster_selector": selector,
    }


def _sample_value(sample: Any) -> float | None:
    if not isinstance(sample, list | tuple) or len(sample) != 2:
        raise ValueError(f"sample is not [time, value]: {sample!r}")
    value = float(sample[1])
    return None if math.isnan(value) or math.isinf(value) else value


def parse_response(payload: Any) -> tuple[ResultKind, float | None, str]:
    """(kind, value, reason) from a ``/api/v1/query`` JSON answer. Several series are averaged."""
    if not isinstance(payload, dict):
        return "error", None, "bad response: not a JSON object"
    if payload.get("status") != "success":
        kind, error = payload.get("errorType", "error"), payload.get("error", "")
        return "error", None, f"bad query: {kind}: {error}".rstrip(": ")
    data = payload.get("data")
    if not isinstance(data, dict):
        return "error", None, "bad response: no data"
    result_type = data.get("resultType")
    result = data.get("result")
    try:
        if result_type == "scalar":
            value = _sample_value(result)
            return ("no-data", None, "NaN") if value is None else ("value", value, "")
        if result_type == "vector" and isinstance(result, list):
            values = [_sample_value(s.get("value")) for s in result if isinstance(s, dict)]
            finite = [v for v in values if v is not None]
            if not finite:
                return "no-data", None, "empty result" if not values else "NaN"
            return "value", sum(finite) / len(finite), ""
    except (TypeError, ValueError) as exc:
        return "error", None, f"bad response: {exc}"
    return "error", None, f"bad response: result type {result_type!r} (want vector or scalar)"


class PrometheusClient:
    """``await client.query(promql)`` against ``{base_url}/api/v1/query``, with a hard timeout."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 5.0,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            headers=dict(headers or {}),
            transport=transport,
            follow_redirects=False,
        )

    async def __aenter__(self) -> PrometheusClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def query(self, promql: str) -> QueryResult:
        started = time.monotonic()

        def done(kind: ResultKind, value: float | None = None, reason: str = "") -> QueryResult:
            return QueryResult(kind, value, reason, promql, time.monotonic() - started)

        try:
            resp = await self._client.get(
                "/api/v1/query", params={"query": promql, "timeout": f"{self.timeout:g}s"}
            )
        except httpx.TimeoutException:
            return done("error", reason=f"timeout: no answer from {self.base_url} within {self.timeout:g}s")
        except httpx.HTTPError as exc:
            return done("error", reason=f"unreachable: {self.base_url}: {type(exc).__name__}: {exc}")
        except Exception as exc:  # the autoscaler must hold, never crash
            return done("error", reason=f"unreachable: {type(exc).__name__}: {exc}")
        try:
            payload = resp.json()
        except ValueError:
            payload = None
        if resp.status_code >= 400 and not (isinstance(payload, dict) and payload.get("status") == "error"):
            return done("error", reason=f"http: {resp.status_code} from {self.base_url}")
        kind, value, reason = parse_response(payload)
        return done(kind, value, reason)

    async def query_template(self, template: str, params: Mapping[str, str]) -> QueryResult:
        try:
            promql = render_query(template, params)
        except QueryTemplateError as exc:
            return QueryResult("error", None, f"bad query: {exc}", template)
        return await self.query(promql)
