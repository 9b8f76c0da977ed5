"""The model deployment: one VoiceModel's engine sessions in a Serve replica.

Engine calls run on the replica's sessions (:func:`~voxray_runtime.serve.worker.replica_layout`): one
thread per session, each session used by one call at a time (engines are not re-entrant). The chunks of a
job are queued on them together, so the sentences of one request, and those of concurrent requests, run
side by side, first come first served. Encoding runs on its own thread so that it overlaps synthesis.
Engines that gain from batching get Serve's dynamic batching.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Generic, TypeVar, cast

from ray import serve

from voxray_runtime.audio.pcm import PCM
from voxray_runtime.engines.base import SynthesisRequest
from voxray_runtime.security.logs import configure_json_logging
from voxray_runtime.serve.worker import Job, ModelWorker, replica_layout
from voxray_runtime.spec.voicemodel import VoiceModelSpec

T = TypeVar("T")
W = TypeVar("W")


class SessionPool(Generic[W]):
    """Engine sessions (one ModelWorker each) shared by the replica's calls, one call per session at a time.

    As many threads as sessions take calls in the order they come; each borrows a free session. A call
    marked ``lead`` runs on the ``lead`` session (every core) instead, holding every other session, when
    it finds them all free and no call waiting; otherwise it runs like any other call.
    """

    def __init__(self, workers: Sequence[W], name: str, lead: W | None = None) -> None:
        if not workers:
            raise ValueError("a session pool needs at least one session")
        self.size = len(workers)
        self._free: list[W] = list(workers)
        self._lead = lead
        self._waiting = 0
        self._slots = threading.Condition()
        self._threads = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix=f"engine-{name}")
        #: calls that ran on the lead session (for tests and metrics)
        self.lead_calls = 0

    def _call(self, fn: Callable[[W], T], lead: bool, started: Callable[[], None] | None) -> T:
        with self._slots:
            wide = lead and self._lead is not None and len(self._free) == self.size and not self._waiting
            if wide:
                held, self._free = self._free, []
                self.lead_calls += 1
            else:
                self._waiting += 1
                while not self._free:
                    self._slots.wait()
                self._waiting -= 1
                held = [self._free.pop()]
        session = self._lead if wide and self._lead is not None else held[0]
        if started is not None:
            started()
        try:
            return fn(session)
        finally:
            with self._slots:
                self._free.extend(held)
                self._slots.notify_all()

    async def run(
        self, fn: Callable[[W], T], *, lead: bool = False, started: Callable[[], None] | None = None
    ) -> T:
        """``fn`` on a session; ``started`` is called (on the engine thread) once it has its session."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._call, fn, lead, started)


def _chunk(req: SynthesisRequest) -> Callable[[ModelWorker], PCM]:
    return lambda w: w.chunk(req)


class TTSModel:
    def __init__(self, name: str, spec: dict[str, Any], device: str = "cpu") -> None:
        configure_json_logging()
        model_spec = VoiceModelSpec.model_validate(spec)
        layout = replica_layout(model_spec, device)
        workers = [
            ModelWorker(name, model_spec, threads=layout.threads, device=device)
            for _ in range(layout.sessions)
        ]
        lead = (
            ModelWorker(name, model_spec, threads=layout.lead_threads, device=device)
            if layout.lead_threads
            else None
        )
        #: the first session: engine info, joining and encoding (free of engine state)
        self.worker = workers[0]
        self._sessions: SessionPool[ModelWorker] = SessionPool(workers, name, lead=lead)
        self._encode_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"encode-{name}")
        self._batched_engine = self.worker.engine.info.batched and model_spec.serving.max_batch_size > 1
        if self._batched_engine:
            batcher = cast(Any, self._batched)  # serve.batch adds these setters to the bound method
            batcher.set_max_batch_size(model_spec.serving.max_batch_size)
            batcher.set_batch_wait_timeout_s(model_spec.serving.batch_wait_timeout_s)
        self._queue = 0
        from ray.serve import metrics

        self._queue_gauge = metrics.Gauge(
            "voxray_model_queue_depth",
            description="Jobs in a model replica (running or waiting for the engine).",
        )

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.01)
    async def _batched(self, reqs: list[SynthesisRequest]) -> list[PCM]:
        return await self._sessions.run(lambda w: w.chunks_batch(reqs))

    async def _chunk(
        self, req: SynthesisRequest, *, lead: bool = False, started: Callable[[], None] | None = None
    ) -> PCM:
        if self._batched_engine:
            if started is not None:
                started()
            return await self._batched(req)
        return await self._sessions.run(_chunk(req), lead=lead, started=started)

    def _track(self, delta: int) -> None:
        self._queue += delta
        self._queue_gauge.set(float(self._queue))

    async def synthesize(self, payload: dict[str, Any]) -> dict[str, Any]:
        job = Job.from_payload(payload)
        self._track(1)
        try:
            t0 = time.perf_counter()
            parts = list(await asyncio.gather(*(self._chunk(r) for r in job.requests())))
            synth_s = time.perf_counter() - t0
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._encode_pool, self.worker.finish, job, parts, synth_s)
        finally:
            self._track(-1)

    async def stream(self, payload: dict[str, Any]) -> AsyncIterator[bytes]:
        job = Job.from_payload(payload)
        self._track(1)
        loop = asyncio.get_running_loop()
        reqs = job.requests()
        # the first chunk leads, on every core if the replica is idle; the others are queued as soon as it
        # has its session, so that they work ahead (beside it, or after it) while earlier chunks are sent
        has_session = asyncio.Event()

        def started() -> None:  # on the engine thread
            loop.call_soon_threadsafe(has_session.set)

        pending = [asyncio.ensure_future(self._chunk(reqs[0], lead=True, started=started))]
        waiter = asyncio.ensure_future(has_session.wait())
        try:
            await asyncio.wait([pending[0], waiter], return_when=asyncio.FIRST_COMPLETED)
            pending += [asyncio.ensure_future(self._chunk(r)) for r in reqs[1:]]
            enc = self.worker.stream_encoder(job)
            for i, fut in enumerate(pending):
                pcm = await fut
                last = i == len(pending) - 1
                piece = await loop.run_in_executor(
                    self._encode_pool, partial(self.worker.stream_piece, enc, pcm, job.speed, last=last)
                )
                if piece:
                    yield piece
        finally:
            waiter.cancel()
            for fut in pending:
                fut.cancel()  # a client gone: chunks not started yet are never synthesized
            self._track(-1)

    def info(self) -> dict[str, Any]:
        return self.worker.info()

    def ping(self) -> bool:
        return True

    def check_health(self) -> None:
        """Serve's health check: the engine must still be loaded."""
        if self.worker.engine is None:
            raise RuntimeError("engine not loaded")
