"""Retention's I/O: :func:`scan` lists an output directory, :func:`sweep` applies the policy's verdicts
(:mod:`voxray_runtime.storage.expiry`); :func:`run_forever` and :class:`RetentionSweeper` sweep
periodically (what the Serve app runs when ``security.retentionSeconds`` is set)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from voxray_runtime.storage.atomic import fsync_dir
from voxray_runtime.storage.expiry import MIN_TTL_S, STORED_SPEECH_DIR, Entry, Kind, Verdict, decide

log = logging.getLogger("voxray_runtime.storage.retention")


def scan(root: Path) -> list[Entry]:
    """Everything below ``root`` (not ``root`` itself); symlinks are listed as such, never followed."""
    entries: list[Entry] = []
    if not root.is_dir() or root.is_symlink():
        return entries
    for dirpath, dirs, files in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for n in [*dirs, *files]:
            p = base / n
            try:
                st = p.lstat()
            except FileNotFoundError:
                continue
            rel = p.relative_to(root).as_posix()
            kind: Kind
            if p.is_symlink():
                kind = "symlink"
            elif p.is_dir():
                kind = "dir"
            elif p.is_file():
                kind = "file"
            else:
                kind = "other"
            entries.append(Entry(rel, kind, st.st_mtime, st.st_size if kind == "file" else 0))
    return entries


@dataclass
class SweepReport:
    root: str
    ttl_s: float
    dry_run: bool
    deleted: list[str] = field(default_factory=list)
    deleted_bytes: int = 0
    removed_dirs: list[str] = field(default_factory=list)
    kept: int = 0
    #: kept for a reason other than age (running batch, symlink, foreign file): reason -> count
    kept_reasons: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        return (
            f"retention {self.root} (TTL {self.ttl_s:.0f} s): {verb} {len(self.deleted)} file(s), "
            f"{self.deleted_bytes} bytes, {len(self.removed_dirs)} empty dir(s); kept {self.kept}"
            + (f"; {len(self.errors)} error(s)" if self.errors else "")
        )


def _inside(root: Path, path: Path) -> bool:
    parent = path.parent.resolve()
    return parent == root or parent.is_relative_to(root)


def sweep(
    output_dir: str | os.PathLike[str],
    ttl_s: float,
    *,
    under: str | None = None,
    dry_run: bool = False,
    now: float | None = None,
) -> SweepReport:
    """Apply :func:`decide` to ``output_dir`` (or its sub-directory ``under``); returns what it did."""
    root = Path(output_dir).resolve()
    target = root
    if under is not None:
        from voxray_runtime.storage.paths import resolve_output_path

        target = resolve_output_path(root, under)
    report = SweepReport(str(target), ttl_s, dry_run)
    entries = scan(target)
    when = time.time() if now is None else now
    verdicts = decide(entries, now=when, ttl_s=ttl_s)
    dirs: list[Verdict] = []
    touched: set[Path] = set()
    for v in verdicts:
        if v.action == "keep":
            report.kept += 1
            if not v.reason.startswith("younger"):
                key = v.reason.split(" (", 1)[0]
                report.kept_reasons[key] = report.kept_reasons.get(key, 0) + 1
            continue
        if v.entry.kind == "dir":
            dirs.append(v)
            continue
        path = target / v.entry.name
        if dry_run:
            report.deleted.append(v.entry.name)
            report.deleted_bytes += v.entry.size
            continue
        try:
            st = path.lstat()
            # rewritten since the scan (an atomic rename brings a fresh mtime), or swapped: leave it
            if (
                not path.is_file()
                or path.is_symlink()
                or when - st.st_mtime < ttl_s
                or not _inside(root, path)
            ):
                report.kept += 1
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            report.errors.append(f"{v.entry.name}: {exc}")
            continue
        report.deleted.append(v.entry.name)
        report.deleted_bytes += st.st_size
        touched.add(path.parent)
    # deepest first; a directory whose mtime is fresh again (entries just removed, or a writer just
    # created one) waits for a later sweep
    for v in sorted(dirs, key=lambda d: d.entry.name.count("/"), reverse=True):
        path = target / v.entry.name
        if dry_run:
            continue
        with contextlib.suppress(OSError):  # not empty, gone, or in use: next sweep
            fresh = when - path.lstat().st_mtime < ttl_s  # entries came or went since the scan
            if (
                not fresh
                and path.is_dir()
                and not path.is_symlink()
                and _inside(root, path)
                and not any(path.iterdir())
            ):
                path.rmdir()
                report.removed_dirs.append(v.entry.name)
                touched.add(path.parent)
    for d in touched:
        if d.exists():
            fsync_dir(d)
    return report


def sweep_stored_speech(
    output_dir: str | os.PathLike[str], retention_seconds: float, *, dry_run: bool = False
) -> SweepReport:
    """Retention of ``store=true`` audio: :func:`sweep` of ``<output_dir>/speech``."""
    return sweep(output_dir, retention_seconds, under=STORED_SPEECH_DIR, dry_run=dry_run)


def default_interval(ttl_s: float) -> float:
    """Seconds between periodic sweeps: a tenth of the TTL, between 30 s and an hour."""
    return min(3600.0, max(30.0, ttl_s / 10.0))


async def run_forever(
    output_dir: str | os.PathLike[str],
    retention_seconds: float,
    *,
    interval_s: float | None = None,
    under: str | None = STORED_SPEECH_DIR,
) -> None:
    """Sweep every ``interval_s`` (default :func:`default_interval`) until cancelled, in a thread so the
    event loop keeps serving. Errors are logged, never raised: retention must not take a replica down."""
    check_ttl(retention_seconds)
    every = interval_s if interval_s is not None else default_interval(retention_seconds)
    while True:
        await asyncio.to_thread(sweep_logged, output_dir, retention_seconds, under=under)
        await asyncio.sleep(every)


def check_ttl(retention_seconds: float) -> None:
    """A periodic sweep's TTL must be at least :data:`MIN_TTL_S` (ValueError otherwise)."""
    if retention_seconds < MIN_TTL_S:
        raise ValueError(f"retention must be at least {MIN_TTL_S:g} s")


def sweep_logged(
    output_dir: str | os.PathLike[str], retention_seconds: float, *, under: str | None
) -> SweepReport | None:
    """One periodic sweep: what it did is logged when it did anything; an error is logged, never raised
    (None then): retention must not take a replica down."""
    try:
        report = sweep(output_dir, retention_seconds, under=under)
    except Exception:
        log.exception("retention sweep of %s failed", output_dir)
        return None
    if report.deleted or report.removed_dirs or report.errors:
        log.info("%s", report.line())
    return report


class RetentionSweeper:
    """Periodic sweeps on a daemon thread: what a Serve replica starts in its constructor when
    ``security.retention_seconds`` is set (several replicas sweeping one volume is harmless: a sweep is
    idempotent). ``stop()`` ends it. Errors are logged, never raised."""

    def __init__(
        self,
        output_dir: str | os.PathLike[str],
        retention_seconds: float,
        *,
        interval_s: float | None = None,
        under: str | None = STORED_SPEECH_DIR,
    ) -> None:
        check_ttl(retention_seconds)
        self.output_dir = output_dir
        self.ttl_s = float(retention_seconds)
        self.interval_s = interval_s if interval_s is not None else default_interval(self.ttl_s)
        self.under = under
        self.sweeps = 0
        self.last: SweepReport | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="voxray-retention", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            report = sweep_logged(self.output_dir, self.ttl_s, under=self.under)
            if report is not None:
                self.last = report
            self.sweeps += 1
            if self._stop.wait(self.interval_s):
                return

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout=timeout_s)
