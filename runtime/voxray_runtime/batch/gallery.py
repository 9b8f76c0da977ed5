"""Reading batch runs back from an output directory (the Playground's gallery; read-only).

A *run* is a directory inside the output directory that holds what the batch driver writes: a
``summary.json`` (the run finished), a manifest (``manifest.jsonl`` or the name the summary records) or
the driver's running marker (:data:`voxray_runtime.storage.retention.BATCH_MARKER`). Its id is its path
relative to the output directory, ``.`` for the output directory itself.

Every file read here goes through :func:`voxray_runtime.storage.paths.resolve_output_path`, so nothing
outside the output directory is ever read: a name with ``..``, an absolute path, or a symlink that leads
outside is refused (:class:`GalleryError`). The walk that finds runs never follows symlinks.

A caller limited to some VoiceModels sees only the runs that used one of them, only the entries and
failures of those models, and the run's summary only when it may use every model the run used.

The pure parts (:func:`run_state`, :func:`visible`, :func:`check_run_id`) are table-tested without I/O.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from voxray_runtime.batch.manifest import Entry, read_entries
from voxray_runtime.batch.plan import FAILURES_FILE, SUMMARY_FILE
from voxray_runtime.storage.location import Location, ObjectPrefix
from voxray_runtime.storage.paths import UnsafePathError, check_output_name, resolve_output_path
from voxray_runtime.storage.retention import BATCH_MARKER, MARKER_REFRESH_S, STORED_SPEECH_DIR

log = logging.getLogger(__name__)

ROOT_RUN = "."
DEFAULT_MANIFEST = "manifest.jsonl"
#: how deep below the output directory runs are looked for (the output directory itself is depth 0)
MAX_RUN_DEPTH = 2
#: at most this many runs are listed (newest first)
MAX_RUNS = 200
#: at most this many manifest entries are returned for one run
MAX_ENTRIES = 20_000
#: a marker untouched for this long belongs to a driver that died: the run is no longer running
MARKER_STALE_S = 3 * MARKER_REFRESH_S
#: the files the gallery serves, by extension, and their content types
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".opus": "audio/ogg",
    ".ogg": "audio/ogg",
}
#: JSON files larger than this are not parsed (a summary is a few kB)
MAX_JSON_BYTES = 8 << 20

State = Literal["running", "complete", "failed", "interrupted"]


class GalleryError(Exception):
    """A run or file that cannot be read: ``status`` 400 (a bad name, naming ``field``) or 404."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field


# ---- pure --------------------------------------------------------------------------------------------
def check_run_id(run: str) -> str:
    """``run`` unchanged when it can name a run (``.`` or a safe relative directory); else GalleryError."""
    if run == ROOT_RUN:
        return run
    try:
        check_output_name(run)
    except UnsafePathError as exc:
        raise GalleryError(400, f"not a run id: {exc}", "run") from None
    if run.count("/") >= MAX_RUN_DEPTH:
        raise GalleryError(400, f"runs are at most {MAX_RUN_DEPTH} directories deep", "run")
    return run


def run_state(summary: Mapping[str, Any] | None, marker_age_s: float | None) -> State:
    """What a run is doing: a fresh marker says running (a rerun may be going over an old summary);
    else a summary says complete (nothing failed or missing) or failed; else the run was interrupted."""
    if marker_age_s is not None and marker_age_s < MARKER_STALE_S:
        return "running"
    if summary is None:
        return "interrupted"
    failed = int(summary.get("failed", 0) or 0) + int(summary.get("missing", 0) or 0)
    return "failed" if failed else "complete"


def visible(rows: Iterable[Mapping[str, Any]], allowed: frozenset[str] | None) -> list[dict[str, Any]]:
    """The rows (manifest entries, failures) of models the caller may use (``None``: all)."""
    return [dict(r) for r in rows if allowed is None or r.get("model") in allowed]


