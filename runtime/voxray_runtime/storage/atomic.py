"""Atomic file writes: a reader (or a rerun after ``kill -9``) sees the old file or the whole new one.

The bytes go to a hidden temporary name in the destination's own directory (same filesystem, so the
rename is atomic), the file is fsynced, renamed over the destination, and the directory is fsynced so
the rename itself survives a crash. A killed writer leaves at most a ``.NAME.XXXXXXXX.tmp`` file, which
``clean_temp_files`` removes on the next run.

Permissions do not depend on the process umask: files are 0640 (owner writes, the group reads: a sidecar
that serves or copies the audio), directories created here 0750. Existing directories keep theirs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

#: temporary files are ``.{final name}.{8 hex}.tmp`` next to their destination
TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"
#: mode of every file written and of every directory created, whatever the umask
FILE_MODE = 0o640
DIR_MODE = 0o750


def temp_name_for(path: Path) -> Path:
    return path.with_name(f"{TEMP_PREFIX}{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def is_temp_name(name: str) -> bool:
    """True for names ``atomic_write_bytes`` uses while writing (hidden, random part, ``.tmp``)."""
    if not (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)):
        return False
    stem = name[len(TEMP_PREFIX) : -len(TEMP_SUFFIX)]
    base, _, token = stem.rpartition(".")
    return bool(base) and len(token) == 8 and all(c in "0123456789abcdef" for c in token)


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink inside ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def make_dirs(directory: Path, mode: int = DIR_MODE) -> None:
    """Create ``directory`` and its missing parents with exactly ``mode`` (umask ignored); existing
    directories are left as they are."""
    directory = Path(directory)
    missing: list[Path] = []
    d = directory
    while not d.is_dir():
        missing.append(d)
        if d.parent == d:
            break
        d = d.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=mode)
        except FileExistsError:
            if not d.is_dir():
                raise
            continue
        os.chmod(d, mode)


def atomic_write_bytes(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Write ``data`` to ``path`` atomically and durably, with file mode ``mode`` whatever the umask;
    missing parent directories are created (0750).

    On any error the temporary file is removed and the exception propagates; ``path`` is unchanged.
    """
    path = Path(path)
    make_dirs(path.parent)
    tmp = temp_name_for(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def clean_temp_files(root: Path) -> list[Path]:
    """Remove stray temporary files (from a killed writer) anywhere under ``root``; returns them."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if is_temp_name(name):
                p = Path(dirpath) / name
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
                    removed.append(p)
    return removed
