"""The quality check inside a synthesis worker: each file, once written, is decoded from its own bytes,
transcribed by Whisper base (loaded once per worker process, on the worker's threads) and judged
(``batch/quality.py``); a file over its bound is rendered once more and judged again, and its manifest
row carries the verdict either way.

The check runs in the worker that rendered the file, so it is Ray work under the batch's CPUs and
utilisation ceiling (the driver measures the worker processes' CPU, recogniser included), pipelined
with rendering (other workers render while one checks), and never a pass at the end of the batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from voxray_runtime.batch.plan import WorkItem
from voxray_runtime.batch.quality import Judge, beam_for, cer, judge_for, unchecked_row, verdict_row

#: a recogniser per (threads) in this process, or the reason none could be loaded
_RECOGNIZERS: dict[int, Any] = {}


def recognizer(threads: int) -> Any:
    """Whisper base for this process (loaded once), or a string saying why it cannot be loaded."""
    if threads not in _RECOGNIZERS:
        try:
            from voxray_runtime.evaluation.checkers import Recognizer

            _RECOGNIZERS[threads] = Recognizer.base(threads=threads)
        except (ImportError, RuntimeError, OSError) as exc:
            _RECOGNIZERS[threads] = f"checker unavailable: {type(exc).__name__}: {exc}"
    return _RECOGNIZERS[threads]


def transcribe(audio: bytes, language: str, threads: int) -> str | None:
    """The transcript of an encoded file, decoding forced to ``language`` at its beam
    (``quality.beam_for``); None when no recogniser."""
    from voxray_runtime.engines.stt.decode import AudioLimits, decode

    model = recognizer(threads)
    if isinstance(model, str):
        return None
    pcm = decode(audio, AudioLimits(max_bytes=1 << 30, max_seconds=3600.0))
    return str(model.transcribe(pcm, language, beam_size=beam_for(language)))


def check_file(work: WorkItem, audio: bytes, judge: Judge, threads: int, renders: int) -> dict[str, Any]:
    """The ``qa`` row of one written file."""
    if not judge.checked:
        return unchecked_row(judge.reason)
    try:
        transcript = transcribe(audio, judge.language, threads)
    except Exception as exc:  # the checker's own failure never fails the file it was checking
        return unchecked_row(f"checker error: {type(exc).__name__}: {exc}")
    if transcript is None:
        return unchecked_row(str(recognizer(threads)))
    rate = cer(work.text, transcript, judge.language, work.binding.avatar.dialect)
    return verdict_row(judge, rate, transcript, renders)


def checked_render(
    render: Callable[[], tuple[dict[str, Any], bytes]],
    work: WorkItem,
    bounds: Mapping[str, float],
    threads: int,
    cpu: Callable[[], float],
) -> dict[str, Any]:
    """Render (``render`` writes the file and returns its entry and bytes), check, and on a failed
    verdict render once more and check again; returns the entry with ``qa`` and the check's timings."""
    binding = work.binding
    judge = judge_for(binding.avatar.language, binding.engine, bounds)
    entry: dict[str, Any] = {}
    spent_s = spent_cpu = 0.0
    for renders in (1, 2):
        entry, audio = render()
        t0, c0 = time.perf_counter(), cpu()
        row = check_file(work, audio, judge, threads, renders)
        spent_s += time.perf_counter() - t0
        spent_cpu += cpu() - c0
        if row["verdict"] != "failed":
            break
    entry["qa"] = row
    entry["timings"] = {
        **entry.get("timings", {}),
        "qa_s": round(spent_s, 4),
        "qa_cpu_s": round(spent_cpu, 4),
    }
    return entry
