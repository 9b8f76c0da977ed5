"""Hand freed heap memory back to the operating system (glibc's ``malloc_trim``), after a burst.

Python frees a request's objects when it ends, but the C allocator keeps the pages in its arenas for
reuse; after a crowd of thousands of requests at once a replica would stay at the crowd's peak resident
memory. :func:`release_heap` collects garbage and asks glibc to return every free page of every arena.
Elsewhere (musl, macOS) it only collects garbage.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import resource
from functools import cache
from typing import Any

_log = logging.getLogger("voxray.serve")


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return libc


def resident_mib() -> float:
    """This process's resident memory (MiB), from /proc (0 where unavailable)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * resource.getpagesize() / (1 << 20)


def release_heap() -> float:
    """Collect garbage and return free heap pages to the OS; the resident MiB released."""
    before = resident_mib()
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
    released = max(0.0, before - resident_mib())
    if released >= 1.0:
        _log.info("returned %.0f MiB of freed heap to the OS after a burst", released)
    return released
