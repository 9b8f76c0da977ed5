"""How a model replica spreads its threads over engine sessions, and the pool that shares them."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.speech.layout import ReplicaLayout, replica_layout
from voxray_runtime.speech.sessions import SessionPool


@pytest.mark.parametrize(
    ("spec", "device", "layout"),
    [
        # CPU Kokoro / Piper: one one-thread session per thread, and a lead session of every thread
        ({"engine": "kokoro", "serving": {"threads": 2}}, "cpu", ReplicaLayout(2, 1, lead_threads=2)),
        ({"engine": "kokoro", "resources": {"cpu": 4}}, "cpu", ReplicaLayout(4, 1, lead_threads=4)),
        ({"engine": "kokoro", "resources": {"cpu": 0.25}}, "cpu", ReplicaLayout(1, 1, lead_threads=0)),
        ({"engine": "piper", "serving": {"threads": 3}}, "cpu", ReplicaLayout(3, 1, lead_threads=3)),
        # GPU replicas and espeak-ng (like batched engines) keep one session with every thread
        ({"engine": "kokoro", "serving": {"threads": 2}}, "cuda", ReplicaLayout(sessions=1, threads=2)),
        ({"engine": "espeak", "serving": {"threads": 2}}, "cpu", ReplicaLayout(sessions=1, threads=2)),
        ({"engine": "espeak"}, "cpu", ReplicaLayout(sessions=1, threads=1)),
    ],
)
def test_replica_layout(spec: dict[str, Any], device: str, layout: ReplicaLayout) -> None:
    assert replica_layout(VoiceModelSpec.model_validate(spec), device) == layout


def test_bundled_kokoro_runs_two_one_thread_sessions_and_a_lead() -> None:
    from voxray_runtime.models import default_models

    kokoro = next(m for m in default_models() if m.name == "kokoro")
    assert replica_layout(kokoro.spec) == ReplicaLayout(sessions=2, threads=1, lead_threads=2)


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


class Gate:
    """A call that holds its session until the test opens the gate."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, session: Session) -> Session:
        assert not session.busy
        session.busy = True
        try:
            self.entered.set()
            assert self.release.wait(timeout=30)
            return session
        finally:
            session.busy = False


def test_a_lead_call_on_an_idle_pool_takes_every_core() -> None:
    sessions, lead = [Session(), Session()], Session()
    pool = SessionPool(sessions, "test", lead=lead)
    gate = Gate()
    seen: list[str] = []

    async def go() -> tuple[Session, list[Session]]:
        first = asyncio.ensure_future(pool.run(gate, lead=True, started=lambda: seen.append("started")))
        await asyncio.to_thread(gate.entered.wait, 30)
        others = [asyncio.ensure_future(pool.run(lambda s: s.work(None))) for _ in range(3)]
        await asyncio.sleep(0.2)
        assert not any(o.done() for o in others), "a session ran beside the lead call"
        assert all(s.calls == 0 for s in sessions)
        gate.release.set()
        return await first, list(await asyncio.gather(*others))

    ran_on, after = asyncio.run(go())
    assert ran_on is lead
    assert pool.lead_calls == 1
    assert seen == ["started"]
    assert {id(s) for s in after} <= {id(s) for s in sessions}, "later calls run on the one-thread sessions"


def test_a_lead_call_beside_other_work_runs_like_any_call() -> None:
    sessions, lead = [Session(), Session()], Session()
    pool = SessionPool(sessions, "test", lead=lead)
    busy = Gate()

    async def go() -> Session:
        running = asyncio.ensure_future(pool.run(busy))
        await asyncio.to_thread(busy.entered.wait, 30)
        got = await pool.run(lambda s: s.work(None), lead=True)  # the other session is free: it runs there
        busy.release.set()
        await running
        return got

    got = asyncio.run(go())
    assert got in sessions
    assert got is not lead
    assert pool.lead_calls == 0


def test_a_pool_without_a_lead_session_ignores_lead() -> None:
    sessions = [Session()]
    pool = SessionPool(sessions, "test")

    async def go() -> Session:
        return await pool.run(lambda s: s.work(None), lead=True)

    assert asyncio.run(go()) is sessions[0]
    assert pool.lead_calls == 0
