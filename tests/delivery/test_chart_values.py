"""values.yaml is documented line by line, values.schema.json describes exactly its keys, and every
operator setting the chart sets is one the operator reads (and parses) from the environment."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from delivery_lib import CHART, REPO, by_kind, render, value_sets

VALUES = CHART / "values.yaml"
SCHEMA = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))


def _documented_keys() -> Iterator[tuple[int, str, bool]]:
    """(line number, key, documented) for every key line of values.yaml. A key is documented by a
    `# --` comment block right above it, or by an enclosing key documented as a whole (``resources:``);
    a plain section (``operator:``) documents nothing itself, its keys are."""
    lines = VALUES.read_text(encoding="utf-8").splitlines()
    stack: list[tuple[int, bool]] = []  # (indent, documented as a whole) of the enclosing keys
    for i, line in enumerate(lines):
        match = re.match(r"^(\s*)(?:- )?([A-Za-z][\w./-]*):(\s|$)", line)
        if not match:
            continue
        indent = len(match.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        j = i - 1
        while j >= 0 and lines[j].strip().startswith("#") and not lines[j].strip().startswith("# --"):
            j -= 1
        commented = j >= 0 and lines[j].strip().startswith("# --")
        inherited = any(documented for _, documented in stack)
        value = line.split(":", 1)[1].strip()
        is_section = value == "" and not commented
        yield i + 1, match.group(2), commented or inherited or is_section
        stack.append((indent, commented or inherited))


def test_every_value_is_documented() -> None:
    undocumented = [f"line {n}: {key}" for n, key, ok in _documented_keys() if not ok]
    assert not undocumented, "values.yaml keys without a `# --` comment above: " + ", ".join(undocumented)


def _paths(data: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from _paths(value, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix


def _schema_has(path: str) -> bool:
    node: Any = SCHEMA
    for part in path.split("."):
        props = node.get("properties") if isinstance(node, dict) else None
        if not props or part not in props:
            return (
                isinstance(node, dict)
                and node.get("type") == "object"
                and node.get("additionalProperties") is not False
            )
        node = props[part]
    return True


def test_schema_describes_every_default_value() -> None:
    defaults = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    missing = [p for p in _paths(defaults) if not _schema_has(p)]
    assert not missing, missing


def test_schema_has_no_stale_keys() -> None:
    defaults = yaml.safe_load(VALUES.read_text(encoding="utf-8"))

    def walk(node: dict[str, Any], data: Any, prefix: str) -> Iterator[str]:
        for key, sub in (node.get("properties") or {}).items():
            if not isinstance(data, dict) or key not in data:
                yield f"{prefix}{key}"
            else:
                yield from walk(sub, data[key], f"{prefix}{key}.")

    assert not list(walk(SCHEMA, defaults, "")), "schema keys without a default in values.yaml"


def test_value_sets_validate_against_the_schema() -> None:
    import jsonschema

    validator = jsonschema.Draft7Validator(SCHEMA)
    defaults = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    assert not list(validator.iter_errors(defaults))
    for name, values in value_sets().items():
        merged = _merge(defaults, values)
        errors = [e.message for e in validator.iter_errors(merged)]
        assert not errors, (name, errors)


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in over.items()}}
    return over


@pytest.mark.parametrize("name", sorted(value_sets()))
def test_operator_reads_every_variable_the_chart_sets(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from voxray_operator.config import OperatorSettings

    (deployment,) = by_kind(render(value_sets()[name]), "Deployment")
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    fields = {f"VOXRAY_OPERATOR_{f.upper()}" for f in OperatorSettings.model_fields}
    ours = [e for e in env if e["name"].startswith("VOXRAY_OPERATOR_")]
    unknown = sorted(e["name"] for e in ours if e["name"] not in fields)
    assert not unknown, f"the chart sets variables the operator ignores: {unknown}"
    for e in ours:
        monkeypatch.setenv(e["name"], e.get("value", "secret-from-a-secretKeyRef"))
    settings = OperatorSettings()  # raises when a value does not parse
    values = value_sets()[name]
    assert settings.namespaces == (values.get("operator") or {}).get("watchNamespaces", [])
    assert settings.image.startswith(
        (values.get("runtime") or {}).get("image", {}).get("repository", "ghcr.io/voxray")
    )
    assert settings.standalone is True
    ports = {
        p["name"]: p["containerPort"]
        for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
    }
    assert ports == {"health": settings.health_port, "metrics": settings.metrics_port}


def test_chart_can_set_every_build_setting() -> None:
    """Every setting the builders take has a value in the chart (optional ones once they are given)."""
    from voxray_operator.config import BuildSettings

    optional = {
        "serviceAccountName": "ray",
        "gpuNodeSelector": {"pool": "gpu"},
        "jobActiveDeadlineSeconds": 600,
        "huggingFaceTokenSecret": "hf-token",
    }
    (deployment,) = by_kind(render({"runtime": optional}), "Deployment")
    env = {e["name"]: e.get("value") for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    missing = [f for f in BuildSettings.model_fields if f"VOXRAY_OPERATOR_{f.upper()}" not in env]
    assert not missing, f"builder settings the chart cannot set: {missing}"
    defaults = yaml.safe_load(VALUES.read_text(encoding="utf-8"))["runtime"]
    assert json.loads(env["VOXRAY_OPERATOR_GPU_TOLERATIONS"]) == defaults["gpuTolerations"]
    assert env["VOXRAY_OPERATOR_INGRESS_NUM_CPUS"] == str(defaults["serveIngress"]["numCpus"])


def test_chart_versions_follow_the_project() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', pyproject, re.MULTILINE)
    assert version
    assert chart["appVersion"] == version.group(1)
    ray = re.search(r"ray\[serve,default\]==([0-9.]+)", pyproject)
    defaults = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    assert ray
    assert defaults["runtime"]["rayVersion"] == ray.group(1)
    from voxray_operator.config import DEFAULT_RAY_VERSION

    assert ray.group(1) == DEFAULT_RAY_VERSION
