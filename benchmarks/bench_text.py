"""Text generation throughput: tokens/s and time to first token at 1, 4 and 16 concurrent clients, side by
side and interleaved in one run, on the packaged Gemma 3 270M Q4_K_M GGUF with the same settings:

- ``voxray``: the voxray API (Serve ingress with auth layers, metrics, audit) in front of the ``LLM-gemma``
  llama.cpp deployment (continuous batching over ``SLOTS`` sequences), streamed over HTTP (SSE);
- ``llama_cpp.server``: llama-cpp-python's own OpenAI server (``python -m llama_cpp.server``), the peer a
  user would pick on CPU, streamed over HTTP the same way (it decodes one request at a time; with
  ``--interrupt_requests False``, else a new request cuts the stream being decoded short and the clients
  get truncated completions);
- ``llama.cpp in process``: llama-cpp-python's ``Llama`` called directly (no HTTP; one request at a time,
  as the library allows);
- ``voxray engine in process``: voxray's batching engine called directly (what the API costs on top).

Every system: n_ctx ``CTX`` per sequence, ``THREADS`` threads, n_batch 512, greedy decoding of the same
prompts, ``MAX_TOKENS`` tokens each. Completion tokens are counted the same way for all (the text
re-tokenized with the model's tokenizer). Aggregate tokens/s = tokens of all requests / wall time of the
round. Rounds alternate the systems so that the machine's other load hits all alike.

Writes benchmarks/results/text.{json,md}. ``TEXT_BENCH_CONCURRENCY=1,4`` and ``TEXT_BENCH_ROUNDS=1`` shorten it.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, machine_line, pct, start_local_serve, stop_serve, wait_http_ok, write_results

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
# every system alike: idle OpenMP threads sleep (voxray's engine does this by default; on a shared machine
# spinning threads slow two-thread decoding tenfold)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

CONCURRENCY = [int(c) for c in os.environ.get("TEXT_BENCH_CONCURRENCY", "1,4,16").split(",")]
ROUNDS = int(os.environ.get("TEXT_BENCH_ROUNDS", "2"))
MAX_TOKENS = int(os.environ.get("TEXT_BENCH_MAX_TOKENS", "48"))
THREADS = int(os.environ.get("TEXT_BENCH_THREADS", "1"))
SLOTS = int(os.environ.get("TEXT_BENCH_SLOTS", "4"))
CTX = 1024
PROMPTS = [
    "Write a long, warm story about a small hotel by the sea. Once upon a time,",
    "Here is a detailed guide to the best beaches near the harbour. First,",
    "The chef of the seaside restaurant explains every dish on the menu. We start with",
    "A traveller's diary, day one: the ferry arrived at the island just after dawn and",
]
PORT_BASE = int(os.environ.get("TEXT_BENCH_PORT", "8360"))


def free_port(start: int) -> int:
    for port in range(start, start + 30):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def requests_for(c: int) -> int:
    return max(3, 2 * c) if c < 16 else c


# ---- clients --------------------------------------------------------------------------------------------
async def _http_one(
    client: httpx.AsyncClient, url: str, model: str, prompt: str
) -> tuple[str, float | None, float]:
    body = {"model": model, "prompt": prompt, "max_tokens": MAX_TOKENS, "temperature": 0, "stream": True}
    t0 = time.perf_counter()
    ttft, parts = None, []
    async with client.stream("POST", url, json=body) as r:
        r.raise_for_status()
        async for line in r.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            obj = json.loads(line[6:])
            for ch in obj.get("choices") or []:
                if ch.get("text"):
                    ttft = ttft if ttft is not None else time.perf_counter() - t0
                    parts.append(ch["text"])
    return "".join(parts), ttft, time.perf_counter() - t0


async def _http_round(url: str, model: str, c: int) -> tuple[list[tuple[str, float | None, float]], float]:
    n = requests_for(c)
    queue = list(range(n))
    out: list[tuple[str, float | None, float]] = []
    limits = httpx.Limits(max_connections=c + 2, max_keepalive_connections=c + 2)
    async with httpx.AsyncClient(timeout=600, limits=limits) as client:

        async def worker() -> None:
            while queue:
                i = queue.pop()
                out.append(await _http_one(client, url, model, PROMPTS[i % len(PROMPTS)]))

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(c)))
        return out, time.perf_counter() - t0


def http_round(url: str, model: str) -> Callable[[int], tuple[list[tuple[str, float | None, float]], float]]:
    return lambda c: asyncio.run(_http_round(url, model, c))


def thread_round(
    one: Callable[[str], tuple[str, float | None, float]],
) -> Callable[[int], tuple[list[Any], float]]:
    def run(c: int) -> tuple[list[Any], float]:
        n = requests_for(c)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(c) as pool:
            out = list(pool.map(lambda i: one(PROMPTS[i % len(PROMPTS)]), range(n)))
        return out, time.perf_counter() - t0

    return run


# ---- systems --------------------------------------------------------------------------------------------
def start_voxray(gguf: Path) -> tuple[str, Callable[[], None]]:
    from ray import serve

    from voxray_runtime.serve.app import build_app

    port = free_port(PORT_BASE)
    start_local_serve(port)
    spec = {
        "weights": {"source": "path", "path": str(gguf)},
        "servedModelName": "gemma",
        "contextLength": CTX,
        "resources": {"cpu": 0.5},
        "serving": {"maxConcurrentSequences": SLOTS, "maxQueue": 64, "maxTokens": 512, "threads": THREADS},
    }
    args = {
        "text_models": [{"name": "gemma", "spec": spec}],
        "output_dir": tempfile.mkdtemp(prefix="vxr-textbench-out-"),
        "ingress_num_cpus": 0.0,
        "security": {"auth": "disabled", "requests_per_minute": 1_000_000, "max_concurrent": 10_000},
    }
    serve.run(build_app(args), name="voxray", route_prefix="/", blocking=False)
    base = f"http://127.0.0.1:{port}"
    wait_http_ok(f"{base}/readyz", 600)
    return f"{base}/v1/completions", stop_serve


def start_peer(gguf: Path) -> tuple[str, Callable[[], None]]:
    port = free_port(PORT_BASE + 10)
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(CTX),
        "--n_threads",
        str(THREADS),
        "--n_threads_batch",
        str(THREADS),
        "--n_batch",
        "512",
        "--interrupt_requests",
        "False",
        "--model_alias",
        "gemma",
        "--verbose",
        "False",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_http_ok(f"{base}/v1/models", 300)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

    return f"{base}/v1/completions", stop


def raw_llama(gguf: Path) -> Callable[[str], tuple[str, float | None, float]]:
    from llama_cpp import Llama

    llm = Llama(str(gguf), n_ctx=CTX, n_threads=THREADS, n_threads_batch=THREADS, n_batch=512, verbose=False)
    lock = threading.Lock()  # Llama is not thread-safe: one request at a time

    def one(prompt: str) -> tuple[str, float | None, float]:
        with lock:
            t0 = time.perf_counter()
            ttft, parts = None, []
            for ch in llm.create_completion(prompt, max_tokens=MAX_TOKENS, temperature=0, stream=True):
                text = ch["choices"][0]["text"]
                if text:
                    ttft = ttft if ttft is not None else time.perf_counter() - t0
                    parts.append(text)
            llm.reset()
            return "".join(parts), ttft, time.perf_counter() - t0

    return one


def voxray_engine(gguf: Path) -> tuple[Callable[[str], tuple[str, float | None, float]], Callable[[], None]]:
    from voxray_runtime.engines.text.gguf import GgufFile
    from voxray_runtime.engines.text.llamacpp import LlamaCppEngine
    from voxray_runtime.engines.text.params import GenerationParams

    eng = LlamaCppEngine(
        GgufFile(gguf, "bench"), context_length=CTX, slots=SLOTS, max_queue=64, threads=THREADS
    )
    params = GenerationParams(max_tokens=MAX_TOKENS, temperature=0.0)

    def one(prompt: str) -> tuple[str, float | None, float]:
        t0 = time.perf_counter()
        ttft, parts = None, []
        for piece in eng.generate(prompt, params):
            ttft = ttft if ttft is not None else time.perf_counter() - t0
            parts.append(piece)
        return "".join(parts), ttft, time.perf_counter() - t0

    return one, eng.close


def main() -> int:
    from llama_cpp import Llama

    from voxray_runtime.engines.text.gguf import packaged_gguf

    gguf = packaged_gguf().path
    vocab = Llama(str(gguf), vocab_only=True, verbose=False)

    def ntokens(text: str) -> int:
        return len(vocab.tokenize(text.encode(), add_bos=False, special=False)) if text else 0

    m = machine()
    stops: list[Callable[[], None]] = []
    systems: dict[str, Callable[[int], tuple[list[Any], float]]] = {}
    try:
        url, stop = start_voxray(gguf)
        stops.append(stop)
        systems["voxray"] = http_round(url, "gemma")
        url, stop = start_peer(gguf)
        stops.append(stop)
        systems["llama_cpp.server"] = http_round(url, "gemma")
        systems["llama.cpp in process"] = thread_round(raw_llama(gguf))
        one, close = voxray_engine(gguf)
        stops.append(close)
        systems["voxray engine in process"] = thread_round(one)
        for fn in systems.values():  # warm every system once
            fn(1)
        rows: dict[str, dict[int, dict[str, list[float]]]] = {s: {} for s in systems}
        for c in CONCURRENCY:
            for _ in range(ROUNDS):
                for name, fn in systems.items():
                    out, wall = fn(c)
                    tokens = sum(ntokens(t) for t, _, _ in out)
                    cell = rows[name].setdefault(c, {"tps": [], "ttft": [], "tokens": []})
                    cell["tps"].append(tokens / wall)
                    cell["ttft"].extend(tt for _, tt, _ in out if tt is not None)
                    cell["tokens"].append(tokens / len(out))
                    print(
                        f"c={c:<3} {name:<26} {tokens / wall:7.1f} tok/s  ttft p50 {pct([tt for _, tt, _ in out if tt], 50):.3f} s",
                        flush=True,
                    )
    finally:
        for stop in reversed(stops):
            try:
                stop()
            except Exception as exc:
                print(f"teardown: {exc}", file=sys.stderr)
    load_end = os.getloadavg()[0]
    summary: dict[str, Any] = {
        "machine": m,
        "load_average_1m_end": round(load_end, 2),
        "settings": {
            "max_tokens": MAX_TOKENS,
            "threads": THREADS,
            "n_ctx_per_sequence": CTX,
            "voxray_slots": SLOTS,
            "rounds": ROUNDS,
            "prompts": len(PROMPTS),
        },
        "results": {},
    }
    lines = [
        "# Text generation: tokens/s and time to first token (Gemma 3 270M Q4_K_M, llama.cpp, CPU)",
        "",
        machine_line(m)
        + f" Load average {load_end:.2f} when it ended: other work shared the machine, so read the",
        "ratios, measured side by side with the systems interleaved round by round.",
        "",
        f"Settings: {THREADS} threads, n_ctx {CTX} per sequence, n_batch 512, greedy, {MAX_TOKENS} tokens per request "
        f"(streamed), {ROUNDS} rounds; voxray decodes up to {SLOTS} sequences in one batch. The peer "
        "(llama_cpp.server) and the in-process Llama decode one request at a time.",
        "",
        "| clients | system | aggregate tokens/s | TTFT p50 (s) | TTFT p95 (s) | tokens/request | vs llama_cpp.server |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for c in CONCURRENCY:
        peer = sum(rows["llama_cpp.server"][c]["tps"]) / ROUNDS
        for name in systems:
            cell = rows[name][c]
            tps = sum(cell["tps"]) / ROUNDS
            ratio = tps / peer if peer else 0.0
            summary["results"].setdefault(str(c), {})[name] = {
                "tokens_per_s": round(tps, 1),
                "ttft_p50_s": round(pct(cell["ttft"], 50), 3),
                "ttft_p95_s": round(pct(cell["ttft"], 95), 3),
                "ratio_vs_peer": round(ratio, 2),
            }
            lines.append(
                f"| {c} | {name} | {tps:.1f} | {pct(cell['ttft'], 50):.3f} | {pct(cell['ttft'], 95):.3f} | "
                f"{sum(cell['tokens']) / len(cell['tokens']):.0f} | {ratio:.2f}x |"
            )
    goal = all(summary["results"][str(c)]["voxray"]["ratio_vs_peer"] >= 0.9 for c in CONCURRENCY)
    summary["goal_voxray_at_least_0_9x_peer"] = goal
    lines += [
        "",
        f"Goal (voxray aggregate tokens/s >= 0.9x the peer's at every concurrency): {'met' if goal else 'NOT met'}.",
        "",
    ]
    write_results("text", summary, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
