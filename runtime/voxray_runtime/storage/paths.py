"""Where a named output may be written: one function, ``resolve_output_path``, used by every writer
(the batch worker, the batch manifest and summary, the API's ``store=true``).

Two layers:

- :func:`check_output_name` is pure: the name alone, no I/O. It refuses empty names, absolute paths,
  ``.``/``..``/empty/hidden segments, NUL, control characters and backslashes (via
  :func:`voxray_runtime.storage.naming.check_relative_name`), names reserved by the platforms output
  volumes are shared with (``CON``, ``NUL``, ``COM1``... with any extension), segments over 255 bytes,
  names over 1024 bytes or deeper than 16 directories.
- :func:`resolve_output_path` adds the filesystem: the output directory and the name are resolved
  (every symlink followed, the output directory's own included) and the result must lie inside the
  resolved output directory. A symlink inside the output directory that points outside it is an escape.

The check and the later write are separate system calls; a writer that races the check by swapping a
directory for a symlink can still win. The output directory is owned by voxray (mode 0750), so only its
owner could.
"""

from __future__ import annotations

import os
from pathlib import Path

from voxray_runtime.storage.atomic import atomic_write_bytes
from voxray_runtime.storage.naming import NamingError, check_relative_name

#: longest name (bytes of UTF-8) relative to the output directory, and most directories in it
MAX_NAME_BYTES = 1024
MAX_DEPTH = 16
#: device names that some filesystems (SMB/NTFS volumes) refuse or treat specially, with any extension
RESERVED_STEMS = frozenset(
    {"con", "prn", "aux", "nul", "clock$"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
_EXTRA_FORBIDDEN = frozenset('<>:"|?*')


class UnsafePathError(NamingError):
    """A name that would leave the output directory or cannot be stored safely; the message says why."""


class SymlinkEscapeError(UnsafePathError):
    """A safe name that resolves outside the output directory through a symlink in it: the volume, not the
    caller, is at fault (an API answers it as a server-side storage error, not as a bad name)."""


def check_output_name(name: str) -> str:
    """``name`` unchanged when it is safe to store under an output directory; else UnsafePathError. Pure."""
    if not isinstance(name, str):
        raise UnsafePathError(f"the name must be a string, not {type(name).__name__}")
    try:
        check_relative_name(name)
    except UnsafePathError:
        raise
    except NamingError as exc:
        raise UnsafePathError(str(exc)) from None
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise UnsafePathError(f"the name is longer than {MAX_NAME_BYTES} bytes")
    segments = name.split("/")
    if len(segments) > MAX_DEPTH + 1:
        raise UnsafePathError(f"{name!r} is nested deeper than {MAX_DEPTH} directories")
    for segment in segments:
        bad = sorted({c for c in segment if c in _EXTRA_FORBIDDEN})
        if bad:
            raise UnsafePathError(f"{name!r} contains characters {bad!r} that shared volumes refuse")
        if segment.split(".", 1)[0].rstrip().casefold() in RESERVED_STEMS:
            raise UnsafePathError(f"{name!r} uses the reserved device name {segment!r}")
        if segment.endswith("."):
            raise UnsafePathError(f"{name!r} has a path segment ending with '.'")
    return name


def resolve_output_path(output_dir: str | os.PathLike[str], name: str) -> Path:
    """The absolute path of ``name`` inside ``output_dir``, symlinks resolved; UnsafePathError when it is
    not a safe name or resolves outside the (resolved) output directory.

    The output directory need not exist yet (nor the name's directories): what does not exist cannot be a
    symlink, so the lexical check covers it.
    """
    check_output_name(name)
    root = Path(output_dir).resolve()
    path = (root / name).resolve()
    if path == root or not path.is_relative_to(root):
        raise SymlinkEscapeError(
            f"{name!r} resolves to {path}, outside the output directory {root} (a symlink)"
        )
    return path


def write_output(output_dir: str | os.PathLike[str], name: str, data: bytes) -> Path:
    """Resolve ``name`` under ``output_dir`` (:func:`resolve_output_path`) and write ``data`` there
    atomically (temp + fsync + rename, 0640, new directories 0750); returns the path written."""
    path = resolve_output_path(output_dir, name)
    atomic_write_bytes(path, data)
    return path
