"""How a model replica spreads its threads over engine sessions, and the pool that shares them."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from voxray_runtime.serve.model import SessionPool
from voxray_runtime.serve.worker import ReplicaLayout, replica_layout
from voxray_runtime.spec.voicemodel import VoiceModelSpec


@pytest.mark.parametrize(
    ("spec", "device", "layout"),
    [
        # CPU Kokoro / Piper: one one-thread session per thread
        ({"engine": "kokoro", "serving": {"threads": 2}}, "cpu", ReplicaLayout(sessions=2, threads=1)),
        ({"engine": "kokoro", "resources": {"cpu": 4}}, "cpu", ReplicaLayout(sessions=4, threads=1)),
        ({"engine": "kokoro", "resources": {"cpu": 0.25}}, "cpu", ReplicaLayout(sessions=1, threads=1)),
        ({"engine": "piper", "serving": {"threads": 3}}, "cpu", ReplicaLayout(sessions=3, threads=1)),
        # GPU replicas and espeak-ng (like batched engines) keep one session with every thread
        ({"engine": "kokoro", "serving": {"threads": 2}}, "cuda", ReplicaLayout(sessions=1, threads=2)),
        ({"engine": "espeak", "serving": {"threads": 2}}, "cpu", ReplicaLayout(sessions=1, threads=2)),
        ({"engine": "espeak"}, "cpu", ReplicaLayout(sessions=1, threads=1)),
    ],
)
def test_replica_layout(spec: dict[str, Any], device: str, layout: ReplicaLayout) -> None:
    assert replica_layout(VoiceModelSpec.model_validate(spec), device) == layout


def test_bundled_kokoro_runs_two_one_thread_sessions() -> None:
    from voxray_runtime.models import default_models

    kokoro = next(m for m in default_models() if m.name == "kokoro")
    assert replica_layout(kokoro.spec) == ReplicaLayout(sessions=2, threads=1)


class Session:
    """Stands in for an engine session: records whether two calls ever share it."""

    def __init__(self) -> None:
        self.busy = False
        self.calls = 0

    def work(self, barrier: threading.Barrier | None) -> Session:
        assert not self.busy, "two calls on one session at once"
        self.busy = True
        try:
            self.calls += 1
            if barrier is not None:
                barrier.wait(timeout=30)  # returns only when every session is in a call at the same time
            return self
        finally:
            self.busy = False


def test_pool_runs_one_call_per_session_in_parallel() -> None:
    sessions = [Session(), Session()]
    pool = SessionPool(sessions, "test")
    barrier = threading.Barrier(2)

    async def go() -> list[Session]:
        return list(await asyncio.gather(*(pool.run(lambda s: s.work(barrier)) for _ in range(2))))

    used = asyncio.run(go())
    assert sorted(map(id, used)) == sorted(map(id, sessions)), "both sessions worked at the same time"


def test_pool_queues_calls_beyond_its_sessions() -> None:
    sessions = [Session(), Session()]
    pool = SessionPool(sessions, "test")

    async def go() -> list[Session]:
        return list(await asyncio.gather(*(pool.run(lambda s: s.work(None)) for _ in range(20))))

    assert len(asyncio.run(go())) == 20
    assert sum(s.calls for s in sessions) == 20


def test_pool_needs_a_session() -> None:
    with pytest.raises(ValueError, match="at least one session"):
        SessionPool([], "test")
