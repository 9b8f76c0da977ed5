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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from voxray_runtime.spec.voicemodel import VoiceModelSpec

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


def start_local_serve(port: int) -> None:
    """A fresh local Ray (its workers at ``voxray serve``'s niceness) and Serve's proxy on ``port``."""
    import tempfile

    import ray
    from ray import serve

    from voxray_runtime.commands.local import LOCAL_WORKER_NICENESS

    for key, value in LOCAL_WORKER_NICENESS.items():
        os.environ.setdefault(key, value)  # Ray's default (15) starves the replicas under any other load
    ray.init(
        num_cpus=os.cpu_count() or 2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=tempfile.mkdtemp(prefix="vxr-bench-", dir="/tmp"),
        log_to_driver=False,
    )
    serve.start(http_options={"host": "127.0.0.1", "port": port})


def start_serve(models: list[tuple[str, VoiceModelSpec]], out: str, port: int | None = None) -> str:
    """The voxray Serve app (real ingress, real model replicas) on a fresh local Ray; returns its URL.

    Auth and per-caller limits are off: loopback only, measuring the API itself. The port comes from
    ``BENCH_PORT`` when not given (default 18765).
    """
    from ray import serve

    from voxray_runtime.serve.app import build_app

    port = port or int(os.environ.get("BENCH_PORT", "18765"))
    start_local_serve(port)
    serve.run(
        build_app(
            {
                "models": [{"name": name, "spec": spec.to_wire()} for name, spec in models],
                "output_dir": out,
                "ingress_num_cpus": 0.1,
                "security": {"auth": "disabled", "requests_per_minute": 1_000_000, "max_concurrent": 10_000},
            }
        ),
        name="voxray",
        route_prefix="/",
        blocking=False,
    )
    url = f"http://127.0.0.1:{port}"
    wait_http_ok(f"{url}/v1/voices")
    return url


def _section_marks(section: str) -> tuple[str, str]:
    return f"<!-- section: {section} -->", f"<!-- /section: {section} -->"


def read_section(name: str, section: str) -> str | None:
    """A section another benchmark keeps in ``results/<name>.md`` (markers included), if there is one."""
    path = RESULTS / f"{name}.md"
    if not path.exists():
        return None
    text = path.read_text()
    start, end = _section_marks(section)
    if start not in text or end not in text:
        return None
    return text[text.index(start) : text.index(end) + len(end)]


def write_section(name: str, section: str, markdown: str) -> None:
    """Put ``markdown`` into ``results/<name>.md`` as a marked section, replacing the previous one and
    keeping the rest of the file."""
    path = RESULTS / f"{name}.md"
    start, end = _section_marks(section)
    block = f"{start}\n{markdown.rstrip()}\n{end}"
    text = path.read_text() if path.exists() else ""
    old = read_section(name, section)
    text = text.replace(old, block) if old else f"{text.rstrip()}\n\n{block}\n"
    path.write_text(text)
