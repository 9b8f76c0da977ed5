"""Prometheus metrics of the runtime, scraped from Ray's real metrics export port."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from voxray_runtime.api.metrics import METRIC_NAMES

pytestmark = pytest.mark.ray


def _scrape_until(url: str, names: list[str], timeout_s: float = 90.0) -> str:
    deadline = time.monotonic() + timeout_s
    text = ""
    while time.monotonic() < deadline:
        try:
            text = httpx.get(url, timeout=10).text
        except httpx.HTTPError:
            text = ""
        if all(f"ray_{n}" in text for n in names):
            return text
        time.sleep(2)
    missing = [n for n in names if f"ray_{n}" not in text]
    raise AssertionError(f"metrics never appeared on {url}: {missing}")


def test_request_metrics_are_exported(serve_url: str, ray_cluster: dict[str, Any]) -> None:
    r = httpx.post(
        f"{serve_url}/v1/speech", json={"text": "Metrics, please.", "avatar": "male_hi"}, timeout=120
    )
    assert r.status_code == 200
    bad = httpx.post(f"{serve_url}/v1/speech", json={"text": "x", "language": "xx"}, timeout=30)
    assert bad.status_code == 400
    url = f"http://127.0.0.1:{ray_cluster['metrics_port']}/metrics"
    text = _scrape_until(url, list(METRIC_NAMES))
    ok = re.search(
        r'ray_voxray_requests_total\{[^}]*avatar="male_hi"[^}]*status="200"[^}]*\} ([0-9.e+]+)', text
    )
    assert ok, "no request counter for male_hi / 200"
    assert float(ok.group(1)) >= 1
    assert re.search(r'ray_voxray_audio_seconds_total\{[^}]*language="hi"', text)
    assert re.search(r"ray_voxray_real_time_factor_bucket\{", text)
    assert re.search(r"ray_voxray_time_to_first_audio_seconds_count\{", text)
