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


#: engines whose one-thread sessions run side by side in one process (ONNX graphs, one sequence per run,
#: thread-safe runtime); a replica of such an engine on CPU spreads its threads over parallel sessions
PARALLEL_SESSION_ENGINES = frozenset({"kokoro", "piper"})


@dataclass(frozen=True)
class ReplicaLayout:
    """How a model replica uses its CPU threads: ``sessions`` engines, ``threads`` intra-op threads each,
    and a lead session of ``lead_threads`` threads (0: none) that a stream's first chunk takes while the
    replica is otherwise idle."""

    sessions: int
    threads: int
    lead_threads: int = 0


def replica_layout(spec: VoiceModelSpec, device: str = "cpu") -> ReplicaLayout:
    """The replica's engines (pure).

    On CPU, a Kokoro or Piper replica runs one session of one intra-op thread per thread it is given:
    the chunks of concurrent requests, and the sentences of one request, run in parallel, one per core
    (for Kokoro at one text in flight: x1.18 the throughput of one two-thread session taking the
    sentences in turn, benchmarks/results/kokoro_peer.md); a one-thread session also never spin-waits,
    so the CPU time the replica shows is work done. With two threads or more it also holds a lead
    session of every thread: a stream's first chunk runs there, on all cores, when nothing else is
    running or waiting, so the first audio comes sooner (x1.5 for a Kokoro sentence on two threads).
    Other engines (batched ones, espeak-ng's subprocess) and GPU replicas keep one session with every
    thread.
    """
    threads = default_threads(spec)
    if device == "cpu" and spec.engine in PARALLEL_SESSION_ENGINES:
        return ReplicaLayout(sessions=threads, threads=1, lead_threads=threads if threads > 1 else 0)
    return ReplicaLayout(sessions=1, threads=threads)


def session_threads(spec: VoiceModelSpec, device: str = "cpu") -> int:
    """Intra-op threads of each engine session a replica runs."""
    return replica_layout(spec, device).threads


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
        enc = self.stream_encoder(job)
        reqs = job.requests()
        for i, r in enumerate(reqs):
            data = self.stream_piece(enc, self.chunk(r), job.speed, last=i == len(reqs) - 1)
            if data:
                yield data

    def stream_encoder(self, job: Job) -> Mp3StreamEncoder | None:
        """The encoder a stream feeds chunk by chunk (None for raw PCM)."""
        return Mp3StreamEncoder(self.rate, job.bitrate_kbps) if job.format == "mp3" else None

    def stream_piece(self, enc: Mp3StreamEncoder | None, pcm: PCM, speed: float, *, last: bool) -> bytes:
        """The bytes of one chunk of a stream (the pause after it included); the last one flushes."""
        if not last:
            pcm = np.concatenate([pcm, sentence_gap(self.rate, speed)])
        if enc is None:
            return float_to_int16(resample_linear(pcm, self.rate, PCM_RATE)).tobytes()
        data = enc.feed(pcm)
        return data + enc.flush() if last else data

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
            "kernels": i.extra.get("kernels"),
        }
