"""Runtime benchmarks: RTF per engine and voice; API throughput vs the engine called directly in one
process (side by side, one run); latency and time to first audio; MP3 encoding share; Piper int8 vs fp32.

Writes benchmarks/results/runtime.{json,md}. Figures from a shared, noisy machine: read the ratios.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, machine_line, pct, read_section, start_serve, stop_serve, write_results

from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.speech.job import SpeechJob
from voxray_runtime.speech.worker import ModelWorker
from voxray_runtime.voices import VoiceBinding, parse_avatar

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

#: the section of runtime.md that bench_kokoro_peer.py writes
PEER_SECTION = "kokoro-peer"

SENTENCE = {
    "en": "Our rooftop terrace opens at seven, with views across the whole bay and a new seasonal menu.",
    "ar": "تفتح شرفتنا على السطح في السابعة، مع إطلالة على الخليج كله وقائمة طعام موسمية جديدة.",
    "es": "Nuestra terraza abre a las siete, con vistas a toda la bahía y un nuevo menú de temporada.",
    "hi": "हमारा रूफ़टॉप टैरेस सात बजे खुलता है, पूरी खाड़ी के नज़ारों और नए मौसमी मेन्यू के साथ।",
    "ur": "ہمارا روف ٹاپ ٹیرس سات بجے کھلتا ہے، پوری خلیج کے نظاروں اور نئے موسمی مینو کے ساتھ۔",
}
LOAD_TEXTS = [
    "Welcome to the Azure Palm, where every suite looks over the sea.",
    "Breakfast is served on the terrace from seven until half past ten.",
    "Our spa offers a signature ninety minute massage with warm stones.",
    "The concierge can arrange a private yacht for the afternoon.",
    "Dinner tonight features a seven course tasting menu by our chef.",
    "Late check-out until two is complimentary for loyalty members.",
    "The rooftop bar pours a new cocktail inspired by the desert.",
    "Airport transfers run every hour in our electric limousines.",
]


def job_for(worker: ModelWorker, avatar: str, text: str, fmt: str = "mp3") -> SpeechJob:
    catalog = catalog_for([m for m in default_models() if m.name == worker.name] or default_models())
    b = catalog.resolve(parse_avatar(avatar), worker.name)
    return SpeechJob.for_text(b, text, format=fmt)


# ---- 1. RTF per engine and voice -------------------------------------------------------------------
def rtf_table() -> list[dict[str, Any]]:
    rows = []
    for m in default_models():
        worker = ModelWorker(m.name, m.spec)
        catalog = catalog_for([m])
        for b in catalog.table():
            job = SpeechJob.for_text(b, SENTENCE[b.avatar.language])
            worker.run(job)  # warm-up
            runs = [worker.run(job) for _ in range(3)]
            rtf = statistics.median(r.rtf for r in runs)
            rows.append(
                {
                    "model": m.name,
                    "engine": b.engine,
                    "avatar": b.avatar.name,
                    "speaker": b.speaker,
                    "rtf": round(rtf, 4),
                    "audio_s": round(runs[0].duration_s, 2),
                }
            )
            print(f"  rtf {m.name:10s} {b.avatar.name:14s} {rtf:.3f}", flush=True)
    return rows


# ---- 2. direct vs API ------------------------------------------------------------------------------
def direct_throughput(worker: ModelWorker, avatar: str, rounds: int) -> dict[str, float]:
    jobs = [job_for(worker, avatar, t) for t in LOAD_TEXTS] * rounds
    t0 = time.perf_counter()
    outs = [worker.run(j) for j in jobs]
    wall = time.perf_counter() - t0
    audio = sum(o.duration_s for o in outs)
    synth = sum(o.synth_s for o in outs)
    enc = sum(o.encode_s for o in outs)
    return {
        "audio_s": audio,
        "wall_s": wall,
        "audio_per_wall": audio / wall,
        "encode_share": enc / (synth + enc),
    }


async def api_throughput(url: str, avatar: str, rounds: int, concurrency: int) -> dict[str, Any]:
    sem = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    audio = 0.0

    async with httpx.AsyncClient(timeout=600) as client:

        async def one(text: str) -> None:
            nonlocal audio
            async with sem:
                t0 = time.perf_counter()
                r = await client.post(
                    f"{url}/v1/speech", json={"text": text, "avatar": avatar, "model": "kokoro"}
                )
                latencies.append(time.perf_counter() - t0)
                r.raise_for_status()
                audio += float(r.headers["x-voxray-duration"])

        t0 = time.perf_counter()
        await asyncio.gather(*(one(t) for t in LOAD_TEXTS * rounds))
        wall = time.perf_counter() - t0
    return {
        "audio_s": audio,
        "wall_s": wall,
        "audio_per_wall": audio / wall,
        "p50_s": pct(latencies, 50),
        "p95_s": pct(latencies, 95),
        "requests": len(latencies),
    }


def ttfa(url: str, avatar: str, n: int = 6) -> dict[str, float]:
    text = " ".join(LOAD_TEXTS[:5])
    firsts, totals = [], []
    client = httpx.Client()  # made before the clock starts: a new client spends 30-45 ms on TLS setup
    for _ in range(n):
        t0 = time.perf_counter()
        first = None
        with client.stream(
            "POST", f"{url}/v1/speech", json={"text": text, "avatar": avatar, "stream": True}, timeout=600
        ) as r:
            for piece in r.iter_bytes():
                if piece and first is None:
                    first = time.perf_counter() - t0
        firsts.append(first or 0.0)
        totals.append(time.perf_counter() - t0)
    client.close()
    return {"ttfa_p50_s": pct(firsts, 50), "ttfa_p95_s": pct(firsts, 95), "total_p50_s": pct(totals, 50)}


# ---- 3. Piper int8 vs fp32 -------------------------------------------------------------------------
def ltas(pcm: np.ndarray) -> np.ndarray:
    frames = np.lib.stride_tricks.sliding_window_view(pcm, 1024)[::256] * np.hanning(1024)
    return np.log1p(np.abs(np.fft.rfft(frames, axis=1)).mean(axis=0))


def piper_quantization() -> dict[str, Any]:
    from voxray_runtime.audio.analysis import median_f0

    fp32 = ModelWorker("piper-fp32", VoiceModelSpec(engine="piper", quantization="none"), threads=2)
    int8 = ModelWorker("piper-int8", VoiceModelSpec(engine="piper", quantization="int8"), threads=2)
    joe = VoiceBinding(parse_avatar("male_en-US"), "piper", "piper", "en_US-joe-medium", "en-us")
    out: dict[str, Any] = {}
    for name, w in (("fp32", fp32), ("int8", int8)):
        jobs = [SpeechJob(joe, (t,)) for t in LOAD_TEXTS]
        w.run(jobs[0])
        t0 = time.perf_counter()
        pcms = [w.render(j).pcm for j in jobs]
        wall = time.perf_counter() - t0
        out[name] = {"wall_s": wall, "audio_s": sum(len(p) for p in pcms) / w.rate, "pcms": pcms}
    sims, dur_ratio, f0_diff = [], [], []
    for a, b in zip(out["fp32"]["pcms"], out["int8"]["pcms"], strict=True):
        la, lb = ltas(a), ltas(b)
        sims.append(float(np.corrcoef(la, lb)[0, 1]))
        dur_ratio.append(len(b) / len(a))
        f0_diff.append(abs(median_f0(b, 22050) - median_f0(a, 22050)))
    rtf32 = out["fp32"]["wall_s"] / out["fp32"]["audio_s"]
    rtf8 = out["int8"]["wall_s"] / out["int8"]["audio_s"]
    return {
        "rtf_fp32": round(rtf32, 4),
        "rtf_int8": round(rtf8, 4),
        "speedup_int8": round(rtf32 / rtf8, 3),
        "spectrum_correlation_mean": round(statistics.mean(sims), 4),
        "duration_ratio_mean": round(statistics.mean(dur_ratio), 4),
        "median_f0_abs_diff_hz": round(statistics.mean(f0_diff), 1),
    }


def main() -> None:
    m = machine()
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "4"))
    print("RTF per engine and voice", flush=True)
    rtf_rows = rtf_table()
    print("Piper int8 vs fp32", flush=True)
    piper = piper_quantization()

    kokoro = next(x for x in default_models() if x.name == "kokoro").spec
    worker = ModelWorker("kokoro", kokoro)
    worker.run(job_for(worker, "female_en-GB", LOAD_TEXTS[0]))
    print("direct (before)", flush=True)
    d1 = direct_throughput(worker, "female_en-GB", rounds)
    del worker
    with tempfile.TemporaryDirectory() as out:
        url = start_serve([("kokoro", kokoro)], out)
        try:
            asyncio.run(api_throughput(url, "female_en-GB", 1, concurrency))  # warm-up
            print("api", flush=True)
            api = asyncio.run(api_throughput(url, "female_en-GB", rounds, concurrency))
            print("ttfa", flush=True)
            stream = ttfa(url, "female_en-GB")
        finally:
            stop_serve()
    worker = ModelWorker("kokoro", kokoro)
    worker.run(job_for(worker, "female_en-GB", LOAD_TEXTS[0]))
    print("direct (after)", flush=True)
    d2 = direct_throughput(worker, "female_en-GB", rounds)
    direct = (d1["audio_per_wall"] + d2["audio_per_wall"]) / 2
    ratio = api["audio_per_wall"] / direct
    data = {
        "machine": m,
        "rtf": rtf_rows,
        "piper_quantization": piper,
        "throughput": {
            "direct_before": d1,
            "direct_after": d2,
            "api": api,
            "api_over_direct": round(ratio, 3),
            "concurrency": concurrency,
            "rounds": rounds,
        },
        "streaming": stream,
        "mp3_encode_share": round((d1["encode_share"] + d2["encode_share"]) / 2, 4),
    }
    md = [
        "# Runtime benchmark",
        "",
        machine_line(m),
        "",
        "## API throughput vs the engine called directly (Kokoro int8, female_en-GB, MP3 64 kbps)",
        "",
        "| path | audio s / wall s | p50 latency | p95 latency |",
        "|---|---|---|---|",
        f"| direct, one process (before) | {d1['audio_per_wall']:.2f} | | |",
        f"| Serve API, {concurrency} concurrent | {api['audio_per_wall']:.2f} | {api['p50_s']:.2f} s | {api['p95_s']:.2f} s |",
        f"| direct, one process (after) | {d2['audio_per_wall']:.2f} | | |",
        "",
        f"**API / direct = {ratio:.3f}** (goal >= 0.9 at saturation).",
        "",
        f"Streaming ({len(' '.join(LOAD_TEXTS[:5]))} characters, 5 sentences): time to first audio p50 "
        f"{stream['ttfa_p50_s']:.2f} s, p95 {stream['ttfa_p95_s']:.2f} s; whole response p50 {stream['total_p50_s']:.2f} s.",
        "",
        f"MP3 encoding share of replica time: {100 * data['mp3_encode_share']:.1f}%.",
        "",
        "## Piper en_US-joe-medium: int8 dynamic quantization vs fp32",
        "",
        f"RTF fp32 {piper['rtf_fp32']:.3f}, int8 {piper['rtf_int8']:.3f}: int8 speed-up x{piper['speedup_int8']:.2f}. "
        f"Drift: long-term spectrum correlation {piper['spectrum_correlation_mean']:.3f}, duration ratio "
        f"{piper['duration_ratio_mean']:.3f}, median F0 difference {piper['median_f0_abs_diff_hz']} Hz.",
        "",
        "## RTF per engine and voice (synthesis time / audio time; lower is faster)",
        "",
        "| model | engine | avatar | speaker | RTF |",
        "|---|---|---|---|---|",
    ]
    md += [
        f"| {r['model']} | {r['engine']} | {r['avatar']} | {r['speaker']} | {r['rtf']:.3f} |"
        for r in rtf_rows
    ]
    peer = read_section("runtime", PEER_SECTION)  # bench_kokoro_peer.py's side by side, kept
    write_results("runtime", data, "\n".join(md) + "\n" + (f"\n{peer}\n" if peer else ""))


if __name__ == "__main__":
    main()
