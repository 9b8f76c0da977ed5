"""One VoiceModel's engine session plus assembly: the work a model replica does, free of Ray.

The Serve deployment holds several (:mod:`voxray_runtime.serve.model`); evaluation and benchmarks call
one directly in their own process.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from voxray_runtime.audio.pcm import PCM
from voxray_runtime.engines.base import Engine, SynthesisRequest
from voxray_runtime.engines.timing import Aligner
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.speech import assembly, publish
from voxray_runtime.speech.job import SpeechJob, SpeechResult
from voxray_runtime.speech.layout import default_threads


class ModelWorker:
    """An engine loaded for one VoiceModel; one caller at a time (engines are not re-entrant)."""

    def __init__(
        self, name: str, spec: VoiceModelSpec, *, threads: int | None = None, device: str = "cpu"
    ) -> None:
        from voxray_runtime.engines.registry import load_engine

        self.name = name
        self.spec = spec
        self.engine: Engine = load_engine(spec, threads=threads or default_threads(spec), device=device)
        self.rate = self.engine.info.sample_rate
        self._aligner: Aligner | bool | None = False  # False: not loaded yet
        #: each voice's own level, learnt from the files it spoke: the gain a stream of it starts with
        self.levels = publish.VoiceLevels()

    # ---- publish-ready jobs (word timing, loudness, captions: speech/publish.py) ---------------------
    def aligner(self) -> Aligner | None:
        """Whisper's forced alignment for engines that time no words themselves (espeak-ng), loaded on
        first need; None where the checker packages are not installed (words then share the audio by
        their letters)."""
        if self._aligner is False:
            try:
                from voxray_runtime.engines.timing.forced import ForcedAligner
                from voxray_runtime.evaluation.checkers import whisper_base_dir

                self._aligner = ForcedAligner.from_folder(whisper_base_dir(), threads=1)
            except (ImportError, RuntimeError, OSError):
                self._aligner = None
        return self._aligner if not isinstance(self._aligner, bool) else None

    def chunk_timed(self, req: SynthesisRequest, timed: bool = True) -> publish.TimedPart:
        own = hasattr(self.engine, "synthesize_timed")
        aligner = None if own or not timed else self.aligner()
        return publish.speak_timed(self.engine, req, aligner, timed=timed)

    def finish_timed(
        self, job: SpeechJob, parts: Sequence[publish.TimedPart], synth_s: float
    ) -> SpeechResult:
        assert job.publish is not None
        done = publish.publish(parts, self.rate, job.speed, job.publish, job.pauses())
        self.levels.note(job.speaker, done.source_loudness)
        return publish.result(done, job, synth_s, len(parts))

    def stream_loudness(self, job: SpeechJob) -> publish.StreamLoudness | None:
        """The stream's loudness (None: sent at the engine's level)."""
        if job.publish is None or job.publish.loudness is None:
            return None
        return publish.StreamLoudness(job.publish.loudness, self.rate, self.levels.get(job.speaker))

    # ---- per chunk ----------------------------------------------------------------------------------
    def chunk(self, req: SynthesisRequest) -> PCM:
        return assembly.speak(self.engine, req)

    def chunks_batch(self, reqs: Sequence[SynthesisRequest]) -> list[PCM]:
        return assembly.speak_batch(self.engine, reqs)

    # ---- whole jobs ---------------------------------------------------------------------------------
    def render(self, job: SpeechJob) -> assembly.Speech:
        """The job's speech, not encoded."""
        return assembly.render(self.engine, job)

    def run(self, job: SpeechJob) -> SpeechResult:
        if job.publish is not None:
            own = hasattr(self.engine, "synthesize_timed")
            aligner = None if own or not job.publish.timed else self.aligner()
            return publish.run(self.engine, job, aligner)
        return assembly.encode_speech(self.render(job), job)

    def finish(self, job: SpeechJob, parts: Sequence[PCM], synth_s: float) -> SpeechResult:
        """The result of a job whose chunks were synthesized elsewhere (on the replica's sessions)."""
        return assembly.encode_speech(
            assembly.assemble(parts, self.rate, job.speed, synth_s, job.pauses()), job
        )

    def stream(self, job: SpeechJob) -> Iterator[bytes]:
        """MP3 (or raw PCM) bytes, sentence by sentence: the first bytes leave after the first chunk."""
        out = assembly.StreamAssembler(self.rate, job)
        loud = self.stream_loudness(job)
        reqs = job.requests()
        for i, r in enumerate(reqs):
            pcm = self.chunk(r)
            data = out.piece(pcm if loud is None else loud.apply(pcm), last=i == len(reqs) - 1)
            if data:
                yield data

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
