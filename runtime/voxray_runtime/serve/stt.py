"""The speech-recognition deployment (``STT-<name>``): Whisper through faster-whisper, one model per
replica, one transcription at a time per replica (its threads are the replica's), behind the ingress's
``POST /v1/audio/transcriptions``. Uploads are decoded and checked at the ingress; the replica gets
16 kHz samples."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.engines.stt import AudioLimits, Transcript, WhisperTranscriber
from voxray_runtime.security.logs import configure_json_logging
from voxray_runtime.serve.args import SttArgs
from voxray_runtime.serve.priority import lower_engine_priority


class STTModel:
    def __init__(self, args: SttArgs) -> None:
        lower_engine_priority()  # voxray serve on a shared machine: the front end first
        configure_json_logging()
        limits = AudioLimits(args.max_bytes, args.max_seconds)
        if args.path:
            self.model = WhisperTranscriber(
                Path(args.path), name=args.name, threads=args.threads, limits=limits
            )
        else:
            self.model = WhisperTranscriber.packaged(name=args.name, threads=args.threads, limits=limits)
        self.name = args.name
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stt")
        from ray.serve import metrics

        self._audio = metrics.Counter(
            "voxray_stt_audio_seconds", description="Seconds of audio transcribed.", tag_keys=("model",)
        )

    async def transcribe(self, pcm: npt.NDArray[np.float32], options: dict[str, Any]) -> Transcript:
        loop = asyncio.get_running_loop()
        out = await loop.run_in_executor(self._pool, lambda: self.model.transcribe(pcm, **options))
        self._audio.inc(out.duration, tags={"model": self.name})
        return out

    def info(self) -> dict[str, Any]:
        return {"id": self.name, "engine": "faster-whisper", "limits": self.model.limits.__dict__}

    def ping(self) -> bool:
        return True
