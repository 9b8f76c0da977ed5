"""The model deployment: one VoiceModel's engine sessions in a Serve replica.

Engine calls run on the replica's sessions (:func:`~voxray_runtime.speech.layout.replica_layout`): one
thread per session, each session used by one call at a time (engines are not re-entrant). The chunks of a
job are queued on them together, so the sentences of one request, and those of concurrent requests, run
side by side, first come first served. Encoding runs on its own thread so that it overlaps synthesis.
Engines that gain from batching get Serve's dynamic batching. The replica takes a typed
:class:`~voxray_runtime.speech.job.SpeechJob` and answers a :class:`~voxray_runtime.speech.job.SpeechResult`
(or the bytes of a stream); audio is assembled by :mod:`voxray_runtime.speech.assembly`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, cast

from ray import serve

from voxray_runtime.api.idle import IdleTrigger
from voxray_runtime.audio.pcm import PCM
from voxray_runtime.engines.base import SynthesisRequest
from voxray_runtime.security.logs import configure_json_logging
from voxray_runtime.serve.heap import release_heap
from voxray_runtime.serve.priority import lower_engine_priority
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.speech.assembly import StreamAssembler
from voxray_runtime.speech.job import SpeechJob, SpeechResult
from voxray_runtime.speech.layout import replica_layout
from voxray_runtime.speech.publish import TimedPart
from voxray_runtime.speech.sessions import SessionPool
from voxray_runtime.speech.worker import ModelWorker


def _chunk(req: SynthesisRequest) -> Callable[[ModelWorker], PCM]:
    return lambda w: w.chunk(req)


class TTSModel:
    def __init__(self, name: str, spec: VoiceModelSpec, device: str = "cpu") -> None:
        """``spec`` comes validated from the app builder (it is not parsed again here)."""
        lower_engine_priority()  # voxray serve on a shared machine: the front end first
        configure_json_logging()
        layout = replica_layout(spec, device)
        workers = [
            ModelWorker(name, spec, threads=layout.threads, device=device) for _ in range(layout.sessions)
        ]
        lead = (
            ModelWorker(name, spec, threads=layout.lead_threads, device=device)
            if layout.lead_threads
            else None
        )
        #: the first session: engine info, joining and encoding (free of engine state)
        self.worker = workers[0]
        self._sessions: SessionPool[ModelWorker] = SessionPool(workers, name, lead=lead)
        self._encode_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"encode-{name}")
        self._batched_engine = self.worker.engine.info.batched and spec.serving.max_batch_size > 1
        if self._batched_engine:
            batcher = cast(Any, self._batched)  # serve.batch adds these setters to the bound method
            batcher.set_max_batch_size(spec.serving.max_batch_size)
            batcher.set_batch_wait_timeout_s(spec.serving.batch_wait_timeout_s)
        self._queue = 0
        # after a burst, the heap its buffers took goes back to the OS once the replica is quiet
        self._idle = IdleTrigger(release_heap)
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

    async def _chunk_timed(self, req: SynthesisRequest, timed: bool) -> TimedPart:
        return await self._sessions.run(lambda w: w.chunk_timed(req, timed))

    def _track(self, delta: int) -> None:
        self._queue += delta
        self._queue_gauge.set(float(self._queue))
        if delta > 0:
            self._idle.enter()
        else:
            self._idle.exit()

    async def synthesize(self, job: SpeechJob) -> SpeechResult:
        self._track(1)
        try:
            t0 = time.perf_counter()
            loop = asyncio.get_running_loop()
            if job.publish is not None:  # word timing, loudness, captions (speech/publish.py)
                want = job.publish.timed
                timed = list(await asyncio.gather(*(self._chunk_timed(r, want) for r in job.requests())))
                synth_s = time.perf_counter() - t0
                return await loop.run_in_executor(
                    self._encode_pool, self.worker.finish_timed, job, timed, synth_s
                )
            parts = list(await asyncio.gather(*(self._chunk(r) for r in job.requests())))
            synth_s = time.perf_counter() - t0
            return await loop.run_in_executor(self._encode_pool, self.worker.finish, job, parts, synth_s)
        finally:
            self._track(-1)

    async def stream(self, job: SpeechJob) -> AsyncIterator[bytes]:
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
            out = StreamAssembler(self.worker.rate, job)
            loud = self.worker.stream_loudness(job)  # one gain per voice, held (speech/publish.py)
            for i, fut in enumerate(pending):
                pcm = await fut
                last = i == len(pending) - 1
                if loud is not None:
                    pcm = await loop.run_in_executor(self._encode_pool, loud.apply, pcm)
                piece = await loop.run_in_executor(self._encode_pool, partial(out.piece, pcm, last=last))
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
