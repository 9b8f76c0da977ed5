"""Packed quality checks: several files a worker rendered, in one language, checked in one Whisper call.

faster-whisper pads every call to a 30 s window, so its encoder costs the same for a 3 s clip as for a
28 s one. A worker that renders several files at once (``PACK_DEPTH`` calls in flight, renders one at a
time) puts their decoded audio end to end, ``GAP_S`` of silence between, up to ``WINDOW_S``; transcribes
the pack once with word timestamps; gives each word to the clip its middle falls in (the nearest clip
when it falls in a gap); and judges each clip's words as a single-file check would (same CER, same
bounds, same verdict; a failed file is rendered once more and checked alone).

A pack is checked when the next file would not fit (or speaks another language), or when no other
call of the worker is still rendering: the worker has no more work at hand. Every call returns only with
its file's verdict, so the driver writes a manifest row only for a checked file: a worker killed
mid-pack leaves its files without rows, and the resume rule renders them again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.batch.plan import WorkItem
from voxray_runtime.batch.qa_check import check_file, decoded, recognizer
from voxray_runtime.batch.quality import Judge, cer, judge_for, unchecked_row, verdict_row

#: calls in flight per worker when the check is on (the files one pack can hold)
PACK_DEPTH = 3
#: the audio one Whisper call takes (its window is 30 s), and the silence between two clips
WINDOW_S = 28.0
GAP_S = 1.0
RATE = 16000

Word = tuple[float, float, str]


def spans(durations: Sequence[float], gap_s: float = GAP_S) -> list[tuple[float, float]]:
    """Where each clip lies in the pack (seconds), ``gap_s`` of silence between two."""
    out: list[tuple[float, float]] = []
    t = 0.0
    for d in durations:
        out.append((t, t + d))
        t += d + gap_s
    return out


def fits(durations: Sequence[float], extra: float, window_s: float = WINDOW_S, gap_s: float = GAP_S) -> bool:
    """Whether a clip of ``extra`` seconds still fits in a pack holding ``durations``."""
    total = sum(durations) + gap_s * len(durations) + extra
    return total <= window_s


def assign_words(words: Sequence[Word], where: Sequence[tuple[float, float]]) -> list[str]:
    """Each clip's transcript: the words whose middle falls in the clip, else in the nearest clip."""
    texts: list[list[str]] = [[] for _ in where]
    for start, end, text in words:
        mid = (start + end) / 2
        distance = [0.0 if a <= mid <= b else min(abs(mid - a), abs(mid - b)) for a, b in where]
        texts[int(np.argmin(distance))].append(text)
    return ["".join(t).strip() for t in texts]


def join(
    clips: Sequence[npt.NDArray[np.float32]], rate: int = RATE, gap_s: float = GAP_S
) -> npt.NDArray[np.float32]:
    """The clips end to end with ``gap_s`` of silence between two."""
    gap = np.zeros(round(gap_s * rate), np.float32)
    pieces: list[npt.NDArray[np.float32]] = []
    for i, clip in enumerate(clips):
        pieces += [clip] if i == 0 else [gap, clip]
    return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)


@dataclass
class Pending:
    """A rendered file waiting for its pack's check (``row`` is set when it has been judged)."""

    work: WorkItem
    judge: Judge
    pcm: npt.NDArray[np.float32]
    row: dict[str, Any] | None = None
    cpu_s: float = 0.0
    wall_s: float = 0.0

    @property
    def seconds(self) -> float:
        return self.pcm.size / RATE


