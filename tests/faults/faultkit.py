"""Helpers of the fault tests: find Ray actors and processes of this test session, poll with deadlines,
check MP3 files."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from voxray_runtime.audio.analysis import decode_mp3, rms

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], *, timeout_s: float, what: str, poll_s: float = 0.1) -> T:
    """Call ``probe`` until it returns something truthy; AssertionError naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(poll_s)


def alive_actors(class_name: str) -> list[dict[str, Any]]:
    """ALIVE actors of ``class_name`` in this session's Ray (the GCS actor table; no dashboard needed)."""
    from ray._private import state

    return [
        a
        for a in state.actors().values()
        if a.get("ActorClassName") == class_name and a.get("State") == "ALIVE" and a.get("Pid")
    ]


def mp3_seconds(data: bytes) -> tuple[float, float]:
    """(duration in seconds, RMS) of an MP3; raises when it does not decode."""
    pcm, rate = decode_mp3(data)
    return len(pcm) / rate, rms(pcm)


def assert_valid_mp3(path: Path, *, min_s: float = 0.3, max_s: float = 30.0) -> float:
    seconds, level = mp3_seconds(path.read_bytes())
    assert min_s < seconds < max_s, (path.name, seconds)
    assert level > 0.005, (path.name, level)
    return seconds
