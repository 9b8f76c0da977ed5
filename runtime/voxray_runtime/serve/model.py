"""The model deployment: one VoiceModel's engine in a Serve replica.

Engine calls run on one dedicated thread per replica (engines are not re-entrant, and their own
intra-op threads already use the replica's CPUs); encoding runs on a second thread so that it
overlaps the next synthesis. Engines that gain from batching get Serve's dynamic batching.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from ray import serve

from voxray_runtime.audio.pcm import PCM
from voxray_runtime.engines.base import SynthesisRequest
from voxray_runtime.security.logs import configure_json_logging
from voxray_runtime.serve.worker import Job, ModelWorker
from voxray_runtime.spec.voicemodel import VoiceModelSpec


class TTSModel:
    def __init__(self, name: str, spec: dict[str, Any], device: str = "cpu") -> None:
        configure_json_logging()
        model_spec = VoiceModelSpec.model_validate(spec)
        self.worker = ModelWorker(name, model_spec, device=device)
        self._engine_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"engine-{name}")
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
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._engine_pool, self.worker.chunks_batch, reqs)

    async def _chunk(self, req: SynthesisRequest) -> PCM:
        if self._batched_engine:
            return await self._batched(req)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._engine_pool, self.worker.chunk, req)

    def _track(self, delta: int) -> None:
        self._queue += delta
        self._queue_gauge.set(float(self._queue))

    async def synthesize(self, payload: dict[str, Any]) -> dict[str, Any]:
        job = Job.from_payload(payload)
        self._track(1)
        try:
            t0 = time.perf_counter()
            if self._batched_engine:
                parts = list(await asyncio.gather(*(self._chunk(r) for r in job.requests())))
            else:
                parts = [await self._chunk(r) for r in job.requests()]
            synth_s = time.perf_counter() - t0
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._encode_pool, self.worker.finish, job, parts, synth_s)
        finally:
            self._track(-1)

    async def stream(self, payload: dict[str, Any]) -> AsyncIterator[bytes]:
        job = Job.from_payload(payload)
        self._track(1)
        try:
            loop = asyncio.get_running_loop()
            gen = self.worker.stream(job)
            sentinel = object()
            while True:
                piece = await loop.run_in_executor(self._engine_pool, next, gen, sentinel)
                if piece is sentinel:
                    break
                assert isinstance(piece, bytes)
                yield piece
        finally:
            self._track(-1)

    def info(self) -> dict[str, Any]:
        return self.worker.info()

    def ping(self) -> bool:
        return True

    def check_health(self) -> None:
        """Serve's health check: the engine must still be loaded."""
        if self.worker.engine is None:
            raise RuntimeError("engine not loaded")
