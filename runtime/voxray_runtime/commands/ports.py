"""The ports ``voxray serve`` needs, checked before a local Ray starts.

Ray's metrics export port is fixed (8080 unless ``VOXRAY_METRICS_PORT`` says otherwise); a port that is
taken made the raylet time out after about a minute ("The current node timed out during startup"), and a
taken API port failed inside Serve with a traceback. Both are checked first and named in one line with
the flag or variable that moves them; with no metrics port set and 8080 taken, a free one is chosen.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass

METRICS_ENV = "VOXRAY_METRICS_PORT"
DEFAULT_METRICS_PORT = 8080


class PortInUseError(RuntimeError):
    """A port ``voxray serve`` needs is taken; the message names it and how to move it."""


@dataclass(frozen=True)
class PortPlan:
    api_port: int
    metrics_port: int
    #: a line to print when the metrics port is not the one asked for (8080 was taken)
    note: str = ""


def plan_ports(
    host: str,
    api_port: int,
    env: Mapping[str, str],
    is_free: Callable[[str, int], bool],
    pick_free: Callable[[], int],
) -> PortPlan:
    """Which ports to use (pure: ``is_free`` and ``pick_free`` do the probing)."""
    if not is_free(host, api_port):
        raise PortInUseError(
            f"port {api_port} on {host} (the API and Playground) is in use: choose another with --port "
            f"(make run PORT=...), or stop what holds it"
        )
    asked = env.get(METRICS_ENV, "").strip()
    if asked:
        try:
            port = int(asked)
        except ValueError:
            raise PortInUseError(f"{METRICS_ENV}={asked!r} is not a port number") from None
        if not 0 < port < 65536:
            raise PortInUseError(f"{METRICS_ENV}={port} is not a port number (1-65535)")
        if port == api_port:
            raise PortInUseError(f"{METRICS_ENV}={port} is the API port too: choose another")
        if not is_free("127.0.0.1", port):
            raise PortInUseError(
                f"port {port} (Ray's metrics export, {METRICS_ENV}) is in use: "
                f"set {METRICS_ENV} to a free port"
            )
        return PortPlan(api_port, port)
    if api_port != DEFAULT_METRICS_PORT and is_free("127.0.0.1", DEFAULT_METRICS_PORT):
        return PortPlan(api_port, DEFAULT_METRICS_PORT)
    port = pick_free()
    return PortPlan(
        api_port,
        port,
        note=f"port {DEFAULT_METRICS_PORT} is in use: Ray's metrics go to port {port} "
        f"(set {METRICS_ENV} to choose one)",
    )


def is_free(host: str, port: int) -> bool:
    """Whether a TCP listener could bind ``host:port`` now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    # a listener on the wildcard address also takes the port for loopback clients
    if host not in ("0.0.0.0", "::"):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return False
    return True


def pick_free() -> int:
    """A port the kernel has free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
