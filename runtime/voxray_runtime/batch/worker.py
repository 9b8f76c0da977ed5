"""The synthesis worker: engines loaded once per process, one file rendered per call.

``render_one`` is the whole per-file path (text -> speech job -> engine -> PCM -> encoded bytes ->
atomic write -> manifest entry) and knows nothing of Ray; the audio is assembled and encoded by
:mod:`voxray_runtime.speech.assembly`, as the service does it. ``SynthWorker`` wraps it as a Ray actor
(the pool design); ``render_task`` as a stateless Ray task with a per-process engine cache (the task
design the benchmark compares it with).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from math import inf
from typing import Any

import numpy as np

from voxray_runtime.audio.loudness import LoudnessTarget
from voxray_runtime.batch.lexicon import lexicon_row
from voxray_runtime.batch.plan import WorkItem
from voxray_runtime.batch.publishing import aligner_for, caption_name, publish_fields
from voxray_runtime.batch.qa_check import checked_render, recognizer
from voxray_runtime.engines.base import Engine
from voxray_runtime.models import NamedModel
from voxray_runtime.speech.assembly import encode_speech, render
from voxray_runtime.speech.job import SpeechJob
from voxray_runtime.speech.markup import job_for_segments
from voxray_runtime.speech.publish import Publish
from voxray_runtime.speech.publish import run as publish_job
from voxray_runtime.storage.store import store_output
from voxray_runtime.text.pronounce import apply_pronunciations
from voxray_runtime.text.segments import Segment, TextSegment, plain_text
from voxray_runtime.text.ssml import parse_ssml
from voxray_runtime.voices.catalog import VoiceBinding


@dataclass(frozen=True)
class RenderSettings:
    output_dir: str
    format: str
    bitrate_kbps: int | None
    speed: float
    threads: int
    device: str = "cpu"
    #: caption formats written beside each file; the loudness target (None: the engine's own level)
    captions: tuple[str, ...] = ()
    loudness: LoudnessTarget | None = None
    #: the quality check: None off, else the per-language CER bounds the batch gives (batch/quality.py)
    quality: dict[str, float] | None = None


@dataclass(frozen=True)
class RenderResult:
    name: str
    ok: bool
    attempt: int
    worker: str
    pid: int
    node: str
    #: the worker process's cumulative CPU seconds (all threads, children) right after this file
    cpu_seconds: float
    #: the same right before this call started (the baseline for a process the driver sees first here)
    cpu_start_seconds: float
    #: the manifest entry, when ok
    entry: dict[str, Any] = field(default_factory=dict)
    error_type: str = ""
    error: str = ""


def process_cpu_seconds() -> float:
    """User + system CPU of this process (every thread) and of its finished children (espeak-ng runs
    as a subprocess)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def node_id() -> str:
    """The Ray node this process runs on (hostname outside Ray): tells the driver whether it can read
    this process's CPU time itself."""
    try:
        ray: Any = importlib.import_module("ray")
        if ray.is_initialized():
            return str(ray.get_runtime_context().get_node_id())
    except Exception:
        pass
    return socket.gethostname()


def load_engines(models: Sequence[NamedModel], threads: int, device: str = "cpu") -> dict[str, Engine]:
    from voxray_runtime.engines.registry import load_engine

    return {m.name: load_engine(m.spec, threads=threads, device=device) for m in models}


def warm_finishing(settings: RenderSettings) -> None:
    """Normalise one second of noise when the worker loads its engines: the imports (pyloudnorm,
    scipy.signal) and first-call set-up are a once-per-process cost that would otherwise land on the
    first file's loudness step."""
    if settings.loudness is not None or settings.captions:
        from voxray_runtime.audio.loudness import normalize

        noise = np.random.default_rng(0).standard_normal(24000).astype(np.float32) * 0.1
        normalize(noise, 24000, settings.loudness)


def engine_for(engines: Mapping[str, Engine], binding: VoiceBinding) -> Engine:
    try:
        return engines[binding.model]
    except KeyError:
        raise KeyError(f"model {binding.model} is not loaded here") from None


def speech_job(work: WorkItem, settings: RenderSettings) -> tuple[SpeechJob, str]:
    """The job for ``work`` and the text its captions show. An SSML text goes through the same parser and
    segment job as /v1/speech (breaks as silences, phonemes, languages), captioned by its text content; the
    lexicon entries the text uses are applied to its segments."""
    binding = work.binding
    options: dict[str, Any] = {
        "speed": settings.speed,
        "format": settings.format,
        "bitrate_kbps": settings.bitrate_kbps or 64,
        "request_id": work.id,
    }
    if work.text_type != "ssml" and not work.entries:
        return SpeechJob.for_text(binding, work.text, **options), work.text
    segments: list[Segment]
    if work.text_type == "ssml":
        segments = list(parse_ssml(work.text, binding.avatar.language, binding.avatar.dialect))
        written = plain_text(segments)
    else:
        segments = [TextSegment(work.text, binding.avatar.language, binding.avatar.dialect)]
        written = work.text
    if work.entries:
        segments = list(apply_pronunciations(segments, work.entries))
    return job_for_segments(binding, segments, chars=len(work.text), **options), written


def render_one(
    engines: Mapping[str, Engine], work: WorkItem, settings: RenderSettings, *, attempt: int, worker: str
) -> dict[str, Any]:
    """Render ``work`` into its file (atomically) and return its manifest entry, checked by speech
    recognition when the batch asks (batch/qa_check.py). Raises on failure."""

    def once() -> tuple[dict[str, Any], bytes]:
        return render_file(engines, work, settings, attempt=attempt, worker=worker)

    if settings.quality is None:
        return once()[0]
    return checked_render(once, work, settings.quality, settings.threads, process_cpu_seconds)


