"""Speech recognition throughput: the served TranscriptionModel (voxray's API: multipart upload, decoding
and checks at the ingress, the ``STT-whisper`` Serve deployment) against faster-whisper called directly
on the same files, one request at a time, rounds interleaved so that the machine's other load hits both.

The files are MP3s voxray renders itself (the espeak VoiceModel, several sentences each) before the
measurement. Both systems run Whisper base (CTranslate2 int8, the packaged weights) with the same
settings: ``THREADS`` CPU threads, beam size 5, language ``en``, the temperature fallback, no VAD, no
conditioning on previous text. Throughput = seconds of audio transcribed per second of wall time; the
ratio served / direct is what the API costs (``>= 0.9`` is the bar). The transcripts are compared too.

Writes benchmarks/results/transcription.{json,md}. ``STT_BENCH_ROUNDS`` (default 3) and
``STT_BENCH_THREADS`` (default 2) change the run.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, machine_line, start_local_serve, stop_serve, wait_http_ok, write_results

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")

ROUNDS = int(os.environ.get("STT_BENCH_ROUNDS", "3"))
THREADS = int(os.environ.get("STT_BENCH_THREADS", "2"))
PORT = int(os.environ.get("STT_BENCH_PORT", "18791"))
TEXTS = [
    "Welcome to the harbour hotel. Breakfast is served on the terrace from seven until ten every morning, "
    "and the ferry to the island leaves from the pier just across the road.",
    "Our rooftop bar opens at five. Try the local lemonade, watch the fishing boats come in, and ask the "
    "front desk about the evening walking tour of the old town.",
    "Check out is at eleven. If you need a late check out or a taxi to the airport, please call reception "
    "and we will be happy to help you with your luggage.",
    "The spa offers massages, a sauna and a heated pool. Towels are provided, and children are welcome in "
    "the pool until six in the evening.",
]
WHISPER_OPTIONS: dict[str, Any] = {
    "language": "en",
    "beam_size": 5,
    "temperature": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
    "condition_on_previous_text": False,
    "vad_filter": False,
}


def app_args(out: str) -> dict[str, Any]:
    return {
        "models": [{"name": "espeak", "spec": {"engine": "espeak", "resources": {"cpu": 0.1}}}],
        "stt": {
            "name": "whisper",
            "spec": {"resources": {"cpu": 0.1}, "serving": {"threads": THREADS, "maxConcurrent": 1}},
        },
        "output_dir": out,
        "ingress_num_cpus": 0.1,
        "security": {"auth": "disabled", "requests_per_minute": 1_000_000, "max_concurrent": 10_000},
    }


def render_clips(url: str, folder: Path) -> list[Path]:
    paths = []
    for i, text in enumerate(TEXTS):
        body = {"model": "tts-1", "input": text, "voice": "male_en-GB", "response_format": "mp3"}
        r = httpx.post(f"{url}/v1/audio/speech", json=body, timeout=300)
        r.raise_for_status()
        path = folder / f"clip{i}.mp3"
        path.write_bytes(r.content)
        paths.append(path)
    return paths


#: (text, highest decoding temperature of its segments) per clip: above 0 Whisper's fallback sampled
Heard = list[tuple[str, float]]


def served_round(url: str, clips: list[Path]) -> tuple[float, float, Heard]:
    """(wall seconds, audio seconds, what was heard) of transcribing every clip through the API, one at a
    time."""
    texts: Heard = []
    audio = 0.0
    with httpx.Client(timeout=600) as client:
        started = time.perf_counter()
        for path in clips:
            r = client.post(
                f"{url}/v1/audio/transcriptions",
                files={"file": (path.name, path.read_bytes(), "audio/mpeg")},
                data={"model": "whisper", "language": "en", "response_format": "verbose_json"},
            )
            r.raise_for_status()
            body = r.json()
            texts.append((body["text"], max((s["temperature"] for s in body["segments"]), default=0.0)))
            audio += float(body["duration"])
        wall = time.perf_counter() - started
    return wall, audio, texts


def direct_round(model: Any, clips: list[Path]) -> tuple[float, float, Heard]:
    """The same with faster-whisper's ``WhisperModel.transcribe`` on the files (it decodes them itself)."""
    texts: Heard = []
    audio = 0.0
    started = time.perf_counter()
    for path in clips:
        segments, info = model.transcribe(str(path), **WHISPER_OPTIONS)
        said = list(segments)
        texts.append(
            ("".join(s.text for s in said).strip(), max((s.temperature or 0.0 for s in said), default=0.0))
        )
        audio += float(info.duration)
    return time.perf_counter() - started, audio, texts


