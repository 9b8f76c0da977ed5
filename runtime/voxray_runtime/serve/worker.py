"""One VoiceModel's engine plus encoding: the work a model replica does, free of Ray.

The Serve deployment wraps it; benchmarks call it directly in one process for the side-by-side ratio.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voxray_runtime.audio.encode import Mp3StreamEncoder, encode, float_to_int16
from voxray_runtime.audio.pcm import (
    PCM,
    SENTENCE_PAUSE_S,
    concat_with_pauses,
    duration_seconds,
    resample_linear,
    trim_silence,
)
from voxray_runtime.engines.base import Engine, SynthesisRequest
from voxray_runtime.pipeline import sentence_gap, speak
from voxray_runtime.spec.voicemodel import VoiceModelSpec

#: OpenAI's ``pcm`` format: 24 kHz signed 16-bit little-endian mono
PCM_RATE = 24000


@dataclass(frozen=True)
class Job:
    """A job as a replica receives it (the payload of api.service.SynthesisJob)."""

    speaker: str
    engine_language: str
    chunks: list[str]
    speed: float
    format: str
    bitrate_kbps: int
    request_id: str = ""

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Job:
        return cls(
            speaker=str(payload["speaker"]),
            engine_language=str(payload["engine_language"]),
            chunks=[str(c) for c in payload["chunks"]],
            speed=float(payload["speed"]),
            format=str(payload["format"]),
            bitrate_kbps=int(payload["bitrate_kbps"]),
            request_id=str(payload.get("request_id", "")),
        )

    def requests(self) -> list[SynthesisRequest]:
        return [SynthesisRequest(c, self.speaker, self.engine_language, self.speed) for c in self.chunks]


def default_threads(spec: VoiceModelSpec) -> int:
    """Intra-op threads: the spec's, else the CPUs given to the replica (at least one)."""
    if spec.serving.threads:
        return spec.serving.threads
    return max(1, round(spec.resources.cpu))


class ModelWorker:
    def __init__(
        self, name: str, spec: VoiceModelSpec, *, threads: int | None = None, device: str = "cpu"
    ) -> None:
        from voxray_runtime.engines.registry import load_engine

        self.name = name
        self.spec = spec
        self.engine: Engine = load_engine(spec, threads=threads or default_threads(spec), device=device)
        self.rate = self.engine.info.sample_rate

    # ---- per chunk ----------------------------------------------------------------------------------
    def chunk(self, req: SynthesisRequest) -> PCM:
        return speak(self.engine, req)

    def chunks_batch(self, reqs: Sequence[SynthesisRequest]) -> list[PCM]:
        return [
            trim_silence(np.asarray(p, dtype=np.float32), self.rate)
            for p in self.engine.synthesize_batch(reqs)
        ]

    def join(self, parts: Sequence[PCM], speed: float) -> PCM:
        return concat_with_pauses(parts, self.rate, SENTENCE_PAUSE_S / max(speed, 0.25))

    # ---- whole jobs ---------------------------------------------------------------------------------
    def encode(self, pcm: PCM, fmt: str, bitrate_kbps: int) -> tuple[bytes, int]:
        if fmt == "pcm":
            return float_to_int16(resample_linear(pcm, self.rate, PCM_RATE)).tobytes(), PCM_RATE
        return encode(pcm, self.rate, fmt, bitrate_kbps), self.rate

    def run(self, job: Job) -> dict[str, Any]:
        t0 = time.perf_counter()
        parts = [self.chunk(r) for r in job.requests()]
        return self.finish(job, parts, time.perf_counter() - t0)

    def finish(self, job: Job, parts: Sequence[PCM], synth_s: float) -> dict[str, Any]:
        pcm = self.join(parts, job.speed)
        t1 = time.perf_counter()
        audio, rate = self.encode(pcm, job.format, job.bitrate_kbps)
        return {
            "audio": audio,
            "sample_rate": rate,
            "duration_s": duration_seconds(pcm, self.rate),
            "synth_s": synth_s,
            "encode_s": time.perf_counter() - t1,
            "chunks": len(parts),
        }

    def stream(self, job: Job) -> Iterator[bytes]:
        """MP3 (or raw PCM) bytes, sentence by sentence: the first bytes leave after the first chunk."""
        enc = Mp3StreamEncoder(self.rate, job.bitrate_kbps) if job.format == "mp3" else None
        reqs = job.requests()
        for i, r in enumerate(reqs):
            pcm = self.chunk(r)
            if i < len(reqs) - 1:
                pcm = np.concatenate([pcm, sentence_gap(self.rate, job.speed)])
            if enc is not None:
                data = enc.feed(pcm)
            else:
                data = float_to_int16(resample_linear(pcm, self.rate, PCM_RATE)).tobytes()
            if data:
                yield data
        if enc is not None:
            tail = enc.flush()
            if tail:
                yield tail

    def info(self) -> dict[str, Any]:
        i = self.engine.info
        return {
            "id": self.name,
            "engine": i.name,
            "quantization": i.quantization,
            "sample_rate": i.sample_rate,
            "languages": sorted(i.languages),
            "device": i.device,
            "weights": i.weights,
            "license": i.license,
            "batched": i.batched,
        }
