"""The batch manifest: JSON Lines, one line per completed file, and the resume rule.

During a run the driver only appends (one fsynced line per file, so a ``kill -9`` loses at most a
half-written last line, which readers skip). At the end ``compact`` rewrites it atomically: one
entry per name (the last), only entries whose file exists and matches (size, sha256), sorted by name.

A file is *complete* for a planned item when the file exists and its entry matches the item: same
size and sha256 of the bytes on disk, same text hash, same voice binding, format, bitrate and speed, and
no change in the lexicon entries its text uses (:mod:`voxray_runtime.batch.lexicon`). Anything else is
rendered again.

On an object store (``s3://``) nothing can be appended: each entry is its own small object in a
journal next to the manifest (``.voxray-journal/<manifest>/<sha256 of the name>.json``, written after
the audio object it describes), read back by ``read_entries`` with the manifest, and ``compact`` writes
the manifest whole (last), then removes the journal. The resume rule is the same: the object exists
with the entry's size and sha256.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from voxray_runtime.batch.lexicon import lexicon_unchanged
from voxray_runtime.batch.plan import Plan, WorkItem
from voxray_runtime.batch.publishing import captions_complete, settings_of, target_field
from voxray_runtime.batch.quality import row_valid
from voxray_runtime.storage.atomic import FILE_MODE, make_dirs
from voxray_runtime.storage.location import Location, ObjectPrefix
from voxray_runtime.storage.paths import UnsafePathError
from voxray_runtime.storage.store import open_store, resolve_location, split, write_location

Entry = dict[str, Any]

#: entry keys that must equal the planned item's for a file to count as complete
BINDING_KEYS = ("avatar", "model", "engine", "speaker", "engine_language", "fallback_reason")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def expected_fields(plan: Plan, work: WorkItem) -> dict[str, Any]:
    """What an entry must say for ``work`` under ``plan`` (besides matching its file)."""
    b = work.binding
    return {
        "index": work.index,
        "id": work.id,
        "avatar": b.avatar.name,
        "model": b.model,
        "engine": b.engine,
        "speaker": b.speaker,
        "engine_language": b.engine_language,
        "fallback_reason": b.fallback,
        "text_sha256": work.text_sha256,
        "format": plan.format,
        "bitrate_kbps": plan.bitrate_kbps,
        "speed": plan.speed,
        # rendered to another loudness target (or with loudness off): rendered again
        "loudness_target": target_field(settings_of(plan.spec.output)[1]),
    }


def parse_lines(text: str, out: dict[str, Entry]) -> dict[str, Entry]:
    """Add the entries of JSON Lines ``text`` to ``out`` (last wins); malformed lines skipped."""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            out[entry["name"]] = entry
    return out


def journal(path: ObjectPrefix) -> tuple[ObjectPrefix, str]:
    """The store of the manifest object's directory and the journal's folder name in it."""
    parent, name = split(path)
    return parent, f".voxray-journal/{name}"


def read_entries(path: Location) -> dict[str, Entry]:
    """Entries by name, the last one winning; malformed lines (a killed writer's last line) skipped."""
    out: dict[str, Entry] = {}
    if isinstance(path, ObjectPrefix):
        parent, folder = journal(path)
        store = open_store(parent)
        data = store.get(split(path)[1])
        if data is not None:
            parse_lines(data.decode("utf-8", errors="replace"), out)
        for name, _size in sorted(store.names(folder)):
            line = store.get(name)
            if line is not None:
                parse_lines(line.decode("utf-8", errors="replace"), out)
        return out
    if not path.is_file():
        return out
    return parse_lines(path.read_text(encoding="utf-8", errors="replace"), out)


def file_matches(output_dir: Location, entry: Mapping[str, Any]) -> bool:
    """The entry's file exists with the entry's size and sha256."""
    try:
        if isinstance(output_dir, ObjectPrefix):
            data = open_store(output_dir).get(str(entry.get("name", "")))
            if data is None or len(data) != entry.get("size_bytes"):
                return False
            return hashlib.sha256(data).hexdigest() == entry.get("sha256")
        path = resolve_location(output_dir, str(entry.get("name", "")))
        assert isinstance(path, Path)
        if not path.is_file() or path.stat().st_size != entry.get("size_bytes"):
            return False
        return file_sha256(path) == entry.get("sha256")
    except (OSError, UnsafePathError):
        return False


def is_complete(plan: Plan, work: WorkItem, entry: Mapping[str, Any] | None) -> bool:
    if entry is None or entry.get("name") != work.name:
        return False
    want = expected_fields(plan, work)
    if any(entry.get(k) != v for k, v in want.items()):
        return False
    if not lexicon_unchanged(work, entry):
        return False  # its text uses a lexicon entry added, changed or removed since
    formats = settings_of(plan.spec.output)[0]
    if formats and not captions_complete(plan.output_dir, entry, formats):
        return False  # a file whose captions are missing is not complete
    if plan.spec.quality.check and not row_valid(entry.get("qa")):
        return False  # checked batches: a file without its verdict is rendered (and checked) again
    return file_matches(plan.output_dir, entry)


def complete_names(plan: Plan, entries: Mapping[str, Entry]) -> set[str]:
    """Names of planned files that are complete and valid (skipped by a rerun)."""
    return {w.name for w in plan.work if is_complete(plan, w, entries.get(w.name))}


class ManifestWriter:
    """Append-only, one fsynced line per entry; safe to kill at any moment. Mode 0640 whatever the umask.
    On an object store, an :class:`ObjectManifestWriter` (journal objects)."""

    path: Location

    def __new__(cls, path: Location) -> ManifestWriter:
        return super().__new__(ObjectManifestWriter if isinstance(path, ObjectPrefix) else cls)

    def __init__(self, path: Location) -> None:
        assert isinstance(path, Path)
        make_dirs(path.parent)
        self.path = path
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
        os.fchmod(fd, FILE_MODE)
        self._f: IO[str] = os.fdopen(fd, "a", encoding="utf-8")
        # a killed writer may have left a half line: start ours on a fresh line
        with contextlib.suppress(OSError):
            if path.stat().st_size > 0:
                with path.open("rb") as r:
                    r.seek(-1, os.SEEK_END)
                    if r.read(1) != b"\n":
                        self._f.write("\n")

    def append(self, entry: Mapping[str, Any]) -> None:
        self._f.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> ManifestWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ObjectManifestWriter(ManifestWriter):
    """The manifest on an object store: one journal object per entry, written whole."""

    def __init__(self, path: Location) -> None:
        assert isinstance(path, ObjectPrefix)
        self.path = path
        parent, self._folder = journal(path)
        self._store = open_store(parent)

    def append(self, entry: Mapping[str, Any]) -> None:
        digest = hashlib.sha256(str(entry["name"]).encode("utf-8")).hexdigest()[:32]
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        self._store.put(f"{self._folder}/{digest}.json", line.encode("utf-8"))

    def close(self) -> None:
        pass

    def __enter__(self) -> ObjectManifestWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def compact(path: Location, output_dir: Location, verify: bool = True) -> dict[str, Entry]:
    """Rewrite the manifest: last entry per name, only files that exist and match; returns the kept.
    On an object store the journal is removed once the manifest object is written."""
    entries = read_entries(path)
    kept = {n: e for n, e in entries.items() if not verify or file_matches(output_dir, e)}
    data = "".join(json.dumps(kept[n], ensure_ascii=False, sort_keys=True) + "\n" for n in sorted(kept))
    write_location(path, data.encode("utf-8"))
    if isinstance(path, ObjectPrefix):
        parent, folder = journal(path)
        store = open_store(parent)
        for name, _size in list(store.names(folder)):
            store.delete(name)
    return kept


def write_jsonl(path: Location, rows: Iterable[Mapping[str, Any]]) -> None:
    data = "".join(json.dumps(dict(r), ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    write_location(path, data.encode("utf-8"))