def render_file(
    engines: Mapping[str, Engine], work: WorkItem, settings: RenderSettings, *, attempt: int, worker: str
) -> tuple[dict[str, Any], bytes]:
    """Render ``work`` into its file (atomically): its manifest entry and the bytes written."""
    t0, cpu0 = time.perf_counter(), process_cpu_seconds()
    binding = work.binding
    engine = engine_for(engines, binding)
    job, written = speech_job(work, settings)
    if settings.captions or settings.loudness is not None:  # publish-ready: timing, loudness, captions
        lang, dialect = binding.avatar.language, binding.avatar.dialect
        spec = Publish(written, lang, dialect, settings.loudness, settings.captions)
        out = publish_job(engine, replace(job, publish=spec), aligner_for(engine, spec))
        source = out.source_loudness
        if out.duration_s == 0 or source is None or source.integrated_lufs == -inf:
            raise RuntimeError(f"engine {binding.engine} produced no audible audio")
    else:
        speech = render(engine, job)
        if speech.pcm.size == 0 or not np.any(np.abs(speech.pcm) > 1e-3):
            raise RuntimeError(f"engine {binding.engine} produced no audible audio")
        out = encode_speech(speech, job)
    data = out.audio
    t2 = time.perf_counter()
    store_output(settings.output_dir, work.name, data)
    captions = {fmt: caption_name(work.name, fmt) for fmt in out.captions}
    for fmt, name in captions.items():  # after the audio: a file counts only when its captions exist
        store_output(settings.output_dir, name, out.captions[fmt].encode("utf-8"))
    t3 = time.perf_counter()
    voice = binding.describe()
    entry = {
        "name": work.name,
        "index": work.index,
        "id": work.id,
        **voice,
        "engine_language": binding.engine_language,
        "duration_s": round(out.duration_s, 3),
        "sample_rate": out.sample_rate,
        "chunks": out.chunks,
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "text_sha256": work.text_sha256,
        "format": settings.format,
        "bitrate_kbps": settings.bitrate_kbps,
        "speed": settings.speed,
        "timings": {
            "synth_s": round(out.synth_s, 4),
            "encode_s": round(out.encode_s, 4),
            "write_s": round(t3 - t2, 4),
            "total_s": round(t3 - t0, 4),
            "cpu_s": round(process_cpu_seconds() - cpu0, 4),
            **{f"{step}_cpu_s": round(spent, 4) for step, spent in out.steps_cpu.items()},
        },
        "attempts": attempt,
        "worker": worker,
        **publish_fields(out, captions, settings.loudness),
        **lexicon_row(work),
    }
    return entry, data


def guarded_render(
    engines: Mapping[str, Engine], work: WorkItem, settings: RenderSettings, *, attempt: int, worker: str
) -> RenderResult:
    """``render_one`` with every exception turned into a failed result (type and message kept)."""
    return _guarded(engines, work, settings, attempt=attempt, worker=worker, cpu_start=process_cpu_seconds())


def _guarded(
    engines: Mapping[str, Engine],
    work: WorkItem,
    settings: RenderSettings,
    *,
    attempt: int,
    worker: str,
    cpu_start: float,
) -> RenderResult:
    pid, node = os.getpid(), node_id()
    try:
        entry = render_one(engines, work, settings, attempt=attempt, worker=worker)
    except Exception as exc:
        return RenderResult(
            work.name, False, attempt, worker, pid, node, process_cpu_seconds(), cpu_start,
            error_type=type(exc).__name__, error=str(exc) or repr(exc),
        )  # fmt: skip
    return RenderResult(
        work.name, True, attempt, worker, pid, node, process_cpu_seconds(), cpu_start, entry=entry
    )


class SynthWorker:
    """One pool worker (a Ray actor): loads the batch's engines once, renders file after file."""

    def __init__(self, worker_id: int, models: Sequence[NamedModel], settings: RenderSettings) -> None:
        t0 = time.perf_counter()
        self.settings = settings
        self.engines = load_engines(models, settings.threads, settings.device)
        warm_finishing(settings)
        if settings.quality is not None:  # the checker loads with the engines, not on the first file
            recognizer(settings.threads)
        self.load_seconds = time.perf_counter() - t0
        self.name = f"w{worker_id}@{socket.gethostname()}:{os.getpid()}"

    def info(self) -> dict[str, Any]:
        return {
            "worker": self.name,
            "pid": os.getpid(),
            "node": node_id(),
            "load_seconds": round(self.load_seconds, 3),
            "cpu_seconds": process_cpu_seconds(),
        }

    def render(self, work: WorkItem, attempt: int) -> RenderResult:
        return guarded_render(self.engines, work, self.settings, attempt=attempt, worker=self.name)


#: engines of this worker process, per (models, threads): what Ray tasks reuse between calls
_ENGINE_CACHE: dict[tuple[tuple[str, ...], int, str], dict[str, Engine]] = {}


def render_task(
    models: Sequence[NamedModel], settings: RenderSettings, work: WorkItem, attempt: int
) -> RenderResult:
    """The task design: a stateless call; engines cached in the (reused) worker process."""
    cpu_start = process_cpu_seconds()
    key = (tuple(m.name for m in models), settings.threads, settings.device)
    engines = _ENGINE_CACHE.get(key)
    if engines is None:
        engines = _ENGINE_CACHE[key] = load_engines(models, settings.threads, settings.device)
        warm_finishing(settings)
    worker = f"task@{socket.gethostname()}:{os.getpid()}"
    return _guarded(engines, work, settings, attempt=attempt, worker=worker, cpu_start=cpu_start)
