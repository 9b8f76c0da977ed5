"""The gallery's reads on an object store output (``s3://bucket/prefix``): the same runs, rules and
limits as on a directory (batch/gallery.py), read through :class:`voxray_runtime.storage.objects.ObjectStore`,
so that no key outside the prefix is ever read (names are checked as output names; ``..``, absolute
names and hidden ones are refused).

A run is a "directory" (a key prefix) at most ``MAX_RUN_DEPTH`` below the output prefix holding a
``summary.json``, a manifest or the running marker; the manifest includes the journal a running driver
writes (batch/manifest.py), so a run in progress shows its files. The marker's age is its object's
``LastModified``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from voxray_runtime.batch.gallery import (
    DEFAULT_MANIFEST,
    MAX_JSON_BYTES,
    MAX_RUN_DEPTH,
    MAX_RUNS,
    ROOT_RUN,
    RunFiles,
    _name,
    check_run_id,
    jsonl_rows,
    run_files,
    run_manifest,
)
from voxray_runtime.batch.manifest import read_entries
from voxray_runtime.batch.plan import FAILURES_FILE, SUMMARY_FILE
from voxray_runtime.storage.location import ObjectPrefix
from voxray_runtime.storage.objects import ObjectStore
from voxray_runtime.storage.retention import BATCH_MARKER, STORED_SPEECH_DIR

_RUN_FILES = (SUMMARY_FILE, DEFAULT_MANIFEST, BATCH_MARKER)


def _json(store: ObjectStore, name: str) -> Any:
    size = store.size(name)
    if size is None or size > MAX_JSON_BYTES:
        return None
    data = store.get(name)
    try:
        return json.loads(data.decode("utf-8", errors="replace")) if data is not None else None
    except ValueError:
        return None


def _jsonl(store: ObjectStore, name: str) -> list[dict[str, Any]]:
    size = store.size(name)
    data = store.get(name) if size is not None and size <= MAX_JSON_BYTES else None
    return jsonl_rows((data or b"").decode("utf-8", errors="replace"))


def read_run(root: ObjectPrefix, run: str, now: float | None = None) -> RunFiles | None:
    """The run ``run`` under the prefix ``root``, or None when it holds no run."""
    check_run_id(run)
    if run != ROOT_RUN and run.split("/", 1)[0] == STORED_SPEECH_DIR:
        return None
    store = ObjectStore(root)
    summary = _json(store, _name(run, SUMMARY_FILE))
    summary = summary if isinstance(summary, dict) else None
    marker_name = _name(run, BATCH_MARKER)
    marker_time = store.modified(marker_name)
    marker: dict[str, Any] | None = None
    marker_age: float | None = None
    if marker_time is not None:
        marker_age = (now if now is not None else time.time()) - marker_time
        found = _json(store, marker_name)
        marker = found if isinstance(found, dict) else {}
    manifest = run_manifest(summary, marker)
    manifest_name = _name(run, manifest)
    entries = read_entries(root / manifest_name)
    if summary is None and marker is None and not entries and store.size(manifest_name) is None:
        return None
    failures = _jsonl(store, _name(run, FAILURES_FILE))
    stamps = [
        t for t in (store.modified(manifest_name), marker_time, store.modified(_name(run, SUMMARY_FILE))) if t
    ]
    return run_files(run, manifest, summary, marker, marker_age, entries, failures, max(stamps, default=0.0))


def candidates(names: list[str]) -> list[str]:
    """Run ids of the "directories" holding a run file, at most MAX_RUN_DEPTH deep, stored speech and
    hidden folders skipped. Pure."""
    runs: set[str] = set()
    for name in names:
        folder, _, base = name.rpartition("/")
        parts = folder.split("/") if folder else []
        if base not in _RUN_FILES and not base.endswith(".jsonl"):
            continue
        if len(parts) > MAX_RUN_DEPTH or any(p.startswith(".") for p in parts):
            continue
        if parts and parts[0] == STORED_SPEECH_DIR:
            continue
        runs.add(folder or ROOT_RUN)
    return sorted(runs)


def find_runs(root: ObjectPrefix, allowed: frozenset[str] | None = None) -> list[RunFiles]:
    """The runs under ``root`` the caller may see, most recently updated first."""
    store = ObjectStore(root)
    runs = []
    for run in candidates([n for n, _size in store.names()]):
        found = read_run(root, run)
        if found is not None and (allowed is None or not found.models or set(found.models) & allowed):
            runs.append(found)
    runs.sort(key=lambda r: r.updated, reverse=True)
    return runs[:MAX_RUNS]


def read_file(root: ObjectPrefix, run: str, name: str) -> bytes | None:
    return ObjectStore(root).get(_name(run, name))
