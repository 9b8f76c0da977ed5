"""Retention of generated audio: files older than a TTL are deleted from the output directory.

The policy (:func:`decide`) is pure: entries (relative name, kind, mtime) + now + TTL -> a verdict per
entry. :func:`scan` lists an output directory and :func:`sweep` applies the verdicts; :func:`run_forever`
sweeps periodically (what the Serve app runs when ``security.retentionSeconds`` is set) and ``voxray
retention --output-dir D --ttl 24h [--dry-run]`` sweeps once.

The rules:

1. Only what lies inside the output directory is considered, and never through a symlink: the walk does
   not follow links, symlinks themselves are kept (neither followed nor deleted), and every deletion
   re-checks that the file's directory still resolves inside the output directory.
2. Only files voxray writes are deleted: audio (``.mp3 .wav .flac .opus .pcm``), batch bookkeeping
   (``.jsonl``, ``.json``) and the atomic writer's temporary files. Anything else is kept and reported.
3. A file expires when its age (now - mtime) is at least the TTL. The same holds for the temporary file
   of a write in flight: a write takes seconds and the TTL is at least a minute, so a temporary file is
   deleted only when its writer is long dead (a writer never leaves one behind on an error).
4. A running batch is left alone: the driver keeps a marker (:data:`BATCH_MARKER`) in its output
   directory and touches it every few seconds while it runs. Nothing in or below a directory whose
   marker is younger than the TTL is deleted, so the manifest, summary and audio of a batch in progress
   are never removed under it (resume relies on them). A marker left by a killed driver goes stale after
   one TTL and is then deleted like the rest.
5. Empty directories below the swept root are removed once their own mtime is older than the TTL (a
   directory just created for a write in flight is never removed under its writer). The root stays.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from voxray_runtime.storage.atomic import fsync_dir, is_temp_name

log = logging.getLogger(__name__)

#: the running-batch marker the batch driver keeps in its output directory (hidden: no output name can
#: collide with it, since output names never have a hidden segment)
BATCH_MARKER = ".voxray-batch-running"
#: seconds between the driver's touches of its marker; the smallest TTL (60 s) leaves ample margin
MARKER_REFRESH_S = 10.0
#: the smallest TTL accepted (as ``SecurityArgs.retention_seconds``)
MIN_TTL_S = 60.0
#: extensions of the files retention may delete
DELETABLE_SUFFIXES = frozenset({".mp3", ".wav", ".flac", ".opus", ".pcm", ".jsonl", ".json"})
#: where ``store=true`` writes, relative to the output directory
STORED_SPEECH_DIR = "speech"

Kind = Literal["file", "dir", "symlink", "other"]
Action = Literal["delete", "keep"]


@dataclass(frozen=True)
class Entry:
    """One thing found under the swept root: its name relative to the root (POSIX), kind and mtime."""

    name: str
    kind: Kind
    mtime: float
    size: int = 0


@dataclass(frozen=True)
class Verdict:
    entry: Entry
    action: Action
    reason: str


def parse_duration(text: str) -> float:
    """Seconds from ``90``, ``90s``, ``15m``, ``24h``, ``7d`` or ``2w``; ValueError otherwise."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 3600, 90m, 24h, 7d)")
    scale = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
    return float(m.group(1)) * scale


def _parents(name: str) -> list[str]:
    """``a/b/c`` -> ``["", "a", "a/b"]``: the directories containing a name, the root as ``""``."""
    parts = PurePosixPath(name).parts[:-1]
    return [""] + ["/".join(parts[: i + 1]) for i in range(len(parts))]


def live_batch_dirs(entries: Iterable[Entry], now: float, ttl_s: float) -> set[str]:
    """Directories (relative, ``""`` for the root) holding a running-batch marker younger than the TTL."""
    out: set[str] = set()
    for e in entries:
        if e.kind == "file" and PurePosixPath(e.name).name == BATCH_MARKER and now - e.mtime < ttl_s:
            out.add(_dir(e.name))
    return out


def _dir(name: str) -> str:
    parent = str(PurePosixPath(name).parent)
    return "" if parent == "." else parent


def decide(entries: Sequence[Entry], *, now: float, ttl_s: float) -> list[Verdict]:
    """A verdict for every entry (pure). See the module docstring for the rules."""
    if ttl_s < MIN_TTL_S:
        raise ValueError(f"the TTL must be at least {MIN_TTL_S:g} s, got {ttl_s:g}")
    live = live_batch_dirs(entries, now, ttl_s)
    verdicts: list[Verdict] = []
    for e in entries:
        age = now - e.mtime
        name = PurePosixPath(e.name).name
        guarded = next((d for d in _parents(e.name) if d in live), None)
        if e.kind == "dir" and e.name in live:
            guarded = e.name
        if guarded is not None:
            where = guarded or "the output directory"
            verdicts.append(Verdict(e, "keep", f"a batch is running in {where}"))
        elif e.kind == "symlink":
            verdicts.append(Verdict(e, "keep", "symlink (never followed or deleted)"))
        elif e.kind == "other":
            verdicts.append(Verdict(e, "keep", "not a regular file"))
        elif age < ttl_s:
            verdicts.append(Verdict(e, "keep", f"younger than the TTL ({age:.0f} s < {ttl_s:.0f} s)"))
        elif e.kind == "dir":
            verdicts.append(Verdict(e, "delete", f"directory older than the TTL ({age:.0f} s), if empty"))
        elif is_temp_name(name):
            verdicts.append(Verdict(e, "delete", f"temporary file of a dead writer ({age:.0f} s old)"))
        elif name == BATCH_MARKER:
            verdicts.append(Verdict(e, "delete", f"stale marker of a batch that stopped ({age:.0f} s old)"))
        elif PurePosixPath(name).suffix.lower() in DELETABLE_SUFFIXES:
            verdicts.append(Verdict(e, "delete", f"expired ({age:.0f} s >= {ttl_s:.0f} s)"))
        else:
            verdicts.append(Verdict(e, "keep", "not a file voxray writes"))
    return verdicts


