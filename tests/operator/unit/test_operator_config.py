"""OperatorSettings from the environment (VOXRAY_OPERATOR_*) and the BuildSettings builders get."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsError

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


def test_every_build_setting_has_a_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "HEAD_CPU": "500m",
        "HEAD_MEMORY": "3Gi",
        "MODEL_CACHE_SIZE": "40Gi",
        "GPU_TOLERATIONS": '[{"key": "gpu", "operator": "Exists"}]',
        "INGRESS_REPLICAS": "2",
        "INGRESS_MAX_ONGOING_REQUESTS": "512",
        "INGRESS_NUM_CPUS": "0.25",
    }
    for key, value in values.items():
        monkeypatch.setenv(f"VOXRAY_OPERATOR_{key}", value)
    build = OperatorSettings().build_settings()
    assert (build.head_cpu, build.head_memory, build.model_cache_size) == ("500m", "3Gi", "40Gi")
    assert build.gpu_tolerations == [{"key": "gpu", "operator": "Exists"}]
    assert (build.ingress_replicas, build.ingress_max_ongoing_requests, build.ingress_num_cpus) == (
        2,
        512,
        0.25,
    )
    # nothing the builders take is left without a variable
    assert set(BuildSettings.model_fields) <= set(OperatorSettings.model_fields)


def test_process_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXRAY_OPERATOR_METRICS_PORT", "9100")
    monkeypatch.setenv("VOXRAY_OPERATOR_LOG_FORMAT", "plain")
    monkeypatch.setenv("VOXRAY_OPERATOR_RETRY_DELAY_SECONDS", "2.5")
    settings = OperatorSettings()
    assert (settings.metrics_port, settings.log_format, settings.retry_delay_seconds) == (9100, "plain", 2.5)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PROGRESS_INTERVAL_SECONDS", "0"),
        ("HEAD_MEMORY", "lots"),
        ("INGRESS_REPLICAS", "0"),
        ("GPU_TOLERATIONS", "not json"),
        ("LOG_LEVEL", "chatty"),
    ],
)
def test_bad_environment_is_an_error(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"VOXRAY_OPERATOR_{name}", value)
    with pytest.raises((ValidationError, SettingsError)):
        OperatorSettings()


def test_build_settings_are_frozen() -> None:
    settings = BuildSettings()
    with pytest.raises(ValidationError):
        settings.image = "x"  # type: ignore[misc]
