"""Speech for the evaluation, made exactly as the service makes it: an in-process
:class:`~voxray_runtime.speech.worker.ModelWorker`, the binding the catalog resolves, and the job's chunks,
trims and pauses from :mod:`voxray_runtime.speech.assembly`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voxray_runtime.evaluation.corpus import SentenceSet
from voxray_runtime.speech.job import SpeechJob
from voxray_runtime.speech.worker import ModelWorker
from voxray_runtime.voices import VoiceBinding


@dataclass
class Render:
    sentence: str
    text: str
    pcm: npt.NDArray[np.float32]
    rate: int
    synth_s: float


def synthesize(
    worker: ModelWorker, binding: VoiceBinding, text: str
) -> tuple[npt.NDArray[np.float32], float]:
    """The avatar's speech for a text as the service makes it (chunks, trims, pauses), and the seconds the
    engine took."""
    speech = worker.render(SpeechJob.for_text(binding, text, format="wav"))
    return speech.pcm, speech.synth_s


def render_all(
    worker: ModelWorker, binding: VoiceBinding, sentences: SentenceSet, language: str | None = None
) -> list[Render]:
    """Every sentence in the binding's language (or ``language``), after one warm-up call."""
    lang = language or binding.avatar.language
    synthesize(worker, binding, "1")  # warm-up: a speaker's first call loads its style / voice
    out = []
    for s in sentences.sentences:
        pcm, secs = synthesize(worker, binding, s.text(lang))
        out.append(Render(s.id, s.text(lang), pcm, worker.rate, secs))
    return out
