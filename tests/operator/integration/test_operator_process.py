"""The operator process: entry point, settings from the environment, its /metrics endpoint."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest
from opkit import Cluster, eventually, voicemodel

from voxray_operator import k8s
from voxray_operator.__main__ import main
from voxray_operator.metrics import OperatorMetrics


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_check_validates_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VOXRAY_OPERATOR_METRICS_PORT", "9100")
    assert main(["--check"]) == 0
    monkeypatch.setenv("VOXRAY_OPERATOR_METRICS_PORT", "not-a-port")
    assert main(["--check"]) == 2
    assert "metrics_port" in capsys.readouterr().err
    monkeypatch.setenv("VOXRAY_OPERATOR_METRICS_PORT", "9100")
    monkeypatch.setenv("VOXRAY_OPERATOR_GPU_TOLERATIONS", "not JSON")
    assert main(["--check"]) == 2
    assert "gpu_tolerations" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("voxray-operator ")


async def test_metrics_endpoint() -> None:
    metrics = OperatorMetrics()
    with metrics.reconciling("VoiceModel", "create"):
        pass
    with pytest.raises(RuntimeError), metrics.reconciling("SpeechBatch", "update"):
        raise RuntimeError("boom")
    metrics.scaling_decisions.labels(direction="up", reason="ScaleUp").inc()
    metrics.desired_replicas.labels(voicemodel_namespace="tts", voicemodel="m").set(3)
    metrics.batch_progress("tts", "b", {"counts": {"total": 4, "done": 3, "failed": 1}, "audioSeconds": 9.5})
    metrics.prometheus_errors.labels(error="timeout").inc()
    port = free_port()
    stop = metrics.serve(port, "127.0.0.1")
    try:
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    finally:
        stop()
    assert 'voxray_operator_reconcile_total{kind="VoiceModel",trigger="create"} 1.0' in text
    assert 'voxray_operator_reconcile_errors_total{kind="SpeechBatch",trigger="update"} 1.0' in text
    assert 'voxray_operator_reconcile_duration_seconds_count{kind="VoiceModel"} 1.0' in text
    assert 'voxray_operator_scaling_decisions_total{direction="up",reason="ScaleUp"} 1.0' in text
    assert 'voxray_operator_desired_replicas{voicemodel="m",voicemodel_namespace="tts"} 3.0' in text
    assert (
        'voxray_operator_speechbatch_files{speechbatch="b",speechbatch_namespace="tts",state="done"} 3.0'
        in text
    )
    assert (
        'voxray_operator_speechbatch_audio_seconds{speechbatch="b",speechbatch_namespace="tts"} 9.5' in text
    )
    assert 'state="skipped"' not in text  # not reported yet: left out, not 0
    assert 'voxray_operator_prometheus_query_errors_total{error="timeout"} 1.0' in text
    metrics.forget_model("tts", "m")
    metrics.forget_model("tts", "m")
    metrics.forget_batch("tts", "b")
    metrics.forget_batch("tts", "b")
    assert (
        metrics.registry.get_sample_value(
            "voxray_operator_speechbatch_files",
            {"speechbatch_namespace": "tts", "speechbatch": "b", "state": "done"},
        )
        is None
    )


async def test_entry_point_runs_the_operator(cluster: Cluster, tmp_path: Path) -> None:
    """``python -m voxray_operator`` against the emulator: reconciles, serves metrics and health, stops on SIGTERM."""
    metrics_port, health_port = free_port(), free_port()
    env = {
        **os.environ,  # KUBECONFIG from the cluster fixture
        "VOXRAY_OPERATOR_LOG_FORMAT": "json",
        "VOXRAY_OPERATOR_METRICS_PORT": str(metrics_port),
        "VOXRAY_OPERATOR_HEALTH_PORT": str(health_port),
    }
    log = tmp_path / "operator.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "voxray_operator", env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
        try:
            await cluster.create(k8s.VOICEMODELS, voicemodel("tts-proc"))
            await cluster.wait_for(
                k8s.RAYSERVICES, "tts-proc", lambda r: True, what="RayService from the process"
            )
            async with httpx.AsyncClient() as client:

                async def scrape() -> str:
                    try:
                        return (await client.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
                    except httpx.HTTPError:
                        return ""

                text = await eventually(scrape, lambda t: 'kind="VoiceModel"' in t, what="operator metrics")
                assert "voxray_operator_reconcile_total" in text
                health = await client.get(f"http://127.0.0.1:{health_port}/healthz")
                assert health.status_code == 200
        finally:
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), timeout=30)
    assert code == 0
    records = [
        json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("{")
    ]
    assert any("created RayService tts-proc" in r.get("message", "") for r in records)
