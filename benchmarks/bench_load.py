"""Load test: the speech API on loopback, concurrency ramped from below to far beyond saturation, then a
recovery phase. Per step: sustained requests/s, answers by status (200/429/503/504/other, client timeouts),
latency percentiles of successes and of rejections. The contract under test: beyond saturation the service
sheds load with 429/503 + Retry-After quickly instead of timing out, and answers 200 again once the load
falls.

Setup: a private local Ray (2 CPUs), Serve on a free loopback port, one espeak-ng model replica (the fastest
engine, so saturation comes within a few clients) taking 4 requests at a time with a queue of 16
(``max_queued_requests``; beyond it 503), an ingress taking 64 (beyond its queue 429), a 30 s request
timeout (504). Per-caller limits are lifted so that capacity, not the per-caller concurrency limit (16 by
default: it sheds with 429 earlier), is what is measured. Closed-loop clients: each sends its next request
when the previous one is answered, and waits ``Retry-After`` (capped at 1 s) after a 429/503, as a
well-behaved client does.

Writes benchmarks/results/load.{json,md}. Bounded: about 3 minutes including Ray's start.
``LOAD_STEPS=1,4,16 LOAD_STEP_S=5`` shortens it; ``LOAD_MAX_ONGOING`` sets the replica's concurrency.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, machine_line, pct, stop_serve, wait_http_ok, write_results

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")

MODEL = "load"
STEPS = [int(c) for c in os.environ.get("LOAD_STEPS", "1,2,4,8,16,32,64,128").split(",")]
STEP_S = float(os.environ.get("LOAD_STEP_S", "12"))
RECOVERY_S = float(os.environ.get("LOAD_RECOVERY_S", "12"))
CLIENT_TIMEOUT_S = 45.0
#: requests a model replica takes at once (the engine thread runs one; the rest wait inside the replica)
MAX_ONGOING = int(os.environ.get("LOAD_MAX_ONGOING", "4"))
TEXTS = [
    "Welcome to the Azure Palm, where every suite looks over the sea.",
    "Breakfast is served on the terrace from seven until half past ten.",
    "The concierge can arrange a private yacht for the afternoon.",
    "Late check-out until two is complimentary for loyalty members.",
]
APP_ARGS: dict[str, Any] = {
    "models": [
        {
            "name": MODEL,
            "spec": {
                "engine": "espeak",
                "replicas": {"min": 1, "max": 1},
                "resources": {"cpu": 1},
                "serving": {"maxOngoingRequests": MAX_ONGOING},
            },
        }
    ],
    "ingress_num_cpus": 0.1,
    "ingress_max_ongoing_requests": 64,
    "max_queued_requests": 16,
    "request_timeout_s": 30.0,
    "request_timeout_per_char_s": 0.0,
    "security": {"auth": "disabled", "requests_per_minute": 1_000_000, "max_concurrent": 10_000},
}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(out: str) -> str:
    import ray
    from ray import serve

    from voxray_runtime.serve.app import build_app

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=tempfile.mkdtemp(prefix="vxr-load-", dir="/tmp"),
        log_to_driver=False,
    )
    port = free_port()
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    serve.run(build_app({**APP_ARGS, "output_dir": out}), name="voxray", route_prefix="/", blocking=False)
    url = f"http://127.0.0.1:{port}"
    wait_http_ok(f"{url}/readyz")
    return url


class Step:
    def __init__(self, name: str, concurrency: int) -> None:
        self.name = name
        self.concurrency = concurrency
        self.codes: Counter[str] = Counter()
        self.ok_latency: list[float] = []
        self.rejected_latency: list[float] = []
        self.retry_after_missing = 0
        self.seconds = 0.0

    def record(self, code: str, seconds: float, retry_after: str | None = None) -> None:
        self.codes[code] += 1
        if code == "200":
            self.ok_latency.append(seconds)
        elif code in ("429", "503"):
            self.rejected_latency.append(seconds)
            if not retry_after:
                self.retry_after_missing += 1

    def summary(self) -> dict[str, Any]:
        total = sum(self.codes.values())
        known = {"200", "429", "503", "504", "timeout"}
        return {
            "phase": self.name,
            "concurrency": self.concurrency,
            "seconds": round(self.seconds, 2),
            "requests": total,
            "requests_per_s": round(total / self.seconds, 2) if self.seconds else 0.0,
            "ok_per_s": round(self.codes["200"] / self.seconds, 2) if self.seconds else 0.0,
            "status": {
                "200": self.codes["200"],
                "429": self.codes["429"],
                "503": self.codes["503"],
                "504": self.codes["504"],
                "client_timeout": self.codes["timeout"],
                "other": sum(n for c, n in self.codes.items() if c not in known),
            },
            "other_codes": {c: n for c, n in self.codes.items() if c not in known},
            "ok_latency_s": _latency(self.ok_latency),
            "rejected_latency_s": _latency(self.rejected_latency),
            "rejections_without_retry_after": self.retry_after_missing,
        }


def _latency(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": round(pct(values, 50), 3),
        "p95": round(pct(values, 95), 3),
        "p99": round(pct(values, 99), 3),
        "max": round(max(values), 3),
    }


async def run_step(client: httpx.AsyncClient, url: str, step: Step, seconds: float) -> None:
    end = time.monotonic() + seconds
    started = time.monotonic()

    async def user(u: int) -> None:
        i = u
        while time.monotonic() < end:
            body = {"model": MODEL, "voice": "female_en-GB", "input": TEXTS[i % len(TEXTS)]}
            i += step.concurrency
            t0 = time.monotonic()
            try:
                r = await client.post(f"{url}/v1/audio/speech", json=body)
            except httpx.TimeoutException:
                step.record("timeout", time.monotonic() - t0)
                continue
            except httpx.HTTPError as exc:
                step.record(type(exc).__name__, time.monotonic() - t0)
                await asyncio.sleep(0.1)
                continue
            elapsed = time.monotonic() - t0
            retry_after = r.headers.get("retry-after")
            step.record(str(r.status_code), elapsed, retry_after)
            if r.status_code in (429, 503):
                await asyncio.sleep(min(1.0, float(retry_after or 1)))

    await asyncio.gather(*(user(u) for u in range(step.concurrency)))
    step.seconds = time.monotonic() - started


async def load(url: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    limits = httpx.Limits(max_connections=max(STEPS) + 8, max_keepalive_connections=max(STEPS) + 8)
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT_S, limits=limits) as client:
        warm = Step("warm-up", 2)
        await run_step(client, url, warm, 3)
        for c in STEPS:
            step = Step("ramp", c)
            await run_step(client, url, step, STEP_S)
            results.append(step.summary())
            print(_row(results[-1]), flush=True)
        # recovery: the overload stops; a light load again, after the queues drained
        step = Step("recovery", 2)
        await run_step(client, url, step, RECOVERY_S)
        results.append(step.summary())
        print(_row(results[-1]), flush=True)
    return results


def _row(s: dict[str, Any]) -> str:
    st, ok, rej = s["status"], s["ok_latency_s"], s["rejected_latency_s"]
    return (
        f"| {s['phase']} | {s['concurrency']} | {s['requests_per_s']:.1f} | {s['ok_per_s']:.1f} | "
        f"{st['200']} | {st['429']} | {st['503']} | {st['504']} | {st['client_timeout'] + st['other']} | "
        f"{ok.get('p50', 0):.2f} / {ok.get('p95', 0):.2f} / {ok.get('p99', 0):.2f} | "
        f"{rej.get('p50', 0):.2f} / {rej.get('p95', 0):.2f} |"
    )


def markdown(data: dict[str, Any]) -> str:
    rows = data["steps"]
    capacity = max(r["ok_per_s"] for r in rows)
    saturated = next((r["concurrency"] for r in rows if r["status"]["429"] + r["status"]["503"] > 0), None)
    timeouts = sum(r["status"]["client_timeout"] + r["status"]["504"] for r in rows)
    recovery = rows[-1]
    top = rows[-2]
    lines = [
        "# Load: the speech API at and beyond saturation",
        "",
        machine_line(data["machine"]),
        "",
        f"One espeak-ng model replica (1 CPU, {MAX_ONGOING} requests at a time, queue 16), ingress 64 + queue 16, request "
        "timeout 30 s, per-caller limits lifted; closed-loop clients on loopback that honour Retry-After "
        f"(capped at 1 s); {data['step_seconds']:g} s per step. Latencies in seconds (p50 / p95 / p99).",
        "",
        "| phase | clients | req/s | 200/s | 200 | 429 | 503 | 504 | timeout+other | 200 latency | "
        "429/503 latency (p50 / p95) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *(_row(r) for r in rows),
        "",
        f"- Capacity: about **{capacity:.1f} successful requests/s**; shedding (429/503 + Retry-After) "
        f"starts at **{saturated} clients**."
        if saturated
        else f"- Capacity: about **{capacity:.1f} successful requests/s**; no step shed load.",
        f"- Client timeouts and 504s over the whole run: **{timeouts}**; rejections without Retry-After: "
        f"**{sum(r['rejections_without_retry_after'] for r in rows)}**.",
        f"- Recovery: {recovery['status']['200']} of {recovery['requests']} requests answered 200 "
        f"(p50 {recovery['ok_latency_s'].get('p50', 0):.2f} s) right after the overload.",
        f"- Past saturation the successful rate fell from its peak {capacity:.1f}/s to "
        f"{top['ok_per_s']:.1f}/s at {top['concurrency']} clients: on 2 cores the clients, the ingress "
        "turning requests away and the engine share the same CPUs, so rejections are not free. Rejections "
        f"took p95 {top['rejected_latency_s'].get('p95', 0):.2f} s at that step, against "
        f"{top['ok_latency_s'].get('p95', 0):.2f} s for successes.",
        "",
        "A shared 2-core machine (see the load average above): absolute figures move with other load; "
        "what holds is the shape: rejections with Retry-After instead of timeouts, and full recovery.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    m = machine()
    out = tempfile.mkdtemp(prefix="vxr-load-out-")
    t0 = time.monotonic()
    url = start(out)
    started_s = time.monotonic() - t0
    try:
        steps = asyncio.run(load(url))
    finally:
        stop_serve()
    data = {
        "machine": m,
        "app": {k: v for k, v in APP_ARGS.items() if k != "models"} | {"model": APP_ARGS["models"][0]},
        "step_seconds": STEP_S,
        "recovery_seconds": RECOVERY_S,
        "client_timeout_s": CLIENT_TIMEOUT_S,
        "serve_start_seconds": round(started_s, 1),
        "total_seconds": round(time.monotonic() - t0, 1),
        "steps": steps,
    }
    write_results("load", data, markdown(data))


if __name__ == "__main__":
    main()
