"""What a run tells: the live display (rich bar on a terminal, plain lines otherwise), the
``voxray-progress`` lines the operator parses, and the summary written next to the manifest."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from voxray_runtime.batch.progress import Progress
from voxray_runtime.batch.quality import QaCounts

#: seconds between progress lines (the operator polls the driver logs about every 10 s)
PROGRESS_INTERVAL_S = 5.0
#: seconds between progress records handed to ``on_progress`` (the running marker the gallery polls)
PROGRESS_RECORD_S = 1.0


@dataclass
class Counters:
    total: int
    skipped: int = 0
    failed: int = 0
    #: audio of files skipped because an earlier run made them
    skipped_audio_seconds: float = 0.0
    #: files rendered in this run -> their audio seconds
    rendered_audio: dict[str, float] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    #: a spec.generate batch: posts planned and posts ready (reported with every progress line)
    posts_total: int = 0
    posts_done: int = 0
    #: quality verdicts of the files done (skipped ones from their manifest rows)
    qa: QaCounts = field(default_factory=QaCounts)

    @property
    def rendered(self) -> int:
        return len(self.rendered_audio)

    @property
    def audio_seconds(self) -> float:
        """Audio of the files rendered in this run."""
        return sum(self.rendered_audio.values())

    @property
    def done(self) -> int:
        return self.skipped + self.rendered

    def progress(self, elapsed: float, finished: bool = False) -> Progress:
        return Progress(
            total=self.total,
            done=self.done,
            failed=self.failed,
            skipped=self.skipped,
            audio_seconds=round(self.audio_seconds + self.skipped_audio_seconds, 3),
            elapsed_seconds=round(elapsed, 3),
            finished=finished,
            posts_total=self.posts_total,
            posts_done=self.posts_done,
            qa=self.qa.as_dict() if self.qa.checked or self.qa.unchecked else None,
        )


class Reporter:
    """Progress display. ``mode``: rich (bar), plain (lines only), none, or auto (rich on a TTY)."""

    def __init__(
        self,
        counters: Counters,
        *,
        mode: str = "auto",
        stream: TextIO | None = None,
        interval_s: float = PROGRESS_INTERVAL_S,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.counters = counters
        self.on_progress = on_progress
        self._last_record = 0.0
        self.stream = stream or sys.stdout
        is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.mode = ("rich" if is_tty else "plain") if mode == "auto" else mode
        self.interval_s = interval_s
        self.started = time.monotonic()
        self._last_line = 0.0
        self._bar: Any = None
        self._task: Any = None

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def __enter__(self) -> Reporter:
        if self.mode == "rich":
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            console = Console(file=self.stream)
            self._bar = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[audio_min]:.1f} audio min"),
                TextColumn("{task.fields[per_min]:.1f} files/min"),
                TextColumn("{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )
            self._bar.start()
            c = self.counters
            self._task = self._bar.add_task(
                "rendering", total=c.total, completed=c.done, audio_min=0.0, failed=0, per_min=0.0
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def say(self, message: str) -> None:
        if self.mode == "none":
            return
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            print(message, file=self.stream, flush=True)

    def update(self, force: bool = False, finished: bool = False) -> None:
        c = self.counters
        if self._bar is not None:
            self._bar.update(
                self._task,
                completed=c.done + c.failed,
                audio_min=(c.audio_seconds + c.skipped_audio_seconds) / 60.0,
                failed=c.failed,
                per_min=c.rendered * 60.0 / max(self.elapsed(), 1e-9),
            )
        now = time.monotonic()
        due = force or finished or now - self._last_record >= PROGRESS_RECORD_S
        if self.on_progress is not None and due:
            self._last_record = now
            self.on_progress(asdict(c.progress(self.elapsed(), finished=finished)))
        # the machine-readable line is for logs (a RayJob driver's, which the operator reads); a terminal
        # has the bar, which says the same for people
        if self.mode == "plain" and (force or finished or now - self._last_line >= self.interval_s):
            self._last_line = now
            self.say(c.progress(self.elapsed(), finished=finished).line())