# ---- I/O ------------------------------------------------------------------------------------------------
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
    if retention_seconds < MIN_TTL_S:
        raise ValueError(f"retention must be at least {MIN_TTL_S:g} s")
    every = interval_s if interval_s is not None else default_interval(retention_seconds)
    while True:
        try:
            report = await asyncio.to_thread(sweep, output_dir, retention_seconds, under=under)
            if report.deleted or report.removed_dirs or report.errors:
                log.info("%s", report.line())
        except Exception:
            log.exception("retention sweep of %s failed", output_dir)
        await asyncio.sleep(every)


class BatchMarker:
    """Context manager of the batch driver: keeps :data:`BATCH_MARKER` in its output directory, touched
    every :data:`MARKER_REFRESH_S` by a daemon thread, and removes it on exit. Retention leaves that
    directory alone while the marker is fresh."""

    def __init__(
        self, output_dir: Path, refresh_s: float = MARKER_REFRESH_S, manifest: str | None = None
    ) -> None:
        self.path = Path(output_dir) / BATCH_MARKER
        self.refresh_s = refresh_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._info: dict[str, object] = {"pid": os.getpid(), "host": socket.gethostname()}
        if manifest is not None:
            self._info["manifest"] = manifest

    def _write(self) -> None:
        from voxray_runtime.storage.atomic import atomic_write_bytes

        atomic_write_bytes(self.path, (json.dumps(self._info, sort_keys=True) + "\n").encode("utf-8"))

    def progress(self, progress: Mapping[str, object]) -> None:
        """Record the run's progress in the marker (the Playground's gallery shows it while it runs)."""
        self._info["progress"] = dict(progress)
        with contextlib.suppress(OSError):
            self._write()

    def __enter__(self) -> BatchMarker:
        self._info["started"] = time.time()
        self._write()
        self._thread = threading.Thread(target=self._touch, name="voxray-batch-marker", daemon=True)
        self._thread.start()
        return self

    def _touch(self) -> None:
        while not self._stop.wait(self.refresh_s):
            with contextlib.suppress(OSError):
                os.utime(self.path)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self.path.unlink()


# ---- voxray retention -----------------------------------------------------------------------------------
def cmd_retention(args: argparse.Namespace) -> int:
    """Sweep once; prints what was (or would be) deleted and a summary line. Exit 2 on bad arguments."""
    try:
        ttl = parse_duration(args.ttl)
        if ttl < MIN_TTL_S:
            raise ValueError(f"--ttl must be at least {MIN_TTL_S:g} s")
        report = sweep(args.output_dir, ttl, under=args.under, dry_run=args.dry_run)
    except ValueError as exc:  # UnsafePathError (a bad --under) included
        print(f"voxray retention: {exc}", file=sys.stderr)
        return 2
    verb = "would delete" if args.dry_run else "deleted"
    for name in report.deleted:
        print(f"{verb} {name}")
    for name in report.removed_dirs:
        print(f"removed empty directory {name}")
    for reason, count in sorted(report.kept_reasons.items()):
        print(f"kept {count}: {reason}")
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    print(report.line())
    return 1 if report.errors else 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``retention`` subcommand to the voxray CLI."""
    p = subparsers.add_parser(
        "retention",
        help="delete generated audio older than a TTL from an output directory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--output-dir",
        default=os.environ.get("VOXRAY_OUTPUT_DIR", "audio-output"),
        help="the output directory (default: $VOXRAY_OUTPUT_DIR or audio-output)",
    )
    p.add_argument("--ttl", required=True, help="age after which files are deleted: 3600, 90m, 24h, 7d")
    p.add_argument("--under", default=None, help="sweep only this sub-directory (e.g. speech)")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    p.set_defaults(func=cmd_retention)


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
        if retention_seconds < MIN_TTL_S:
            raise ValueError(f"retention must be at least {MIN_TTL_S:g} s")
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
            try:
                self.last = sweep(self.output_dir, self.ttl_s, under=self.under)
                if self.last.deleted or self.last.removed_dirs or self.last.errors:
                    log.info("%s", self.last.line())
            except Exception:
                log.exception("retention sweep of %s failed", self.output_dir)
            self.sweeps += 1
            if self._stop.wait(self.interval_s):
                return

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout=timeout_s)
