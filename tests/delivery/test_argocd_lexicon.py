"""Argo CD health of a Lexicon, from the statuses the operator writes (voxray_operator.status.lexicon)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from delivery_lib import REPO

from voxray_operator.status.lexicon import lexicon_status

HEALTH = REPO / "deploy" / "argocd" / "health"

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
VALID = {"entries": [{"text": "Qasr", "language": "en", "alias": "Kasr"}]}
INVALID = {"entries": [{"text": "Qasr", "language": "en"}]}


def run_health(kind_path: str, obj: dict[str, Any]) -> tuple[str, str]:
    lupa = pytest.importorskip("lupa", reason="lupa (Lua in Python) is not installed; the dev extra has it")
    lua = lupa.LuaRuntime(unpack_returned_tuples=True)
    lua.execute("os = nil; io = nil; require = nil; dofile = nil; loadfile = nil")  # Argo CD's sandbox
    lua.globals().obj = lua.table_from(obj, recursive=True)
    hs = lua.execute((HEALTH / kind_path / "health.lua").read_text(encoding="utf-8"))
    return str(hs.status), str(hs.message or "")


def lexicon(
    spec: dict[str, Any], *, generation: int = 1, status_generation: int | None = 1
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "Lexicon",
        "metadata": {"name": "brand", "generation": generation},
        "spec": spec,
    }
    if status_generation is not None:
        obj["status"] = lexicon_status(spec, generation=status_generation, previous=None, now=NOW)
    return obj


def test_valid_lexicon_is_healthy_with_its_version() -> None:
    health, message = run_health("voxray.io/Lexicon", lexicon(VALID))
    assert health == "Healthy"
    assert "1 entries (en)" in message
    assert "version sha256:" in message


def test_invalid_lexicon_is_degraded_with_the_field() -> None:
    health, message = run_health("voxray.io/Lexicon", lexicon(INVALID))
    assert health == "Degraded"
    assert message.startswith("spec.entries.0")
    assert "alias or ipa" in message


def test_no_status_or_an_older_generation_is_progressing() -> None:
    assert run_health("voxray.io/Lexicon", lexicon(VALID, status_generation=None))[0] == "Progressing"
    assert run_health("voxray.io/Lexicon", lexicon(VALID, generation=2))[0] == "Progressing"
