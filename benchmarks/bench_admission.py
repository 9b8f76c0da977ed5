"""Admission under a crowd: 2000 clients at once against ``voxray serve`` as a new user starts it.

``voxray serve --no-stt`` (the bundled voices and the bundled Gemma 3 270M TextModel on llama.cpp, auth
disabled on loopback) runs as a subprocess. After one warm-up request of each kind (what a user tries
first), ``ADM_SPEECH`` short speech requests (OpenAI route, mp3) and ``ADM_CHATS`` streamed chats of
``ADM_TOKENS`` tokens are sent at once, with no X-Request-Timeout (the default deadline applies) and no
retries. Every client waits up to ``CLIENT_TIMEOUT_S``.

Reported: answers by status, served and shed shares, latency p50/p99/max of the served and of the
refusals, Retry-After present on every 429/503, resets and timeouts, /readyz after, and the serving
process tree's resident memory and open file descriptors before and after.

Writes benchmarks/results/admission.{json,md}. Takes the machine for a few minutes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, machine_line, pct, wait_http_ok, write_results

SPEECH = int(os.environ.get("ADM_SPEECH", "1500"))
#: the speech model of each crowd, one after the other on the same server: ``tts-1`` (each voice's best
#: model: Kokoro for these voices) and ``espeak`` (the fastest engine, pinned); ``:distinct``: every request
#: of the crowd has a text of its own (otherwise 4 texts x 3 voices, and identical requests in flight at
#: once share one synthesis in the ingress)
#: once of each again at the end: memory that grows crowd after crowd is a leak, memory that does not is the
#: first crowd's high-water mark
SCENARIOS = os.environ.get("ADM_SCENARIOS", "tts-1,tts-1:distinct,espeak:distinct,tts-1").split(",")
CHATS = int(os.environ.get("ADM_CHATS", "500"))
TOKENS = int(os.environ.get("ADM_TOKENS", "12"))
CLIENT_TIMEOUT_S = 130.0
GOAL_S = 120.0
TEXTS = [
    "Welcome to the Azure Palm.",
    "Breakfast is served from seven.",
    "Your room is ready.",
    "The spa opens at nine.",
]
VOICES = ["female_en-GB", "male_en-US", "female_en-US"]
PROMPTS = ["Say hello to a guest.", "Name a dessert.", "Greet a traveller.", "Suggest a drink."]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree(root: int) -> list[int]:
    """``root`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def footprint(root: int) -> dict[str, Any]:
    """Resident memory (MiB) and open file descriptors of the process tree, and per process."""
    rss_kib, fds, procs = 0, 0, 0
    each: dict[str, float] = {}
    for pid in tree(root):
        try:
            name = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:60].strip()
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss_kib += int(line.split()[1])
                    each[f"{pid} {name}"] = round(int(line.split()[1]) / 1024, 1)
            fds += len(os.listdir(f"/proc/{pid}/fd"))
            procs += 1
        except OSError:
            continue
    return {"rss_mib": round(rss_kib / 1024, 1), "fds": fds, "processes": procs, "rss_mib_by_process": each}


async def speech(client: httpx.AsyncClient, url: str, i: int, tts: str = "tts-1") -> dict[str, Any]:
    model, _, variant = tts.partition(":")
    text = TEXTS[i % len(TEXTS)] + (f" Room {100 + i}." if variant == "distinct" else "")
    body = {"model": model, "input": text, "voice": VOICES[i % len(VOICES)]}
    return await _call(client, "speech", f"{url}/v1/audio/speech", body, stream=False)


async def chat(client: httpx.AsyncClient, url: str, model: str, i: int) -> dict[str, Any]:
    body = {
        "model": model,
        "messages": [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}],
        "max_tokens": TOKENS,
        "stream": True,
    }
    return await _call(client, "chat", f"{url}/v1/chat/completions", body, stream=True)


async def _call(
    client: httpx.AsyncClient, kind: str, url: str, body: dict[str, Any], *, stream: bool
) -> dict[str, Any]:
    t0 = time.monotonic()
    out: dict[str, Any] = {"kind": kind}
    try:
        async with client.stream("POST", url, json=body) as r:
            data = await r.aread()
            out["status"] = r.status_code
            out["retry_after"] = r.headers.get("retry-after")
            out["coalesced"] = r.headers.get("x-voxray-coalesced") == "true"
            if r.status_code == 200 and stream and b"data: [DONE]" not in data:
                out["status"] = "incomplete-stream"
    except httpx.TimeoutException:
        out["status"] = "timeout"
    except httpx.HTTPError as exc:
        out["status"] = f"error:{type(exc).__name__}"
    out["seconds"] = time.monotonic() - t0
    return out


async def crowd(url: str, model: str | None, tts: str) -> tuple[list[dict[str, Any]], float]:
    limits = httpx.Limits(max_connections=SPEECH + CHATS + 16, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT_S, limits=limits) as client:
        jobs = [speech(client, url, i, tts) for i in range(SPEECH)]
        if model is not None:
            jobs += [chat(client, url, model, i) for i in range(CHATS)]
        # interleave the kinds, as independent users would arrive
        order = sorted(range(len(jobs)), key=lambda i: (i * 7919) % len(jobs))
        t0 = time.monotonic()
        results = await asyncio.gather(*(jobs[i] for i in order))
        return list(results), time.monotonic() - t0


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    codes = Counter(str(r["status"]) for r in results)
    ok = [r["seconds"] for r in results if r["status"] == 200]
    shed = [r for r in results if r["status"] in (429, 503)]
    return {
        "requests": len(results),
        "by_status": dict(sorted(codes.items())),
        "served": len(ok),
        "coalesced": sum(1 for r in results if r["status"] == 200 and r.get("coalesced")),
        "served_share": round(len(ok) / max(1, len(results)), 3),
        "shed_share": round(len(shed) / max(1, len(results)), 3),
        "shed_without_retry_after": sum(1 for r in shed if not r["retry_after"]),
        "other": sum(n for c, n in codes.items() if c not in ("200", "429", "503")),
        "served_p50_s": round(pct(ok, 50), 2),
        "served_p99_s": round(pct(ok, 99), 2),
        "shed_p50_s": round(pct([r["seconds"] for r in shed], 50), 2),
        "shed_p99_s": round(pct([r["seconds"] for r in shed], 99), 2),
        "max_s": round(max((r["seconds"] for r in results), default=0.0), 2),
        "retry_after_p50_s": pct([float(r["retry_after"]) for r in shed if r["retry_after"]], 50),
    }


def main() -> int:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled", "PYTHONUNBUFFERED": "1"}
    out_dir = tempfile.mkdtemp(prefix="bench-admission-")
    log = open(Path(out_dir) / "serve.log", "w")  # noqa: SIM115 - open while the server runs
    cmd = [sys.executable, "-m", "voxray_runtime.cli", "serve", "--port", str(port), "--no-stt"]
    cmd += ["--output-dir", out_dir]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    m = machine()
    try:
        t0 = time.monotonic()
        wait_http_ok(f"{url}/readyz", timeout_s=600)
        ready_s = time.monotonic() - t0
        from voxray_runtime.models import default_text_models

        model = next((t.spec.model_id(t.name) for t in default_text_models()), None)
        runs: dict[str, Any] = {}
        # every crowd's models and voices loaded before the baseline: what stays after is the crowds' own
        warm_ups = {tts: asyncio.run(_warm(url, model, tts)) for tts in SCENARIOS}
        time.sleep(2)
        before = footprint(proc.pid)
        after: dict[str, Any] = {}
        for n, tts in enumerate(SCENARIOS):
            warm = warm_ups[tts]
            results, wall_s = asyncio.run(crowd(url, model, tts))
            if tts in runs:  # the same crowd again (a leak shows as growth crowd after crowd)
                tts = f"{tts} (crowd {n + 1})"
            time.sleep(10)
            ready_after = httpx.get(f"{url}/readyz", timeout=30).status_code
            runs[tts] = {"warm_up": warm, "wall_s": round(wall_s, 1), "readyz_after": ready_after}
            runs[tts]["footprint_after"] = {
                k: v for k, v in footprint(proc.pid).items() if k != "rss_mib_by_process"
            }
            runs[tts] |= {"total": summarize(results)}
            runs[tts]["by_kind"] = {
                k: summarize([r for r in results if r["kind"] == k]) for k in ("speech", "chat")
            }
        after = footprint(proc.pid)
        settle = time.monotonic()
        while (
            after["fds"] > before["fds"] + 16 or after["rss_mib"] > before["rss_mib"] * 1.1
        ) and time.monotonic() - settle < 60:
            time.sleep(5)
            after = footprint(proc.pid)
        settled_s = round(10 + time.monotonic() - settle, 1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    data = {
        "machine": m,
        "setup": {
            "command": "voxray serve --no-stt (bundled voices + Gemma 3 270M on llama.cpp, auth disabled)",
            "speech_requests": SPEECH,
            "speech_voices": VOICES,
            "chat_requests": CHATS if model else 0,
            "chat_max_tokens": TOKENS,
            "client_timeout_s": CLIENT_TIMEOUT_S,
            "deadline": "default (no X-Request-Timeout), no retries",
            "ready_s": round(ready_s, 1),
        },
        "runs": runs,
        "footprint_before": before,
        "footprint_after": after,
        "settled_after_s": settled_s,
    }
    for run in runs.values():
        t = run["total"]
        run["goal"] = {
            "served_at_least_quarter": t["served"] >= t["requests"] / 4,
            "all_answered_within_120s": t["max_s"] <= GOAL_S and t["other"] == 0,
            "every_refusal_has_retry_after": t["shed_without_retry_after"] == 0,
            "readyz_after": run["readyz_after"] == 200,
        }
    write_results(os.environ.get("ADM_NAME", "admission"), data, markdown(data))
    return 0 if all(all(r["goal"].values()) for r in runs.values()) else 1


async def _warm(url: str, model: str | None, tts: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT_S) as client:
        s = await speech(client, url, 0, tts)
        c = await chat(client, url, model, 0) if model else {}
    return {"speech": s, "chat": c}


def _by_name(footprint: dict[str, Any]) -> dict[str, float]:
    """Resident MiB per process name (pids dropped, so that a process is matched before and after)."""
    out: dict[str, float] = {}
    for key, mib in footprint.get("rss_mib_by_process", {}).items():
        name = key.split(" ", 1)[1] if " " in key else key
        name = name.replace(".listen_for_change", "")  # the controller's title changes while it waits
        out[name] = out.get(name, 0.0) + float(mib)
    return out


def markdown(d: dict[str, Any]) -> str:
    s = d["setup"]
    lines = [
        "# Admission under a crowd",
        "",
        f"{machine_line(d['machine'])}",
        "",
        f"`{s['command']}`, ready in {s['ready_s']} s. Per crowd: {s['speech_requests']} short speech "
        f"requests (voices {', '.join(s['speech_voices'])}) and {s['chat_requests']} streamed chats of "
        f"{s['chat_max_tokens']} tokens sent at once after one warm-up request of each; {s['deadline']}; "
        f"client timeout {s['client_timeout_s']:g} s. The crowds run one after the other on the same server.",
        "",
        "| speech model | | requests | served | of which coalesced | served share | shed share | other | "
        "served p50 / p99 (s) | refusal p50 / p99 (s) | max (s) | Retry-After p50 (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for tts, run in d["runs"].items():
        for name, k in [("all", run["total"]), *run["by_kind"].items()]:
            lines.append(
                f"| {tts} | {name} | {k['requests']} | {k['served']} | {k['coalesced']} | {k['served_share']:.1%} | "
                f"{k['shed_share']:.1%} | {k['other']} | {k['served_p50_s']} / {k['served_p99_s']} | "
                f"{k['shed_p50_s']} / {k['shed_p99_s']} | {k['max_s']} | {k['retry_after_p50_s']:g} |"
            )
    lines.append("")
    for tts, run in d["runs"].items():
        t = run["total"]
        goal = ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in run["goal"].items())
        lines.append(
            f"- {tts}: wall time {run['wall_s']} s; answers by status {t['by_status']}; refusals without "
            f"Retry-After {t['shed_without_retry_after']}; /readyz after {run['readyz_after']}; "
            f"{run['footprint_after']['rss_mib']} MiB resident, {run['footprint_after']['fds']} open files 10 s "
            f"after it. Goal: {goal}."
        )
    b, a = d["footprint_before"], d["footprint_after"]
    lines += [
        "",
        f"Serving process tree: {b['rss_mib']} MiB resident and {b['fds']} open files in {b['processes']} "
        f"processes before the first crowd (every crowd's models and voices warmed up); {a['rss_mib']} MiB and "
        f"{a['fds']} files {d['settled_after_s']} s after the last. By process (MiB, largest change first):",
        "",
        "| process | before | after | change |",
        "|---|---:|---:|---:|",
    ]
    rb, ra = _by_name(b), _by_name(a)
    for name in sorted(set(rb) | set(ra), key=lambda n: -abs(ra.get(n, 0.0) - rb.get(n, 0.0)))[:8]:
        lines.append(
            f"| {name} | {rb.get(name, 0.0):.1f} | {ra.get(name, 0.0):.1f} | {ra.get(name, 0.0) - rb.get(name, 0.0):+.1f} |"
        )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
