"""voxray's speech API against kokoro-onnx 0.6.1, side by side in one run, on the same texts.

The peer is the library users pick for Kokoro on CPU: ``kokoro_onnx.Kokoro`` given the same int8 graph
(the PyPI part packages, joined) and the same voice style (the kokoro-js ``.bin`` turned into the
``.npz`` kokoro-onnx reads), called from N threads sharing one instance (how a Python server would put
it behind an API), float PCM out: no network hop, no encoding. voxray is the real Serve app on a local
Ray (ingress + model replicas, the bundled Kokoro VoiceModel) over HTTP, MP3 out.

Runs are interleaved: every round measures peer and voxray at 1, 2 and 4 requests in flight, the order
of the two alternating between rounds, so that load from elsewhere on the machine hits both. The ratio
is the peer's wall time over voxray's for the same texts and in-flight count (above 1: voxray faster),
per round; the table gives the median round.

Also: time to first audio of a streamed request against the engine time of its first chunk alone.

    python benchmarks/bench_kokoro_peer.py            # BENCH_ROUNDS=3, BENCH_PORT=18765
    BENCH_SPEC='{"replicas": {"min": 2, "max": 2}}' python benchmarks/bench_kokoro_peer.py

Writes benchmarks/results/kokoro_peer.{json,md} and its section of benchmarks/results/runtime.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, machine, machine_line, pct, start_serve, stop_serve, write_results, write_section
from kokoro_layouts import measure_layouts, render_layouts

from voxray_runtime.engines.kokoro import load_style, packaged_model
from voxray_runtime.engines.weights import kokoro_voices_dir
from voxray_runtime.models import default_models
from voxray_runtime.spec.voicemodel import VoiceModelSpec

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

AVATAR = "female_en-US"
SPEAKER = "af_heart"
PEER_LANG = "en-us"
IN_FLIGHT = (1, 2, 4)
#: what profiling found and what changed (py-spy on the Kokoro replica, 2026-12-02; see the docstring)
FINDINGS = """\
What the side by side found, and what changed (the profiles: 2026-12-06, on an idle machine):

