"""Fixtures shared by the engine tests. Engines themselves load once per test module (module fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def engine_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh cache folder for derived artifacts (quantized graphs), shared by the session."""
    return tmp_path_factory.mktemp("voxray-cache")


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Weights and cache folders pointed at an empty temporary folder."""
    for name in ("VOXRAY_WEIGHTS_DIR", "VOXRAY_KOKORO_VOICES", "VOXRAY_CACHE_DIR", "VOXRAY_PVC_MOUNT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VOXRAY_WEIGHTS_DIR", str(tmp_path / "weights"))
    monkeypatch.setenv("VOXRAY_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture
def missing_hub_repo() -> str:
    """A Hugging Face repo that does not exist: loading it fails alike with and without network."""
    return "voxray-tests/no-such-repo"
