"""The speech-recognition deployment (``STT-<name>``) of a TranscriptionModel: Whisper through
faster-whisper, one loaded model per replica running ``serving.maxConcurrent`` transcriptions at once
(its threads are the replica's), behind the ingress's ``POST /v1/audio/transcriptions``. Uploads are
decoded and checked at the ingress; the replica gets 16 kHz samples.

Its instruments (``ray_`` prefixed on the metrics port): transcriptions by status, their latency in the
replica, seconds of audio transcribed, and transcriptions in flight.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.api.metrics import LATENCY_BOUNDARIES, tag_keys
from voxray_runtime.engines.stt import Transcript
from voxray_runtime.engines.stt.load import load_transcriber
from voxray_runtime.security.logs import configure_json_logging
from voxray_runtime.serve.args import TranscriptionModelArgs
from voxray_runtime.serve.priority import lower_engine_priority


class STTModel:
    def __init__(self, args: TranscriptionModelArgs) -> None:
        lower_engine_priority()  # voxray serve on a shared machine: the front end first
        configure_json_logging()
        spec = args.spec
        self.model = load_transcriber(args.name, spec)
        self.name = args.name
        self.model_id = spec.model_id(args.name)
        self._pool = ThreadPoolExecutor(max_workers=spec.serving.max_concurrent, thread_name_prefix="stt")
        from ray.serve import metrics

        tags = tag_keys("model")
        self._audio = metrics.Counter(
            "voxray_stt_audio_seconds_total", description="Seconds of audio transcribed.", tag_keys=tags
        )
        self._requests = metrics.Counter(
            "voxray_stt_requests_total",
            description="Transcriptions by model and outcome (ok, error).",
            tag_keys=tag_keys("model", "status"),
        )
        self._latency = metrics.Histogram(
            "voxray_stt_latency_seconds",
            description="Time a replica takes to transcribe one upload (decoded samples in, text out).",
            boundaries=LATENCY_BOUNDARIES,
            tag_keys=tags,
        )
        self._inflight = metrics.Gauge(
            "voxray_stt_inflight",
            description="Transcriptions running or waiting in the replica.",
            tag_keys=tags,
        )
        self._inflight_n = 0

    async def transcribe(self, pcm: npt.NDArray[np.float32], options: dict[str, Any]) -> Transcript:
        loop = asyncio.get_running_loop()
        tags = {"model": self.model_id}
        self._inflight_n += 1
        self._inflight.set(float(self._inflight_n), tags=tags)
        started = time.monotonic()
        status = "error"
        try:
            out = await loop.run_in_executor(self._pool, lambda: self.model.transcribe(pcm, **options))
            status = "ok"
        finally:
            self._inflight_n -= 1
            self._inflight.set(float(self._inflight_n), tags=tags)
            self._requests.inc(1.0, tags={"model": self.model_id, "status": status})
            self._latency.observe(time.monotonic() - started, tags=tags)
        self._audio.inc(out.duration, tags=tags)
        return out

    def info(self) -> dict[str, Any]:
        return {"id": self.model_id, "engine": "faster-whisper", "limits": self.model.limits.__dict__}

    def ping(self) -> bool:
        return True