def main() -> None:
    from faster_whisper import WhisperModel

    from voxray_runtime.evaluation.checkers import whisper_base_dir
    from voxray_runtime.serve.app import build_app

    m = machine()
    out = tempfile.mkdtemp(prefix="vxr-stt-bench-")
    start_local_serve(PORT)
    from ray import serve

    serve.run(build_app(app_args(out)), name="voxray", route_prefix="/", blocking=False)
    url = f"http://127.0.0.1:{PORT}"
    wait_http_ok(f"{url}/healthz")
    clips = render_clips(url, Path(out))
    direct = WhisperModel(str(whisper_base_dir()), device="cpu", compute_type="int8", cpu_threads=THREADS)
    served_round(url, clips[:1])  # warm both (first-call allocations), not measured
    direct_round(direct, clips[:1])
    rows: list[dict[str, Any]] = []
    texts: dict[str, Heard] = {}
    for r in range(ROUNDS):
        order = ("served", "direct") if r % 2 == 0 else ("direct", "served")
        for system in order:
            wall, audio, said = (
                served_round(url, clips) if system == "served" else direct_round(direct, clips)
            )
            rows.append({"round": r, "system": system, "wall_s": round(wall, 3), "audio_s": round(audio, 2)})
            texts[system] = said
            print(rows[-1], flush=True)
    stop_serve()
    totals = {
        s: (
            sum(x["audio_s"] for x in rows if x["system"] == s),
            sum(x["wall_s"] for x in rows if x["system"] == s),
        )
        for s in ("served", "direct")
    }
    speed = {s: round(a / w, 2) for s, (a, w) in totals.items()}
    ratio = round(speed["served"] / speed["direct"], 3)
    # greedy decoding (temperature 0) is deterministic: there the two must agree word for word; a clip where
    # either side fell back to sampling may differ by chance
    greedy = [i for i in range(len(clips)) if texts["served"][i][1] == 0 and texts["direct"][i][1] == 0]
    same = all(texts["served"][i][0] == texts["direct"][i][0] for i in greedy)
    data = {
        "machine": m,
        "settings": {
            "model": "whisper base int8 (packaged)",
            "threads": THREADS,
            "rounds": ROUNDS,
            **WHISPER_OPTIONS,
        },
        "clips": len(clips),
        "audio_seconds_per_round": rows[0]["audio_s"],
        "rounds": rows,
        "audio_seconds_per_second": speed,
        "ratio_served_to_direct": ratio,
        "greedy_clips": greedy,
        "same_transcripts_where_greedy": same,
        "transcripts": {s: [t for t, _ in heard] for s, heard in texts.items()},
        "max_temperature": {s: [temp for _, temp in heard] for s, heard in texts.items()},
    }
    md = "\n".join(
        [
            "# Transcription throughput: served TranscriptionModel vs faster-whisper directly",
            "",
            machine_line(m),
            "",
            f"{len(clips)} MP3s rendered by voxray (espeak, male_en-GB), {rows[0]['audio_s']} s of audio per round,"
            f" {ROUNDS} rounds interleaved; Whisper base int8 (packaged), {THREADS} threads, beam 5, language en,"
            " one request at a time.",
            "",
            "| system | audio s / wall s | wall s per round (each round) |",
            "|---|---|---|",
            *(
                f"| {label} | {speed[s]} | "
                + ", ".join(str(x["wall_s"]) for x in rows if x["system"] == s)
                + " |"
                for s, label in (
                    ("served", "voxray `POST /v1/audio/transcriptions` (STT-whisper deployment)"),
                    ("direct", "faster-whisper `WhisperModel.transcribe` on the files"),
                )
            ),
            "",
            f"Ratio served / direct: **{ratio}x** (the bar: >= 0.9x). Transcripts identical on the"
            f" {len(greedy)} of {len(clips)} clips both decoded greedily (temperature 0): {same}; on a clip where"
            " Whisper's fallback sampled at a higher temperature (espeak's voice is hard for it) the text may"
            " differ from run to run on either side.",
            "",
        ]
    )
    write_results("transcription", data, md)


if __name__ == "__main__":
    main()
