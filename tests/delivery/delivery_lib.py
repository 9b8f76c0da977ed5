"""Shared helpers of the delivery tests: chart rendering, value sets, CRD schema validation, PromQL names.

Rendering uses helm-python-sdk (Helm v4 as a library); tests that need it skip with the reason when
it is not installed. Everything else here is plain Python.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "voxray"
CRDS = REPO / "crds"
DASHBOARDS = CHART / "dashboards"
RULES = CHART / "rules" / "voxray.rules.yaml"
E2E = REPO / "e2e"
KUBE_VERSION = "1.30.0"
RELEASE = "voxray"
NAMESPACE = "voxray-system"

Doc = dict[str, Any]


def helm() -> Any:
    """The helm_python module, or a skip saying how to get it."""
    try:
        import helm_python
    except ImportError:
        pytest.skip(
            "helm-python-sdk is not installed (pip install helm-python-sdk==0.2.2; the dev extra has it)"
        )
    return helm_python


def value_sets() -> dict[str, dict[str, Any]]:
    """Every value set the chart is tested with: charts/voxray/ci/*.yaml and the e2e values."""
    sets: dict[str, dict[str, Any]] = {}
    for path in sorted((CHART / "ci").glob("*.yaml")):
        sets[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    e2e_values = E2E / "values-kind.yaml"
    if e2e_values.is_file():
        sets["e2e-kind"] = yaml.safe_load(e2e_values.read_text(encoding="utf-8")) or {}
    return sets


@functools.cache
def _render_cached(values_json: str, namespace: str) -> tuple[tuple[str, str], ...]:
    chart = helm().Chart.load(str(CHART))
    out = chart.render(json.loads(values_json), name=RELEASE, namespace=namespace, is_install=True)
    return tuple(sorted(out.items()))


def render_files(values: dict[str, Any], namespace: str = NAMESPACE) -> dict[str, str]:
    """Template path -> rendered text (NOTES.txt included)."""
    return dict(_render_cached(json.dumps(values, sort_keys=True), namespace))


def render(values: dict[str, Any], namespace: str = NAMESPACE) -> list[Doc]:
    """Every object the chart renders with ``values`` (crds/ excluded: Helm installs those itself)."""
    docs: list[Doc] = []
    for path, text in render_files(values, namespace).items():
        if not path.endswith((".yaml", ".yml")):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                doc.setdefault("metadata", {}).setdefault("annotations", {})
                docs.append(doc)
    return docs


def by_kind(docs: Iterable[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d.get("kind") == kind]


def one(docs: Iterable[Doc], kind: str) -> Doc:
    found = by_kind(docs, kind)
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


# ---- CRD schemas -> JSON Schema -------------------------------------------------------------------------
def openapi_to_jsonschema(node: Any) -> Any:
    """A Kubernetes structural OpenAPI v3 schema as JSON Schema draft 7 (unknown fields are errors, as
    the API server's pruning would silently drop them: a field the CRD lacks is a bug here)."""
    if not isinstance(node, dict):
        return node
    if node.get("x-kubernetes-int-or-string"):
        return {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key == "nullable":
            continue
        if key == "properties":
            out[key] = {k: openapi_to_jsonschema(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = openapi_to_jsonschema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [openapi_to_jsonschema(v) for v in value]
        elif key == "exclusiveMinimum" and value is True:
            out["exclusiveMinimum"] = node["minimum"]
        elif key == "exclusiveMaximum" and value is True:
            out["exclusiveMaximum"] = node["maximum"]
        elif key in ("exclusiveMinimum", "exclusiveMaximum"):
            continue
        else:
            out[key] = value
    for bound, flag in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if node.get(flag) is True:
            out.pop(bound, None)
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if (
        "properties" in node
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def crd_documents(folder: str = str(CRDS)) -> dict[str, Doc]:
    """kind -> CRD document, from a folder of CRD YAML files."""
    out: dict[str, Doc] = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[doc["spec"]["names"]["kind"]] = doc
    return out


def crd_validator(kind: str, folder: Path = CRDS) -> Any:
    import jsonschema

    crd = crd_documents(str(folder))[kind]
    (version,) = [v for v in crd["spec"]["versions"] if v.get("storage")]
    schema = openapi_to_jsonschema(version["schema"]["openAPIV3Schema"])
    return jsonschema.Draft7Validator(schema)


def crd_errors(obj: Doc, folder: Path = CRDS) -> list[str]:
    """Schema errors of a custom resource against our generated CRDs (CEL rules excluded)."""
    validator = crd_validator(obj["kind"], folder)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]


# ---- PromQL metric names --------------------------------------------------------------------------------
PROMQL_FUNCTIONS = frozenset(
    [
        "abs",
        "absent",
        "absent_over_time",
        "acos",
        "acosh",
        "asin",
        "asinh",
        "atan",
        "atanh",
        "avg_over_time",
        "ceil",
        "changes",
        "clamp",
        "clamp_max",
        "clamp_min",
        "cos",
        "cosh",
        "count_over_time",
        "day_of_month",
        "day_of_week",
        "day_of_year",
        "days_in_month",
        "deg",
        "delta",
        "deriv",
        "exp",
        "floor",
        "histogram_avg",
        "histogram_count",
        "histogram_fraction",
        "histogram_quantile",
        "histogram_stddev",
        "histogram_stdvar",
        "histogram_sum",
        "holt_winters",
        "double_exponential_smoothing",
        "hour",
        "idelta",
        "increase",
        "irate",
        "label_join",
        "label_replace",
        "last_over_time",
        "ln",
        "log10",
        "log2",
        "mad_over_time",
        "max_over_time",
        "min_over_time",
        "minute",
        "month",
        "pi",
        "predict_linear",
        "present_over_time",
        "quantile_over_time",
        "rad",
        "rate",
        "resets",
        "round",
        "scalar",
        "sgn",
        "sin",
        "sinh",
        "sort",
        "sort_by_label",
        "sort_by_label_desc",
        "sort_desc",
        "sqrt",
        "stddev_over_time",
        "stdvar_over_time",
        "sum_over_time",
        "tan",
        "tanh",
        "time",
        "timestamp",
        "vector",
        "year",
        "info",
    ]
)
PROMQL_AGGREGATIONS = frozenset(
    [
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile",
        "limitk",
        "limit_ratio",
    ]
)
PROMQL_KEYWORDS = frozenset(
    [
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
        "offset",
        "start",
        "end",
        "inf",
        "nan",
    ]
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_BRACES = re.compile(r"\{[^{}]*\}")
_DURATION = re.compile(r"\[[^\]]*\]")
_GRAFANA_VAR = re.compile(r"\$\{[^}]*\}|\$__\w+|\$\w+")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_NUMBER_SUFFIX = re.compile(r"\b\d+(\.\d+)?(e[+-]?\d+)?[a-z]*\b", re.IGNORECASE)


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects: identifiers that are not functions, aggregations,
    keywords, label names (inside {} or by/on (...)) or durations. Tolerant of Grafana variables."""
    text = _STRING.sub('""', expr)
    text = _GRAFANA_VAR.sub("0", text)
    text = _BRACES.sub("{}", text)
    text = _DURATION.sub("[]", text)
    text = _GROUPING.sub(" ", text)
    text = _NUMBER_SUFFIX.sub(" ", text)
    names: set[str] = set()
    for match in _IDENT.finditer(text):
        word = match.group(0)
        rest = text[match.end() :].lstrip()
        if word in PROMQL_KEYWORDS or (
            word in PROMQL_AGGREGATIONS and rest.startswith(("(", "by", "without"))
        ):
            continue
        if word in PROMQL_FUNCTIONS and rest.startswith("("):
            continue
        names.add(word)
    return names


HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def base_name(name: str, histograms: set[str]) -> str:
    """``x_bucket`` -> ``x`` when ``x`` is a known histogram (or summary)."""
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in histograms:
            return name[: -len(suffix)]
    return name


def dashboard_exprs(dashboard: Doc) -> Iterator[tuple[str, str]]:
    """(where, PromQL) of every panel target and query variable of a Grafana dashboard."""

    def panels(items: list[Doc]) -> Iterator[Doc]:
        for panel in items:
            yield panel
            yield from panels(panel.get("panels") or [])

    for panel in panels(dashboard.get("panels") or []):
        for target in panel.get("targets") or []:
            if target.get("expr"):
                yield f"panel {panel.get('title')!r} {target.get('refId')}", target["expr"]
    for var in (dashboard.get("templating") or {}).get("list") or []:
        if var.get("type") != "query":
            continue
        query = var.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        match = re.fullmatch(r"\s*label_values\((.*),\s*\w+\)\s*", query or "")
        if match:
            yield f"variable {var['name']}", match.group(1)
        elif query:
            yield f"variable {var['name']}", query


def rule_exprs(rule_file: Doc) -> Iterator[tuple[str, str]]:
    for group in rule_file.get("groups") or []:
        for rule in group.get("rules") or []:
            yield f"rule {rule.get('alert') or rule.get('record')}", rule["expr"]


def load_dashboards() -> dict[str, Doc]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DASHBOARDS.glob("*.json"))}


def load_rules() -> Doc:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool is not installed (Debian package prometheus: make system-deps)")
    return path


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_MATCHER_LABEL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")
_GROUPING_LABELS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_LEGEND_LABEL = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def label_names(expr: str, legend: str = "") -> set[str]:
    """Label names an expression matches on or groups by (and its legend shows)."""
    text = _STRING.sub('""', expr)
    names: set[str] = set()
    for braces in re.findall(r"\{([^{}]*)\}", text):
        names |= set(_MATCHER_LABEL.findall(braces))
    for group in _GROUPING_LABELS.findall(text):
        names |= {g.strip() for g in group.split(",") if g.strip()}
    names |= set(_LEGEND_LABEL.findall(legend))
    return names


def dashboard_targets(dashboard: Doc) -> Iterator[tuple[str, str, str]]:
    """(where, PromQL, legend) of every panel target of a Grafana dashboard."""

    def panels(items: list[Doc]) -> Iterator[Doc]:
        for panel in items:
            yield panel
            yield from panels(panel.get("panels") or [])

    for panel in panels(dashboard.get("panels") or []):
        for target in panel.get("targets") or []:
            if target.get("expr"):
                yield f"panel {panel.get('title')!r}", target["expr"], target.get("legendFormat") or ""