def run_models(summary: Mapping[str, Any] | None, entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """The VoiceModels a run used: the summary's list, else those its entries name."""
    batch = summary.get("batch") if summary else None
    if isinstance(batch, Mapping) and isinstance(batch.get("models"), list):
        return [str(m) for m in batch["models"]]
    return sorted({str(e["model"]) for e in entries if e.get("model")})


# ---- reading -----------------------------------------------------------------------------------------
@dataclass
class RunFiles:
    """What one run directory holds (read through the output-path resolver)."""

    id: str
    summary: dict[str, Any] | None
    entries: dict[str, Entry]
    failures: list[dict[str, Any]]
    marker: dict[str, Any] | None
    marker_age_s: float | None
    updated: float
    manifest: str = DEFAULT_MANIFEST
    models: list[str] = field(default_factory=list)

    @property
    def state(self) -> State:
        return run_state(self.summary, self.marker_age_s)


def _name(run: str, name: str) -> str:
    return name if run == ROOT_RUN else f"{run}/{name}"


def _resolve(output_dir: Path, name: str) -> Path | None:
    try:
        return resolve_output_path(output_dir, name)
    except UnsafePathError as exc:
        log.warning("gallery: not reading %s: %s", name, exc)
        return None


def _json(path: Path | None) -> Any:
    if path is None or not path.is_file() or path.stat().st_size > MAX_JSON_BYTES:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError):
        return None


def _jsonl(path: Path | None) -> list[dict[str, Any]]:
    if path is None or not path.is_file() or path.stat().st_size > MAX_JSON_BYTES:
        return []
    return jsonl_rows(path.read_text(encoding="utf-8", errors="replace"))


def jsonl_rows(text: str) -> list[dict[str, Any]]:
    """The JSON objects of a JSON-lines text; a line that is not one is skipped."""
    rows: list[dict[str, Any]] = []
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def _run_dir(output_dir: Path, run: str) -> Path | None:
    if run == ROOT_RUN:
        return output_dir.resolve()
    return _resolve(output_dir, run)


def read_run(output_dir: Location, run: str, now: float | None = None) -> RunFiles | None:
    """The run ``run`` (an id from :func:`find_runs`), or None when that directory holds no run."""
    check_run_id(run)
    if isinstance(output_dir, ObjectPrefix):
        from voxray_runtime.batch import gallery_objects

        return gallery_objects.read_run(output_dir, run, now)
    directory = _run_dir(output_dir, run)
    if directory is None or not directory.is_dir():
        return None
    if run != ROOT_RUN and run.split("/", 1)[0] == STORED_SPEECH_DIR:
        return None
    summary = _json(_resolve(output_dir, _name(run, SUMMARY_FILE)))
    summary = summary if isinstance(summary, dict) else None
    marker_path = directory / BATCH_MARKER  # hidden: no output name can reach it, so it is joined here
    marker_age: float | None = None
    marker: dict[str, Any] | None = None
    if marker_path.is_file() and not marker_path.is_symlink():
        marker_age = (now if now is not None else time.time()) - marker_path.stat().st_mtime
        found = _json(marker_path)
        marker = found if isinstance(found, dict) else {}
    manifest = run_manifest(summary, marker)
    manifest_path = _resolve(output_dir, _name(run, manifest))
    if summary is None and marker is None and (manifest_path is None or not manifest_path.is_file()):
        return None
    entries = read_entries(manifest_path) if manifest_path is not None else {}
    failures = _jsonl(_resolve(output_dir, _name(run, FAILURES_FILE)))
    stamps = [
        p.stat().st_mtime
        for p in (manifest_path, marker_path, directory / SUMMARY_FILE)
        if p is not None and p.is_file()
    ]
    updated = max(stamps, default=directory.stat().st_mtime)
    return run_files(run, manifest, summary, marker, marker_age, entries, failures, updated)


def run_manifest(summary: dict[str, Any] | None, marker: dict[str, Any] | None) -> str:
    """The run's manifest file: as its summary's ``batch`` says, else its marker, else the default."""
    for source in (summary.get("batch") if summary else None, marker):
        if isinstance(source, Mapping) and isinstance(source.get("manifest"), str):
            return str(source["manifest"])
    return DEFAULT_MANIFEST


