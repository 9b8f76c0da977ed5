"""Shared benchmark helpers: machine description, result files, percentiles."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    try:
        gpu = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        gpu = ""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_gib, 1),
        "gpu": gpu or "none",
        "python": platform.python_version(),
        "platform": platform.platform(),
        # other work on a shared machine inflates absolute timings: read the side-by-side ratios
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[int(q) - 1]


def write_results(name: str, data: dict[str, Any], markdown: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown)
    print(markdown)


def machine_line(m: dict[str, Any]) -> str:
    load = m.get("load_average_1m")
    at = f", load average {load} when it started" if load is not None else ""
    return (
        f"Machine: {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), GPU: {m['gpu']}; {m['date']}{at}."
    )


def wait_http_ok(url: str, timeout_s: float = 300.0) -> None:
    """Poll ``url`` until it answers 200 (a Serve app coming up), or raise TimeoutError."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"serve did not start: {url}")


def stop_serve() -> None:
    """Shut Serve and the benchmark's local Ray down."""
    import ray
    from ray import serve

    serve.shutdown()
    ray.shutdown()
