"""OperatorSettings from the environment (VOXRAY_OPERATOR_*) and the BuildSettings builders get."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from voxray_operator.config import DEFAULT_IMAGE, BuildSettings, OperatorSettings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in __import__("os").environ if n.startswith("VOXRAY_OPERATOR_")]:
        monkeypatch.delenv(name)
    settings = OperatorSettings()
    assert settings.ray_version == "2.60.0"
    assert settings.image == DEFAULT_IMAGE
    assert settings.namespaces == []
    assert settings.build_settings() == BuildSettings()


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXRAY_OPERATOR_IMAGE", "registry.example/voxray-runtime:1.2.3")
    monkeypatch.setenv("VOXRAY_OPERATOR_NAMESPACES", '["tts", "batch"]')
    monkeypatch.setenv("VOXRAY_OPERATOR_PROMETHEUS_URL", "http://prom:9090")
    monkeypatch.setenv("VOXRAY_OPERATOR_GPU_NODE_SELECTOR", '{"pool": "gpu"}')
    monkeypatch.setenv("VOXRAY_OPERATOR_BATCH_CLUSTER_TTL_SECONDS", "60")
    settings = OperatorSettings()
    assert settings.namespaces == ["tts", "batch"]
    assert settings.prometheus_url == "http://prom:9090"
    build = settings.build_settings()
    assert build.image == "registry.example/voxray-runtime:1.2.3"
    assert build.gpu_node_selector == {"pool": "gpu"}
    assert build.batch_cluster_ttl_seconds == 60


def test_bad_environment_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXRAY_OPERATOR_STATUS_INTERVAL_SECONDS", "0")
    with pytest.raises(ValidationError):
        OperatorSettings()


def test_build_settings_are_frozen() -> None:
    settings = BuildSettings()
    with pytest.raises(ValidationError):
        settings.image = "x"  # type: ignore[misc]
