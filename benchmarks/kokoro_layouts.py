"""How voxray's Kokoro sessions use two cores on one text at a time, in process, against kokoro-onnx.

Part of ``bench_kokoro_peer.py``: no HTTP, no MP3, one text in flight; every layout runs each text in
turn (interleaved, so load from elsewhere hits all of them), medians over rounds. Layouts:

- ``peer``: kokoro-onnx ``Kokoro.create``: the whole text in one pass on its session (2 spinning threads);
- ``A``: voxray's CPU default, one one-thread session per core, the text's sentences in parallel;
- ``2t-sentences`` / ``2t-whole``: one two-thread session, sentence by sentence / the whole text at once;
- ``1t-whole`` / ``1t-sentences``: one one-thread session, to price the chunking alone;

each on voxray's int8 GEMM kernels and, for ``A``, on onnxruntime's own ConvInteger kernels (the graph
as it ships, as the peer runs it).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from voxray_runtime.engines.kokoro import KokoroEngine

SPEAKER = "af_heart"
LANGUAGE = "en-us"

#: layout -> what it means, for the report
LAYOUTS = {
    "peer": "kokoro-onnx: whole text, one session of 2 spinning threads",
    "A gemm": "voxray default: two 1-thread sessions, sentences in parallel (int8 GEMM kernels)",
    "A convinteger": "the same layout on onnxruntime's ConvInteger kernels (the graph as it ships)",
    "2t-sentences gemm": "one 2-thread session, sentence by sentence",
    "2t-whole gemm": "one 2-thread session, the whole text in one pass (the peer's chunking)",
    "1t-whole gemm": "one 1-thread session, the whole text in one pass",
    "1t-sentences gemm": "one 1-thread session, sentence by sentence",
}


class Engines:
    def __init__(self) -> None:
        self.gemm = [KokoroEngine.packaged(threads=1) for _ in range(2)]
        self.shipped = [KokoroEngine.packaged(threads=1, int8_gemm=False) for _ in range(2)]
        self.two_threads = KokoroEngine.packaged(threads=2)
        self.kernels = {
            "gemm": self.gemm[0].info.extra["kernels"],
            "convinteger": self.shipped[0].info.extra["kernels"],
        }

    @staticmethod
    def say(engine: KokoroEngine, text: str) -> None:
        engine.synthesize(text, speaker=SPEAKER, language=LANGUAGE)

    def parallel(self, pair: list[KokoroEngine], sentences: list[str]) -> None:
        """The sentences queued on two sessions, each taking the next when free (the replica's pool)."""
        pending = list(sentences)
        lock = threading.Lock()

        def work(engine: KokoroEngine) -> None:
            while True:
                with lock:
                    if not pending:
                        return
                    text = pending.pop(0)
                self.say(engine, text)

        threads = [threading.Thread(target=work, args=(e,)) for e in pair]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def measure_layouts(
    peer_create: Callable[[str], float], texts: list[str], chunks: list[list[str]], rounds: int
) -> dict[str, Any]:
    """Seconds per layout and text (every round), and the layout descriptions."""
    e = Engines()

    def one_by_one(engine: KokoroEngine, sentences: list[str]) -> None:
        for sentence in sentences:
            e.say(engine, sentence)

    runs: dict[str, Callable[[int], object]] = {
        "peer": lambda i: peer_create(texts[i]),
        "A gemm": lambda i: e.parallel(e.gemm, chunks[i]),
        "A convinteger": lambda i: e.parallel(e.shipped, chunks[i]),
        "2t-sentences gemm": lambda i: one_by_one(e.two_threads, chunks[i]),
        "2t-whole gemm": lambda i: e.say(e.two_threads, texts[i]),
        "1t-whole gemm": lambda i: e.say(e.gemm[0], texts[i]),
        "1t-sentences gemm": lambda i: one_by_one(e.gemm[0], chunks[i]),
    }
    for run in runs.values():  # warm-up: every session's first run allocates
        run(0)
    seconds: dict[str, list[list[float]]] = {name: [[] for _ in texts] for name in runs}
    for r in range(rounds):
        for i in range(len(texts)):
            names = list(runs) if (r + i) % 2 == 0 else list(reversed(runs))
            for name in names:
                t0 = time.perf_counter()
                runs[name](i)
                seconds[name][i].append(time.perf_counter() - t0)
    return {"seconds": seconds, "layouts": LAYOUTS, "kernels": e.kernels, "chars": [len(t) for t in texts]}


def totals(data: dict[str, Any]) -> dict[str, float]:
    """Per layout: the sum over texts of each text's median time (one text at a time, all six texts)."""
    return {
        name: sum(statistics.median(per_text) for per_text in runs) for name, runs in data["seconds"].items()
    }


def render_layouts(data: dict[str, Any]) -> list[str]:
    total = totals(data)
    peer = total["peer"]
    lines = [
        "| layout (one text at a time, in process) | s for the six texts | peer s / this s |",
        "|---|---|---|",
    ]
    for name, desc in data["layouts"].items():
        lines.append(f"| `{name}`: {desc} | {total[name]:.2f} | {peer / total[name]:.2f} |")
    chars = sum(data["chars"])
    whole, sentences = total["1t-whole gemm"], total["1t-sentences gemm"]
    lines += [
        "",
        f"Kernels: voxray {data['kernels']['gemm']!r}; as shipped {data['kernels']['convinteger']!r}. "
        f"The int8 GEMM path alone: x{total['A convinteger'] / total['A gemm']:.2f} on the same layout. "
        f"Chunking alone, one thread: {1000 * whole / chars:.1f} ms per character for whole texts, "
        f"{1000 * sentences / chars:.1f} for the same texts sentence by sentence.",
    ]
    return lines
