"""CPU priority of the engine replicas on a shared machine (``voxray serve`` on a laptop or a small VM).

On a local Ray every process competes for the same few cores: the HTTP proxy and the ingress (parsing,
admitting and refusing requests) and the engines (onnxruntime, llama.cpp threads). When engines take
every core, a crowd of requests waits tens of seconds for the front end to even refuse it. ``voxray
serve`` therefore sets :data:`ENGINE_NICENESS_ENV`; a model replica lowers its own priority by that much
when it starts, so that the front end answers at once and the engines get every cycle it leaves. On a
cluster the variable is unset and nothing changes (replicas have their own pods).
"""

from __future__ import annotations

import contextlib
import logging
import os

ENGINE_NICENESS_ENV = "VOXRAY_ENGINE_NICENESS"

_log = logging.getLogger("voxray.serve")


def lower_engine_priority(environ: dict[str, str] | None = None) -> int:
    """Raise the niceness of every thread of this process by ``VOXRAY_ENGINE_NICENESS`` (threads started
    later inherit it); returns the increment applied (0 when unset or not allowed)."""
    env = os.environ if environ is None else environ
    try:
        step = int(env.get(ENGINE_NICENESS_ENV, "0"))
    except ValueError:
        return 0
    if step <= 0:
        return 0
    # Linux keeps a niceness per thread: each task of the process is reniced
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError, ValueError):
            current = os.getpriority(os.PRIO_PROCESS, int(tid))
            os.setpriority(os.PRIO_PROCESS, int(tid), min(19, current + step))
    _log.info("engine replica niceness raised by %d", step)
    return step