def run_files(
    run: str,
    manifest: str,
    summary: dict[str, Any] | None,
    marker: dict[str, Any] | None,
    marker_age: float | None,
    entries: dict[str, Entry],
    failures: list[dict[str, Any]],
    updated: float,
) -> RunFiles:
    """A run's files as read (from a directory or an object prefix): the manifest capped at
    MAX_ENTRIES, the failures from ``summary.json`` when there is no failures file. Pure."""
    if len(entries) > MAX_ENTRIES:
        entries = dict(sorted(entries.items())[:MAX_ENTRIES])
    if not failures and summary and isinstance(summary.get("failures"), list):
        failures = [f for f in summary["failures"] if isinstance(f, dict)]
    return RunFiles(
        id=run,
        summary=summary,
        entries=entries,
        failures=failures,
        marker=marker,
        marker_age_s=marker_age,
        updated=updated,
        manifest=manifest,
        models=run_models(summary, entries.values()),
    )


def _candidates(root: Path) -> list[str]:
    """Directories at most MAX_RUN_DEPTH below ``root`` (symlinks never followed, hidden ones and
    stored speech skipped), as run ids."""
    out = [ROOT_RUN]
    frontier = [("", root)]
    for _depth in range(MAX_RUN_DEPTH):
        nxt = []
        for rel, path in frontier:
            try:
                with os.scandir(path) as it:
                    for e in it:
                        if e.name.startswith(".") or not e.is_dir(follow_symlinks=False):
                            continue
                        if not rel and e.name == STORED_SPEECH_DIR:
                            continue
                        child = f"{rel}/{e.name}" if rel else e.name
                        nxt.append((child, Path(e.path)))
            except OSError:
                continue
        out += [rel for rel, _ in nxt]
        frontier = nxt
    return out


def find_runs(output_dir: Location, allowed: frozenset[str] | None = None) -> list[RunFiles]:
    """The runs in ``output_dir`` the caller may see, most recently updated first."""
    if isinstance(output_dir, ObjectPrefix):
        from voxray_runtime.batch import gallery_objects

        return gallery_objects.find_runs(output_dir, allowed)
    root = Path(output_dir)
    if not root.is_dir():
        return []
    runs = []
    for run in _candidates(root.resolve()):
        try:
            found = read_run(root, run)
        except GalleryError:  # a directory name no output name could have
            continue
        if found is not None and (allowed is None or not found.models or set(found.models) & allowed):
            runs.append(found)
    runs.sort(key=lambda r: r.updated, reverse=True)
    return runs[:MAX_RUNS]


def run_file(
    output_dir: Location, run: str, name: str, allowed: frozenset[str] | None
) -> tuple[Path | bytes, str]:
    """The path (the bytes, on an object store) and content type of the audio file ``name`` of run
    ``run``: it must be an audio file the run's manifest lists, of a model the caller may use, inside the
    output directory."""
    check_run_id(run)
    try:
        check_output_name(name)
    except UnsafePathError as exc:
        raise GalleryError(400, f"not a file name: {exc}", "name") from None
    kind = AUDIO_TYPES.get(Path(name).suffix.lower())
    if kind is None:
        raise GalleryError(
            400, f"only audio files are served ({', '.join(sorted(AUDIO_TYPES))}), not {name!r}", "name"
        )
    found = read_run(output_dir, run)
    if found is None:
        raise GalleryError(404, f"no batch run {run!r} in the output directory")
    entry = found.entries.get(name)
    if entry is None or (allowed is not None and entry.get("model") not in allowed):
        raise GalleryError(404, f"run {run!r} lists no file {name!r}")
    if isinstance(output_dir, ObjectPrefix):
        from voxray_runtime.batch import gallery_objects

        data = gallery_objects.read_file(output_dir, run, name)
        if data is None:
            raise GalleryError(404, f"the file {name!r} of run {run!r} is not in the output store")
        return data, kind
    path = _resolve(output_dir, _name(run, name))
    if path is None or not path.is_file():
        raise GalleryError(404, f"the file {name!r} of run {run!r} is not in the output directory")
    return path, kind
