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


#: Serve's HTTP proxies: named actors in Serve's namespace, one per node that runs one
PROXY_NAMESPACE = "serve"
PROXY_NAME_PREFIX = "SERVE_PROXY_ACTOR"


def _release_in_actor(_actor: object) -> float:
    return release_heap()


def release_proxies_heap(timeout_s: float = 10.0) -> dict[str, float]:
    """Ask each of this cluster's Serve HTTP proxies to :func:`release_heap` (run in the proxy's process
    through Ray's ``__ray_call__``): the proxy holds the buffers of every connection of a crowd, and it is
    Ray's process, not ours, so nothing else there hands them back. Returns the MiB each proxy released
    (names of the proxies that did not answer within ``timeout_s`` are left out); never raises."""
    import ray

    try:
        names = [
            a["name"]
            for a in ray.util.list_named_actors(all_namespaces=True)
            if a.get("namespace") == PROXY_NAMESPACE and str(a.get("name", "")).startswith(PROXY_NAME_PREFIX)
        ]
        refs: dict[str, Any] = {
            n: ray.get_actor(n, namespace=PROXY_NAMESPACE).__ray_call__.remote(_release_in_actor)
            for n in names
        }
        if not refs:
            return {}
        ready, _ = ray.wait(list(refs.values()), num_returns=len(refs), timeout=timeout_s)
        released = {n: float(ray.get(r)) for n, r in refs.items() if r in ready}
    except Exception as exc:  # a proxy lost or restarting: the next quiet moment will do
        _log.warning("could not ask the HTTP proxies to release their heap: %s: %s", type(exc).__name__, exc)
        return {}
    total = sum(released.values())
    if total >= 1.0:
        _log.info("the HTTP proxies returned %.0f MiB of freed heap to the OS after a burst", total)
    return released


def release_serving_heap() -> None:
    """What the ingress runs once a burst has passed: its own heap, then the HTTP proxies'."""
    release_heap()
    release_proxies_heap()
