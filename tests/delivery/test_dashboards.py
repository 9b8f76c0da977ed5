"""Grafana dashboards: importable JSON (data source variable, unique ids, a sane grid), every query is
valid PromQL (promtool parses them as recording rules), and the chart ships them unchanged in
ConfigMaps the Grafana sidecar picks up."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from delivery_lib import DASHBOARDS, by_kind, dashboard_exprs, load_dashboards, promtool, render

DASHBOARDS_JSON = load_dashboards()
#: what the issue asks each dashboard to show, as words its panel titles must contain
EXPECTED_PANELS = {
    "voxray-runtime.json": [
        "requests",
        "error",
        "latency",
        "first audio",
        "real-time factor",
        "audio",
        "queue",
        "replicas",
    ],
    "voxray-gpu-scaling.json": ["gpu utilisation", "scaling decisions", "desired replicas"],
    "voxray-batch.json": [
        "progress per batch",
        "files done and failed per batch",
        "audio seconds",
        "files rendered",
        "files rendered per minute",
        "cpu",
    ],
    "voxray-operator.json": ["reconciles", "errors", "duration"],
    "voxray-transcription.json": [
        "transcription requests / s",
        "latency",
        "audio seconds processed",
        "in flight",
        "replicas",
    ],
    "voxray-text.json": [
        "time to first token",
        "tokens/s per request",
        "aggregate tokens/s",
        "tokens generated",
        "queue depth",
        "active sequences",
        "requests / s by status",
    ],
}


def _panels(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for panel in items:
        out.append(panel)
        out.extend(_panels(panel.get("panels") or []))
    return out


def test_the_dashboards_exist() -> None:
    assert sorted(DASHBOARDS_JSON) == sorted(EXPECTED_PANELS)


@pytest.mark.parametrize("name", sorted(DASHBOARDS_JSON))
def test_dashboard_shows_what_it_should(name: str) -> None:
    titles = " | ".join(p.get("title", "").lower() for p in _panels(DASHBOARDS_JSON[name]["panels"]))
    for words in EXPECTED_PANELS[name]:
        assert words in titles, f"{name}: no panel about {words!r}"


@pytest.mark.parametrize("name", sorted(DASHBOARDS_JSON))
def test_dashboard_is_importable(name: str) -> None:
    board = DASHBOARDS_JSON[name]
    assert board["uid"] == Path(name).stem
    assert board["title"].startswith("voxray / ")
    assert "voxray" in board["tags"]
    assert isinstance(board["schemaVersion"], int)
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    panels = _panels(board["panels"])
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}"
            assert target["expr"].strip()
        grid = panel["gridPos"]
        assert grid["x"] >= 0, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        assert grid["h"] > 0, panel["title"]
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        g = panel["gridPos"]
        area = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not area & cells, f"{name}: panel {panel['title']!r} overlaps another"
        cells |= area
    for var in board["templating"]["list"]:
        used = f"${var['name']}" in json.dumps(board["panels"]) or f"${{{var['name']}" in json.dumps(
            board["panels"]
        )
        assert used or var["name"] == "datasource", f"{name}: variable {var['name']} is never used"


def test_gpu_dashboard_marks_the_80_percent_target() -> None:
    board = DASHBOARDS_JSON["voxray-gpu-scaling.json"]
    steps = [
        s["value"]
        for p in _panels(board["panels"])
        if "gpu utilisation" in p["title"].lower()
        for s in p.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps", [])
    ]
    assert 80 in steps


def _substitute(expr: str) -> str:
    expr = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "1h")
    expr = re.sub(r"\$\{\w+(:\w+)?\}", ".*", expr)
    return re.sub(r"\$\w+", ".*", expr)


def test_every_query_is_valid_promql(tmp_path: Path) -> None:
    rules = []
    for name, board in DASHBOARDS_JSON.items():
        for i, (where, expr) in enumerate(dashboard_exprs(board)):
            rules.append(
                {"record": f"dashboard:{Path(name).stem.replace('-', '_')}:q{i}", "expr": _substitute(expr)}
            )
            assert "{{" not in expr, f"{name} {where}"
    path = tmp_path / "dashboards.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}), encoding="utf-8")
    result = subprocess.run(
        [promtool(), "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_chart_ships_the_dashboards_unchanged() -> None:
    values = {"grafana": {"dashboards": {"enabled": True, "namespace": "monitoring", "folder": "Speech"}}}
    maps = by_kind(render(values), "ConfigMap")
    shipped = {key: text for cm in maps for key, text in cm["data"].items()}
    assert sorted(shipped) == sorted(DASHBOARDS_JSON)
    for cm in maps:
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert cm["metadata"]["namespace"] == "monitoring"
        assert cm["metadata"]["annotations"]["grafana_folder"] == "Speech"
        # client-side apply (kubectl, Argo CD) keeps the whole object in an annotation limited to 256 KiB
        assert len(json.dumps(cm)) < 200_000
    for key, text in shipped.items():
        assert json.loads(text) == json.loads((DASHBOARDS / key).read_text(encoding="utf-8"))


def test_no_second_copy_of_the_dashboards() -> None:
    root = DASHBOARDS.parents[2]
    copies = [p for p in root.glob("deploy/**/*.json")]
    assert not copies, f"dashboards live in charts/voxray/dashboards only: {copies}"