@dataclass
class PackedChecker:
    """One worker's packs: ``checked_render`` is called by up to ``PACK_DEPTH`` threads at once."""

    bounds: Mapping[str, float]
    threads: int
    cpu: Callable[[], float]
    #: renders and checks run one at a time
    busy: threading.Lock = field(default_factory=threading.Lock)
    cond: threading.Condition = field(default_factory=threading.Condition)
    pack: list[Pending] = field(default_factory=list)
    #: calls rendering (not yet in a pack, not yet done)
    rendering: int = 0

    def checked_render(
        self, render: Callable[[], tuple[dict[str, Any], bytes]], work: WorkItem
    ) -> dict[str, Any]:
        """Render ``work``, check it (packed with the worker's other files), and on a failed verdict
        render once more and check again (alone); the entry with ``qa`` and the check's timings."""
        binding = work.binding
        judge = judge_for(binding.avatar.language, binding.engine, self.bounds)
        with self.cond:
            self.rendering += 1
        pending = Pending(work, judge, np.zeros(0, np.float32), row=unchecked_row(judge.reason))
        try:
            with self.busy:
                entry, audio = render()
                if judge.checked:
                    pending = self._decoded(work, judge, audio)
        finally:
            flush = self._place(pending)
        if flush:
            self._check(flush)
        row = self._wait(pending)
        spent_s, spent_cpu = pending.wall_s, pending.cpu_s
        if row["verdict"] == "failed":  # once more, checked alone
            with self.busy:
                entry, audio = render()
                t0, c0 = time.perf_counter(), self.cpu()
                row = check_file(work, audio, judge, self.threads, 2)
                spent_s += time.perf_counter() - t0
                spent_cpu += self.cpu() - c0
        entry["qa"] = row
        timings = {"qa_s": round(spent_s, 4), "qa_cpu_s": round(spent_cpu, 4)}
        entry["timings"] = {**entry.get("timings", {}), **timings}
        return entry

    def _decoded(self, work: WorkItem, judge: Judge, audio: bytes) -> Pending:
        t0, c0 = time.perf_counter(), self.cpu()
        try:
            pending = Pending(work, judge, decoded(audio))
        except Exception as exc:  # the checker's own failure never fails the file it was checking
            error = unchecked_row(f"checker error: {type(exc).__name__}: {exc}")
            pending = Pending(work, judge, np.zeros(0, np.float32), row=error)
        pending.wall_s, pending.cpu_s = time.perf_counter() - t0, self.cpu() - c0
        return pending

    def _place(self, pending: Pending) -> list[Pending]:
        """Put ``pending`` in the pack (after taking out a pack it cannot join); a pack to check now."""
        out: list[Pending] = []
        with self.cond:
            self.rendering -= 1
            if pending.row is None:
                lang = pending.judge.language
                same = all(p.judge.language == lang for p in self.pack)
                if self.pack and (not same or not fits([p.seconds for p in self.pack], pending.seconds)):
                    out, self.pack = self.pack, []
                self.pack.append(pending)
            if not out and self.pack and self.rendering == 0:  # no other file at hand
                out, self.pack = self.pack, []
            self.cond.notify_all()
        return out

    def _wait(self, pending: Pending) -> dict[str, Any]:
        """``pending``'s row, once its pack is checked (by this thread when nothing else is rendering)."""
        with self.cond:
            while pending.row is None:
                if pending in self.pack and self.rendering == 0:
                    flush, self.pack = self.pack, []
                    self.cond.release()
                    try:
                        self._check(flush)
                    finally:
                        self.cond.acquire()
                    continue
                self.cond.wait(timeout=1.0)
            return pending.row

    def _check(self, pack: list[Pending]) -> None:
        """Transcribe ``pack`` in one call and give every file its row (and its share of the CPU)."""
        with self.busy:
            t0, c0 = time.perf_counter(), self.cpu()
            rows = pack_rows(pack, self.threads)
            wall, spent = time.perf_counter() - t0, self.cpu() - c0
        total = sum(p.seconds for p in pack) or 1.0
        with self.cond:
            for p, row in zip(pack, rows, strict=True):
                p.wall_s += wall * p.seconds / total
                p.cpu_s += spent * p.seconds / total
                p.row = row
            self.cond.notify_all()


def pack_rows(pack: Sequence[Pending], threads: int, per_word: bool = True) -> list[dict[str, Any]]:
    """The ``qa`` rows of a pack's files: one transcription (a pack of one exactly as a single check)."""
    model = recognizer(threads)
    if isinstance(model, str):
        return [unchecked_row(model) for _ in pack]
    language = pack[0].judge.language
    try:
        if len(pack) == 1:
            texts = [str(model.transcribe(pack[0].pcm, language))]
        else:
            words = model.words(join([p.pcm for p in pack]), language, per_word=per_word)
            texts = assign_words(words, spans([p.seconds for p in pack]))
    except Exception as exc:  # the checker's own failure never fails the files it was checking
        return [unchecked_row(f"checker error: {type(exc).__name__}: {exc}") for _ in pack]
    return [
        verdict_row(p.judge, cer(p.work.text, text, language, p.work.binding.avatar.dialect), text, 1)
        for p, text in zip(pack, texts, strict=True)
    ]
