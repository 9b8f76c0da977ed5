"""One storage interface for every writer and reader of output: a local directory (or mounted volume)
and an object store prefix behind the same few calls.

- :func:`open_store` gives a :class:`Store` for a parsed location (``storage.location``);
- :func:`store_output` is what a writer calls with the output location it was given (a path, a
  ``s3://`` URI string as a Ray worker receives it, or an :class:`ObjectPrefix`): the same name rules
  (:func:`voxray_runtime.storage.paths.check_output_name`), whole writes (atomic rename on disk, one
  PUT per object);
- :func:`resolve_location` places a name under a location (symlinks resolved on disk; ``prefix/name``
  on objects), refusing anything outside it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from voxray_runtime.storage.location import Location, ObjectPrefix, is_object_uri, parse_worker_location
from voxray_runtime.storage.paths import check_output_name, resolve_output_path, write_output


class Store(Protocol):
    """Whole-object reads and writes of names under one output location."""

    def uri(self, name: str) -> str: ...
    def put(self, name: str, data: bytes, content_type: str | None = None) -> str: ...
    def get(self, name: str) -> bytes | None: ...
    def size(self, name: str) -> int | None: ...
    def delete(self, name: str) -> None: ...
    def names(self, under: str = "") -> Iterator[tuple[str, int]]: ...


class LocalStore:
    """A local directory: atomic writes (temp + fsync + rename), symlink escapes refused."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def uri(self, name: str) -> str:
        return str(resolve_output_path(self.root, name))

    def put(self, name: str, data: bytes, content_type: str | None = None) -> str:
        return str(write_output(self.root, name, data))

    def get(self, name: str) -> bytes | None:
        try:
            return resolve_output_path(self.root, name).read_bytes()
        except FileNotFoundError:
            return None

    def size(self, name: str) -> int | None:
        path = resolve_output_path(self.root, name)
        return path.stat().st_size if path.is_file() else None

    def delete(self, name: str) -> None:
        resolve_output_path(self.root, name).unlink(missing_ok=True)

    def names(self, under: str = "") -> Iterator[tuple[str, int]]:
        root = self.root.resolve()
        base = resolve_output_path(root, under) if under else root
        for dirpath, _dirs, files in os.walk(base):
            for f in files:
                p = Path(dirpath) / f
                yield p.relative_to(root).as_posix(), p.stat().st_size


def open_store(location: Location) -> Store:
    if isinstance(location, ObjectPrefix):
        from voxray_runtime.storage.objects import ObjectStore

        return ObjectStore(location)
    return LocalStore(Path(location))


def as_location(output_dir: str | os.PathLike[str] | ObjectPrefix) -> Location:
    """A writer's output location: an object URI string is parsed, anything else is a local path."""
    if isinstance(output_dir, ObjectPrefix):
        return output_dir
    text = os.fspath(output_dir)
    return parse_worker_location(text) if is_object_uri(text) else Path(text)


def store_output(output_dir: str | os.PathLike[str] | ObjectPrefix, name: str, data: bytes) -> str:
    """Write ``data`` whole as ``name`` under ``output_dir``; returns where (a path or an object URI)."""
    return open_store(as_location(output_dir)).put(name, data)


def resolve_location(output_dir: Location, name: str) -> Location:
    """``name`` under ``output_dir``: a resolved path inside it, or ``prefix/name`` on an object store."""
    if isinstance(output_dir, ObjectPrefix):
        return output_dir / check_output_name(name)
    return resolve_output_path(output_dir, name)


def split(location: ObjectPrefix) -> tuple[ObjectPrefix, str]:
    """An object's parent prefix and its name."""
    parent, _, name = location.prefix.rpartition("/")
    return replace(location, prefix=parent), name


def write_location(location: Location, data: bytes) -> str:
    """Write ``data`` whole at ``location`` (a file path or an object): atomic rename or one PUT."""
    if isinstance(location, ObjectPrefix):
        parent, name = split(location)
        return open_store(parent).put(name, data)
    from voxray_runtime.storage.atomic import atomic_write_bytes

    atomic_write_bytes(location, data)
    return str(location)
