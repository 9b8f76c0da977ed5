"""The operator's layers, read from the source: who may import whom (direct imports)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.operator.unit.support import REPO_ROOT

PACKAGE = REPO_ROOT / "operator" / "voxray_operator"
#: what the pure layers never import
IO_LAYERS = ("voxray_operator.handlers", "voxray_operator.reconcile", "voxray_operator.k8s", "kopf")


def imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{alias.name}" for alias in node.names}
    return out


def modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("path", modules("handlers"), ids=lambda p: p.name)
def test_no_handler_imports_another(path: Path) -> None:
    if path.name == "__init__.py":
        return
    others = {f"voxray_operator.handlers.{p.stem}" for p in modules("handlers") if p != path}
    assert not imports(path) & others


@pytest.mark.parametrize(
    "path",
    [*modules("status"), *modules("builders"), PACKAGE / "scaling" / "policy.py", PACKAGE / "drift.py"],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_pure_layers_import_no_io(path: Path) -> None:
    bad = {m for m in imports(path) if m.startswith(IO_LAYERS)}
    assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", [*modules("reconcile"), *modules("scaling")], ids=lambda p: p.name)
def test_reconcile_and_scaling_never_import_handlers(path: Path) -> None:
    assert not {m for m in imports(path) if m.startswith("voxray_operator.handlers")}