- **Where a replica's time goes**: in `Session.run`, 94-97% of the replica's active samples (py-spy under 2
  and 4 in flight; the Ray worker loop and asyncio 2-4%, MP3 encoding 0.1-0.4%, espeak-ng phonemes and
  padding under 0.1%, the ingress replica 3% as many samples as the model replica). Inside the graph
  (onnxruntime's profiler, one sentence, one thread): the 87 `ConvInteger` nodes took 65% of the kernel
  time. The int8 graph stores their weights as uint8, and onnxruntime runs uint8 x uint8 on a GEMM with no
  VNNI or AMX path.
- **Kernels**: voxray now rewrites each of them at load as im2col (Pad, Transpose, Gather) plus
  `MatMulInteger` with the weights re-encoded to int8 (w - 128 and zero point - 128: every product the
  same integer), which onnxruntime runs on VNNI/AMX. The audio is the same bit for bit (a check on a probe
  utterance at load; tests on whole utterances in five languages); "A convinteger" vs "A gemm" above is
  this change alone. After it, the graph's time is spread out: MatMulInteger 17%, Sin 13%, Mul/Add 23%,
  Transpose 11%, Gather 5%. On CPUs without an int8 dot product the graph runs as shipped (x86 u8s8 GEMMs
  there saturate int16 intermediates). The peer runs the graph as shipped.
- **onnxruntime session options** are the peer's: both keep onnxruntime's defaults for graph optimisation
  (`ORT_ENABLE_ALL`), memory arena (on) and execution mode (sequential). onnxruntime's global thread pool
  (two threads shared by every session, measured on the graph as shipped) lost to two one-thread sessions
  both with one text in flight (5% slower) and with all six queued at once (12-20% slower).
- **Thread layout**, measured again on the new kernels (the layouts table): two one-thread sessions taking
  the sentences of one text in parallel beat one two-thread session, whether it takes the sentences in
  turn or the whole text at once, and with several texts in flight each sentence keeps one core. It stays
  the CPU default (`serving.threads` one-thread sessions per replica).
- **Chunking**: on one thread the six texts cost about as much per character whole (the peer's one pass of
  up to 510 phonemes) as sentence by sentence (sentences a few % less: the table's last two rows), so
  fewer, longer chunks do not raise throughput; and on two sessions, sentences are what lets both cores
  work on one text. Each pass also pays for the silence the graph makes around its chunk (trimmed after):
  "Hi." alone takes 0.29 s on two threads. Kokoro's graph takes one sequence per run
  with a style vector chosen by its length, so chunks cannot be batched.
- **Time to first audio**: a stream's first sentence now leads: on an idle replica it runs on a lead
  session with every thread (x1.5 on two threads) while the other chunks wait, then they run one per
  session. Splitting the first chunk at a clause mark would shorten the wait further, in proportion to its
  length, but puts a pause where the text has a comma; it is not done.
- **Niceness**: Ray starts its workers at niceness 15; `voxray serve`'s local Ray and this benchmark's run
  them at 0, the peer's.

Before (same texts): 0.93 / 0.62 / 1.12 at 1 / 2 / 4 in flight with one two-thread session per replica;
0.80 / 1.35 / 1.33 (load average 12-21, 2026-12-02) with the one-thread sessions, on the graph as shipped."""
#: held out: written for this benchmark, used nowhere else (about 44 s of speech together)
TEXTS = [
    "The night ferry leaves the harbour at ten. Cabins are small but warm, and the crossing is calm "
    "in summer, so most guests sleep.",
    "Our library keeps maps of every valley in the region. Ask at the desk for the walking guides; "
    "they mark the springs and huts.",
    "When the storm cut the power, the kitchen cooked on the old wood stove. Nobody minded the "
    "candles, and the soup was the best.",
    "Bicycles can be borrowed from the shed behind the chapel. Please check the brakes before you "
    "ride down to the market square.",
    "The observatory opens its dome on clear evenings after nine. A guide points out the planets "
    "and the stars over the hills.",
    "Fresh bread arrives from the village baker every morning at six. Leave a note at reception if "
    "you would like a loaf kept.",
]


# ---- the peer ------------------------------------------------------------------------------------------
def peer_files(folder: Path) -> tuple[Path, Path]:
    """The int8 graph voxray loads, written to a file, and the voice as kokoro-onnx's ``.npz``."""
    model = folder / "kokoro-int8.onnx"
    model.write_bytes(packaged_model())
    voices = folder / "voices.npz"
    style = load_style(kokoro_voices_dir() / f"{SPEAKER}.bin")  # (510, 256)
    with voices.open("wb") as fh:
        np.savez(fh, **{SPEAKER: style.reshape(-1, 1, style.shape[-1])})
    return model, voices


class Peer:
    def __init__(self, folder: Path) -> None:
        from kokoro_onnx import Kokoro

        model, voices = peer_files(folder)
        self.kokoro = Kokoro(str(model), str(voices))
        opts = self.kokoro.sess.get_session_options()
        self.session_options = {
            "intra_op_num_threads": opts.intra_op_num_threads,
            "inter_op_num_threads": opts.inter_op_num_threads,
            "graph_optimization_level": str(opts.graph_optimization_level),
            "execution_mode": str(opts.execution_mode),
            "enable_cpu_mem_arena": opts.enable_cpu_mem_arena,
        }

    def create(self, text: str) -> float:
        audio, rate = self.kokoro.create(text, voice=SPEAKER, lang=PEER_LANG)
        return len(audio) / rate

    def run(self, in_flight: int) -> dict[str, float]:
        t0, c0 = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(max_workers=in_flight) as pool:
            audio = sum(pool.map(self.create, TEXTS))
        return {"wall_s": time.perf_counter() - t0, "audio_s": audio, "cpu_s": time.process_time() - c0}

    def first_sentence_s(self) -> float:
        first = TEXTS[0].split(". ")[0] + "."
        t0 = time.perf_counter()
        self.create(first)
        return time.perf_counter() - t0


# ---- voxray over HTTP ----------------------------------------------------------------------------------
def serve_cpu_s() -> float:
    """CPU seconds so far of this run's Serve replicas and proxy (the local Ray's workers are children of
    this process, through its raylet)."""
    import psutil

    total = 0.0
    for proc in psutil.Process().children(recursive=True):
        try:
            if "ServeReplica" in " ".join(proc.cmdline()) or "ProxyActor" in " ".join(proc.cmdline()):
                cpu = proc.cpu_times()
                total += cpu.user + cpu.system
        except psutil.Error:
            continue
    return total


async def voxray_run(url: str, in_flight: int) -> dict[str, float]:
    sem = asyncio.Semaphore(in_flight)
    audio = 0.0
    async with httpx.AsyncClient(timeout=600) as client:

        async def one(text: str) -> None:
            nonlocal audio
            async with sem:
                r = await client.post(
                    f"{url}/v1/speech",
                    json={"text": text, "avatar": AVATAR, "model": "kokoro", "format": "mp3"},
                )
                r.raise_for_status()
                if not r.content.startswith((b"ID3", b"\xff")):
                    raise RuntimeError("the answer is not MP3")
                audio += float(r.headers["x-voxray-duration"])

        t0, c0 = time.perf_counter(), serve_cpu_s()
        await asyncio.gather(*(one(t) for t in TEXTS))
        wall = time.perf_counter() - t0
    return {"wall_s": wall, "audio_s": audio, "cpu_s": serve_cpu_s() - c0}


def voxray_ttfa(client: httpx.Client, url: str, text: str) -> float:
    """Seconds from sending a streamed request to its first audio bytes, on a client already made (a new
    httpx client costs 30-45 ms of TLS setup before it sends anything)."""
    body = {"text": text, "avatar": AVATAR, "model": "kokoro", "format": "mp3", "stream": True}
    t0 = time.perf_counter()
    first = 0.0
    with client.stream("POST", f"{url}/v1/speech", json=body, timeout=600) as r:
        r.raise_for_status()
        for piece in r.iter_bytes():
            if piece and not first:
                first = time.perf_counter() - t0
    return first


def sentences(text: str) -> list[str]:
    """The chunks voxray's API makes of ``text`` for the benchmark's avatar."""
    from voxray_runtime.models import catalog_for
    from voxray_runtime.speech.job import text_chunks
    from voxray_runtime.voices import parse_avatar

    binding = catalog_for([m for m in default_models() if m.name == "kokoro"]).resolve(parse_avatar(AVATAR))
    return list(text_chunks(text, binding))


class FirstChunk:
    """The first chunk of TEXTS[0] through the engine alone, on the sessions a replica holds: one of its
    one-thread sessions, and its lead session (every thread), in the benchmark's own process."""

    def __init__(self, spec: VoiceModelSpec) -> None:
        from voxray_runtime.engines.base import SynthesisRequest
        from voxray_runtime.models import catalog_for
        from voxray_runtime.speech.layout import replica_layout
        from voxray_runtime.speech.worker import ModelWorker
        from voxray_runtime.voices import parse_avatar

        layout = replica_layout(spec)
        self.workers = {
            "session": ModelWorker("kokoro", spec, threads=layout.threads),
            "lead": ModelWorker("kokoro", spec, threads=layout.lead_threads or layout.threads),
        }
        self.threads = {"session": layout.threads, "lead": layout.lead_threads or layout.threads}
        self.text = sentences(TEXTS[0])[0]
        voice = catalog_for([m for m in default_models() if m.name == "kokoro"]).resolve(parse_avatar(AVATAR))
        self.request = SynthesisRequest(self.text, voice.speaker, voice.engine_language, 1.0)
        for which in self.workers:
            self.seconds(which)  # warm-up

    def seconds(self, which: str) -> float:
        t0 = time.perf_counter()
        self.workers[which].chunk(self.request)
        return time.perf_counter() - t0


def kokoro_spec() -> VoiceModelSpec:
    base = next(m for m in default_models() if m.name == "kokoro").spec
    override = json.loads(os.environ.get("BENCH_SPEC", "{}"))
    if not override:
        return base
    wire = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    for key, value in override.items():
        wire[key] = {**wire.get(key, {}), **value} if isinstance(value, dict) else value
    return VoiceModelSpec.model_validate(wire)


def measure(rounds: int) -> dict[str, Any]:
    spec = kokoro_spec()
    loads = [os.getloadavg()]
    with tempfile.TemporaryDirectory() as folder:
        peer = Peer(Path(folder))
        peer.create(TEXTS[0])  # warm-up
        url = start_serve([("kokoro", spec)], folder)
        try:
            asyncio.run(voxray_run(url, 2))  # warm-up: both replicas / engines
            runs: dict[int, list[dict[str, float]]] = {n: [] for n in IN_FLIGHT}
            for r in range(rounds):
                for n in IN_FLIGHT:
                    order = ("peer", "voxray") if (r + n) % 2 == 0 else ("voxray", "peer")
                    got: dict[str, dict[str, float]] = {}
                    for who in order:
                        got[who] = peer.run(n) if who == "peer" else asyncio.run(voxray_run(url, n))
                    row = {
                        "peer_wall_s": got["peer"]["wall_s"],
                        "voxray_wall_s": got["voxray"]["wall_s"],
                        "peer_audio_s": got["peer"]["audio_s"],
                        "voxray_audio_s": got["voxray"]["audio_s"],
                        "peer_cpu_s": got["peer"]["cpu_s"],
                        "voxray_cpu_s": got["voxray"]["cpu_s"],
                        "ratio": got["peer"]["wall_s"] / got["voxray"]["wall_s"],
                    }
                    runs[n].append(row)
                    print(
                        f"  round {r + 1} in flight {n}: "
                        + json.dumps({k: round(v, 3) for k, v in row.items()})
                    )
                loads.append(os.getloadavg())
            # time to first audio, and the first sentence alone on each engine session, taking turns
            first_chunk = FirstChunk(spec)
            ttfa, peer_first = [], []
            engine_first: dict[str, list[float]] = {"session": [], "lead": []}
            client = httpx.Client()
            voxray_ttfa(client, url, TEXTS[0])  # the connection, and the replica's lead session warm
            for _ in range(rounds + 2):
                ttfa.append(voxray_ttfa(client, url, TEXTS[0]))
                for which, times in engine_first.items():
                    times.append(first_chunk.seconds(which))
                peer_first.append(peer.first_sentence_s())
            client.close()
        finally:
            stop_serve()
        layouts = measure_layouts(peer.create, TEXTS, [sentences(t) for t in TEXTS], rounds)
        loads.append(os.getloadavg())
    return {
        "spec": spec.to_wire(),
        "peer_session_options": peer.session_options,
        "runs": {str(n): v for n, v in runs.items()},
        "ttfa_s": ttfa,
        "first_chunk": first_chunk.text,
        "first_chunk_engine_s": engine_first,
        "first_chunk_threads": first_chunk.threads,
        "peer_first_sentence_s": peer_first,
        "layouts": layouts,
        "load_averages": [list(x) for x in loads],
    }


def summarize(data: dict[str, Any]) -> list[str]:
    """The markdown rows: per in-flight count the median round's walls, the ratio, and TTFA."""
    lines = [
        "| in flight | kokoro-onnx wall s | voxray API wall s | ratio (peer / voxray; > 1 voxray faster) | every round's ratio | audio s (peer, voxray) | CPU s per audio s (peer, voxray) |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, rows in data["runs"].items():
        ratios = [r["ratio"] for r in rows]
        mid = sorted(rows, key=lambda r: r["ratio"])[len(rows) // 2]
        lines.append(
            f"| {n} | {mid['peer_wall_s']:.2f} | {mid['voxray_wall_s']:.2f} | **{statistics.median(ratios):.2f}** | "
            f"{', '.join(f'{x:.2f}' for x in ratios)} | {mid['peer_audio_s']:.1f}, {mid['voxray_audio_s']:.1f} | "
            + (
                f"{mid['peer_cpu_s'] / mid['peer_audio_s']:.2f}, {mid['voxray_cpu_s'] / mid['voxray_audio_s']:.2f} |"
                if "peer_cpu_s" in mid
                else "– |"
            )
        )
    ttfa = statistics.median(data["ttfa_s"])
    engine = data["first_chunk_engine_s"]
    if isinstance(engine, list):  # results written before the lead session
        engine = {"session": engine, "lead": engine}
    threads = data.get("first_chunk_threads", {"session": 1, "lead": 1})
    lead, one = statistics.median(engine["lead"]), statistics.median(engine["session"])
    lines += [
        "",
        f"Time to first audio (streamed MP3, text 1, {len(data['first_chunk'])}-character first sentence; idle "
        f"replica, each figure taken in turn with the others): median {ttfa:.3f} s (p95 "
        f"{pct(data['ttfa_s'], 95):.3f} s). The first sentence alone through the engine: {lead:.3f} s on the "
        f"replica's lead session ({threads['lead']} threads), where a stream's first chunk runs on an idle "
        f"replica: **{1000 * (ttfa - lead):+.0f} ms**; {one:.3f} s on one of its one-thread sessions "
        f"({1000 * (ttfa - one):+.0f} ms). kokoro-onnx takes "
        f"{statistics.median(data['peer_first_sentence_s']):.3f} s for the first sentence alone.",
    ]
    return lines


def render(data: dict[str, Any]) -> list[str]:
    rounds = len(next(iter(data["runs"].values())))
    loads = ", ".join(f"{x[0]:.2f}" for x in data["load_averages"])
    return [
        "# Kokoro: voxray's speech API vs kokoro-onnx 0.6.1 (benchmarks/bench_kokoro_peer.py)",
        "",
        machine_line(data["machine"]),
        f"1-min load average at the start and after each round: {loads}.",
        "",
        f"Six held-out English texts, {AVATAR} ({SPEAKER}), Kokoro-82M int8 (the same graph and voice for "
        f"both). Peer: kokoro-onnx `Kokoro.create` from N threads sharing one instance, float PCM, session "
        f"options {data['peer_session_options']}. voxray: `/v1/speech` over HTTP (MP3 64 kbps) to the "
        f"Serve app on local Ray, bundled Kokoro VoiceModel {json.dumps(data['spec'].get('serving', {}))}, "
        f"replicas {json.dumps(data['spec'].get('replicas', {}))}, resources "
        f"{json.dumps(data['spec'].get('resources', {}))}. {rounds} interleaved rounds.",
        "",
        *summarize(data),
        "",
        "### One text at a time, in process: layouts and kernels (benchmarks/kokoro_layouts.py)",
        "",
        *(render_layouts(data["layouts"]) if "layouts" in data else ["(not measured in this run)"]),
        "",
        FINDINGS,
    ]


def write(data: dict[str, Any]) -> None:
    md = render(data)
    write_results("kokoro_peer", data, "\n".join(md) + "\n")
    md[0] = "## Kokoro: voxray's speech API vs kokoro-onnx 0.6.1 (benchmarks/bench_kokoro_peer.py)"
    write_section("runtime", "kokoro-peer", "\n".join(md))


def main() -> None:
    if "--render" in sys.argv:  # the markdown again from the last run's JSON
        write(json.loads((RESULTS / "kokoro_peer.json").read_text()))
        return
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    m = machine()
    data = measure(rounds)
    data["machine"] = m
    write(data)


if __name__ == "__main__":
    main()
