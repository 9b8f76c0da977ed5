"""Alert rules: promtool accepts the rule file and the PrometheusRule the chart renders from it, the
promtool unit tests in prometheus/ pass, and every alert has a runbook section in docs/operations.md."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from delivery_lib import REPO, RULES, load_rules, one, promtool, render

UNIT_TESTS = Path(__file__).parent / "prometheus"


def _check(path: Path) -> None:
    result = subprocess.run(
        [promtool(), "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_file_passes_promtool() -> None:
    _check(RULES)


def test_rendered_prometheusrule_passes_promtool(tmp_path: Path) -> None:
    values = {
        "prometheusRule": {
            "enabled": True,
            "additionalAlertLabels": {"team": "speech"},
            "disabledAlerts": ["VoxrayGPUUtilisationHigh"],
        }
    }
    rule = one(render(values), "PrometheusRule")
    path = tmp_path / "rendered.rules.yaml"
    path.write_text(yaml.safe_dump(rule["spec"]), encoding="utf-8")
    _check(path)
    alerts = [r for g in rule["spec"]["groups"] for r in g["rules"]]
    source = [r for g in load_rules()["groups"] for r in g["rules"]]
    assert len(alerts) == len(source) - 1
    assert all(r["labels"]["team"] == "speech" and r["labels"]["severity"] for r in alerts)
    by_name = {r["alert"]: r for r in source}
    for rendered in alerts:  # expressions and annotations reach the cluster unchanged
        assert rendered["expr"] == by_name[rendered["alert"]]["expr"]
        assert rendered["annotations"] == by_name[rendered["alert"]]["annotations"]


def test_promtool_unit_tests(tmp_path: Path) -> None:
    for test_file in sorted(UNIT_TESTS.glob("*.test.yaml")):
        text = test_file.read_text(encoding="utf-8").replace("RULES_FILE", str(RULES))
        path = tmp_path / test_file.name
        path.write_text(text, encoding="utf-8")
        result = subprocess.run(
            [promtool(), "test", "rules", str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_unit_tested_or_documented() -> None:
    tested = set(re.findall(r"alertname: (\w+)", "".join(p.read_text() for p in UNIT_TESTS.glob("*.yaml"))))
    alerts = {r["alert"] for g in load_rules()["groups"] for r in g["rules"]}
    assert len(tested & alerts) >= len(alerts) * 2 // 3, f"untested alerts: {sorted(alerts - tested)}"


def test_every_alert_has_severity_summary_and_a_runbook_section() -> None:
    docs = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
        for h in re.findall(r"^#+ (.+)$", docs, re.M)
    }
    for group in load_rules()["groups"]:
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
            assert rule["annotations"]["summary"]
            assert rule["annotations"]["description"]
            url = rule["annotations"]["runbook_url"]
            assert url.endswith("docs/operations.md#" + rule["alert"].lower()), url
            assert rule["alert"].lower() in anchors, f"docs/operations.md has no section '{rule['alert']}'"
