"""The retention policy, pure: entries (relative name, kind, mtime) + now + TTL -> a verdict per entry
(:func:`decide`). The rules are those of :mod:`voxray_runtime.storage.retention`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from voxray_runtime.storage.atomic import is_temp_name

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
