"""Arabic intelligibility per avatar: Whisper base CER on the evaluation's held-in sentences (v1), for
each of the six Arabic avatars as the catalog resolves them, under ``bounds.MAX_ARABIC_CER``; and the
bound fails on broken speech (the same audio reversed in time)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from voxray_runtime.evaluation import bounds
from voxray_runtime.evaluation import metrics as m
from voxray_runtime.evaluation.checkers import Recognizer, to_16k
from voxray_runtime.evaluation.corpus import load_sentence_set
from voxray_runtime.evaluation.rendering import synthesize
from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.speech.worker import ModelWorker
from voxray_runtime.voices import ALL_AVATARS, VoiceBinding, parse_avatar

pytestmark = pytest.mark.quality

ARABIC = [a.name for a in ALL_AVATARS if a.language == "ar"]
Renders = list[tuple[str, npt.NDArray[np.float32]]]


@pytest.fixture(scope="module")
def arabic(whisper_base: Recognizer) -> dict[str, tuple[VoiceBinding, Renders, float]]:
    """Per avatar: its binding, (reference, 16 kHz audio) per sentence, and the CER. Avatars sharing a
    voice (the three dialects) share the renders: the audio is the same."""
    models = default_models()
    catalog = catalog_for(models)
    texts = [s.text("ar") for s in load_sentence_set().sentences]
    workers: dict[str, ModelWorker] = {}
    by_voice: dict[tuple[str, str], tuple[Renders, float]] = {}
    out = {}
    for name in ARABIC:
        b = catalog.resolve(parse_avatar(name))
        if (b.model, b.speaker) not in by_voice:
            spec = next(x.spec for x in models if x.name == b.model)
            worker = workers.setdefault(b.model, ModelWorker(b.model, spec, threads=2))
            renders = [(t, to_16k(synthesize(worker, b, t)[0], worker.rate)) for t in texts]
            by_voice[(b.model, b.speaker)] = (renders, arabic_cer(whisper_base, renders))
        renders, cer = by_voice[(b.model, b.speaker)]
        out[name] = (b, renders, cer)
    return out


def arabic_cer(recognizer: Recognizer, renders: Renders) -> float:
    pairs = [
        (m.scoring_form(ref, "ar"), m.scoring_form(recognizer.transcribe(pcm, "ar"), "ar", hypothesis=True))
        for ref, pcm in renders
    ]
    return m.error_rates(pairs).cer


@pytest.mark.parametrize("avatar", ARABIC)
def test_arabic_avatar_is_intelligible(
    arabic: dict[str, tuple[VoiceBinding, Renders, float]], avatar: str
) -> None:
    binding, _, cer = arabic[avatar]
    assert binding.engine == "kokoro"
    assert binding.fallback == "Hindi-accented Modern Standard Arabic, no dialect"
    assert bounds.arabic_failures(cer) == [], f"{avatar} ({binding.speaker})"


def test_guard_catches_unintelligible_arabic(
    arabic: dict[str, tuple[VoiceBinding, Renders, float]], whisper_base: Recognizer
) -> None:
    _, renders, _ = arabic["female_ar-SA"]
    reversed_speech = [(ref, np.ascontiguousarray(pcm[::-1])) for ref, pcm in renders[:2]]
    assert bounds.arabic_failures(arabic_cer(whisper_base, reversed_speech))
