"""The builders' layering: per-kind builders are thin and never import one another; builders stay pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.operator.unit.support import REPO_ROOT

BUILDERS = REPO_ROOT / "operator" / "voxray_operator" / "builders"
PER_KIND = {"rayservice", "textservice", "rayjob"}
#: what a pure builder never imports (I/O, the framework, the layers above it)
FORBIDDEN = (
    "kopf",
    "kubernetes",
    "kubernetes_asyncio",
    "httpx",
    "ray",
    "voxray_operator.handlers",
    "voxray_operator.k8s",
)


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("kind", sorted(PER_KIND))
def test_per_kind_builders_do_not_import_each_other(kind: str) -> None:
    names = imports(BUILDERS / f"{kind}.py")
    for other in PER_KIND - {kind}:
        assert not {n for n in names if n.startswith(f"voxray_operator.builders.{other}")}, other


@pytest.mark.parametrize("path", sorted(BUILDERS.rglob("*.py")), ids=lambda p: str(p.relative_to(BUILDERS)))
def test_builders_stay_pure(path: Path) -> None:
    bad = {n for n in imports(path) for f in FORBIDDEN if n == f or n.startswith(f + ".")}
    assert not bad


@pytest.mark.parametrize("path", sorted(BUILDERS.rglob("*.py")), ids=lambda p: str(p.relative_to(BUILDERS)))
def test_no_builder_module_is_over_400_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400
