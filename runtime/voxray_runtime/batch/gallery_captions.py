"""The caption files of a batch run (``post_01_female_en-US.srt`` / ``.vtt`` beside each audio file), for
the gallery: a caption file is served only when a manifest row of a model the caller may use lists it
under ``captions``, and it is read through the same output-path resolver as the audio
(:mod:`voxray_runtime.batch.gallery`). :func:`caption_owner` is pure and table-tested."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from voxray_runtime.batch.gallery import ROOT_RUN, GalleryError, check_run_id, read_run
from voxray_runtime.storage.location import Location, ObjectPrefix
from voxray_runtime.storage.paths import UnsafePathError, check_output_name, resolve_output_path

#: the caption files the gallery serves, by extension, and their content types
CAPTION_TYPES = {
    ".srt": "application/x-subrip; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
}


def is_caption_name(name: str) -> bool:
    """Whether ``name`` names a caption file (by its extension)."""
    return PurePosixPath(name).suffix.lower() in CAPTION_TYPES


def caption_owner(
    entries: Mapping[str, Mapping[str, Any]], name: str, allowed: frozenset[str] | None
) -> Mapping[str, Any] | None:
    """The manifest row that lists the caption file ``name`` (of a model the caller may use), or None."""
    for entry in entries.values():
        listed = entry.get("captions")
        if not isinstance(listed, Mapping) or name not in listed.values():
            continue
        if allowed is None or entry.get("model") in allowed:
            return entry
    return None


def caption_file(
    output_dir: Location, run: str, name: str, allowed: frozenset[str] | None
) -> tuple[Path | bytes, str]:
    """The path (the bytes, on an object store) and content type of the caption file ``name`` of run
    ``run``; GalleryError (400 for a bad name, 404 when no visible row lists it or it is missing)."""
    check_run_id(run)
    try:
        check_output_name(name)
    except UnsafePathError as exc:
        raise GalleryError(400, f"not a file name: {exc}", "name") from None
    kind = CAPTION_TYPES.get(PurePosixPath(name).suffix.lower())
    if kind is None:
        raise GalleryError(400, f"not a caption file ({', '.join(sorted(CAPTION_TYPES))}): {name!r}", "name")
    found = read_run(output_dir, run)
    if found is None:
        raise GalleryError(404, f"no batch run {run!r} in the output directory")
    if caption_owner(found.entries, name, allowed) is None:
        raise GalleryError(404, f"run {run!r} lists no caption file {name!r}")
    if isinstance(output_dir, ObjectPrefix):
        from voxray_runtime.batch import gallery_objects

        data = gallery_objects.read_file(output_dir, run, name)
        if data is None:
            raise GalleryError(404, f"the caption file {name!r} of run {run!r} is not in the output store")
        return data, kind
    try:
        path = resolve_output_path(output_dir, name if run == ROOT_RUN else f"{run}/{name}")
    except UnsafePathError as exc:
        raise GalleryError(400, f"not a file name: {exc}", "name") from None
    if not path.is_file():
        raise GalleryError(404, f"the caption file {name!r} of run {run!r} is not in the output directory")
    return path, kind
