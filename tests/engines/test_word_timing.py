"""Word timing of the real engines: the same audio with timing as without, and word times against an
independent aligner (Whisper base aligning the known text by its cross-attention), sentence after
sentence through the same chunking, trimming and pauses as the speech path."""

from __future__ import annotations

import itertools
import statistics

import numpy as np
import pytest

from voxray_runtime.audio.pcm import PCM
from voxray_runtime.captions.words import TimedWord
from voxray_runtime.engines.espeak import EspeakEngine
from voxray_runtime.engines.kokoro import KokoroEngine
from voxray_runtime.engines.piper import PiperEngine
from voxray_runtime.engines.timing import place, synthesize_timed, trim_timed
from voxray_runtime.engines.timing.forced import ForcedAligner
from voxray_runtime.evaluation.checkers import whisper_base_dir
from voxray_runtime.speech.assembly import sentence_gap
from voxray_runtime.text import prepare

pytestmark = pytest.mark.slow

#: held-in sentences (two each: timing must hold across the sentence boundary)
SENTENCES = {
    "en": "Welcome to the Grand Azure Resort, where every room faces the sea. Breakfast is served from seven until ten.",
    "es": "Bienvenidos al hotel, donde cada habitación tiene vista al mar. El desayuno se sirve de siete a diez.",
    "hi": "हमारे होटल में आपका स्वागत है, हर कमरे से समुद्र दिखता है। नाश्ता सात बजे से दस बजे तक मिलता है।",
}
KOKORO_VOICES = {"en": ("af_heart", "en-us"), "es": ("ef_dora", "es"), "hi": ("hf_alpha", "hi")}


@pytest.fixture(scope="module")
def kokoro() -> KokoroEngine:
    return KokoroEngine.packaged(threads=2)


@pytest.fixture(scope="module")
def aligner() -> ForcedAligner:
    return ForcedAligner.from_folder(whisper_base_dir(), threads=2)


def speak(
    engine: object,
    text: str,
    language: str,
    speaker: str,
    engine_language: str,
    aligner: ForcedAligner | None,
) -> tuple[PCM, list[TimedWord], set[str]]:
    """The speech path's assembly: chunks timed, trimmed, joined with the sentence pause, placed."""
    rate = engine.info.sample_rate  # type: ignore[attr-defined]
    chunks = prepare(text, language)
    pieces: list[tuple[list[TimedWord], int]] = []
    audio: list[PCM] = []
    sources = set()
    for i, chunk in enumerate(chunks):
        pcm, words, source = synthesize_timed(
            engine, chunk, speaker=speaker, language=engine_language, aligner=aligner
        )  # type: ignore[arg-type]
        sources.add(source)
        pcm, words = trim_timed(pcm, words, rate)
        if i < len(chunks) - 1:
            pcm = np.concatenate([pcm, sentence_gap(rate)])
        pieces.append((words, pcm.size))
        audio.append(pcm)
    return np.concatenate(audio), place(pieces, rate), sources


def errors(words: list[TimedWord], reference: list[TimedWord]) -> list[float]:
    assert [w.text for w in words] == [w.text for w in reference]
    return [abs(a.start - b.start) for a, b in zip(words, reference, strict=True)] + [
        abs(a.end - b.end) for a, b in zip(words, reference, strict=True)
    ]


def reference_words(
    aligner: ForcedAligner, pcm: PCM, rate: int, words: list[TimedWord], language: str
) -> list[TimedWord]:
    units = aligner(pcm, rate, " ".join(w.text for w in words), language)
    assert len(units) == len(words)
    return [TimedWord(w.text, u.start, u.end) for w, u in zip(words, units, strict=True)]


@pytest.mark.parametrize("text", ["Hello world, this is a test of the timing.", "Room 12 is ready."])
def test_kokoro_audio_is_the_same_with_timing(kokoro: KokoroEngine, text: str) -> None:
    plain = kokoro.synthesize(text, speaker="bf_emma", language="en")
    timed, units = kokoro.synthesize_timed(text, speaker="bf_emma", language="en")
    assert np.array_equal(plain, timed)
    assert units


def test_piper_audio_is_the_same_with_timing() -> None:
    piper = PiperEngine.packaged(noise_scale=0.0, noise_w_scale=0.0, threads=2)
    speaker = piper.info.speakers[0]
    text = "Hello world, this is a test of the timing. And a second sentence."
    plain = piper.synthesize(text, speaker=speaker, language="en-us")
    timed, units = piper.synthesize_timed(text, speaker=speaker, language="en-us")
    assert np.array_equal(plain, timed)
    assert units
    assert len(units) == 12


@pytest.mark.parametrize("language", ["en", "es", "hi"])
def test_kokoro_words_agree_with_an_independent_aligner(
    kokoro: KokoroEngine, aligner: ForcedAligner, language: str
) -> None:
    speaker, engine_language = KOKORO_VOICES[language]
    pcm, words, sources = speak(kokoro, SENTENCES[language], language, speaker, engine_language, None)
    assert sources == {"model"}
    reference = reference_words(aligner, pcm, 24_000, words, language)
    errs = errors(words, reference)
    print(
        f"kokoro {language}: median {statistics.median(errs):.3f} s, p90 {np.percentile(errs, 90):.3f} s over {len(words)} words"
    )
    # bounds a broken timing (drifting sentences, a frame-size error, words shifted by one) cannot meet
    assert statistics.median(errs) < 0.2
    assert np.percentile(errs, 90) < 0.4
    # and monotone, inside the audio
    assert all(a.end <= b.start + 1e-6 for a, b in itertools.pairwise(words))
    assert words[-1].end <= pcm.size / 24_000 + 1e-6


def test_piper_words_agree_with_an_independent_aligner(aligner: ForcedAligner) -> None:
    piper = PiperEngine.packaged(threads=2)
    pcm, words, sources = speak(piper, SENTENCES["en"], "en", piper.info.speakers[0], "en-us", None)
    assert sources == {"model"}
    errs = errors(words, reference_words(aligner, pcm, piper.info.sample_rate, words, "en"))
    print(f"piper en: median {statistics.median(errs):.3f} s, p90 {np.percentile(errs, 90):.3f} s")
    assert statistics.median(errs) < 0.2
    assert np.percentile(errs, 90) < 0.4


def test_espeak_words_are_force_aligned(aligner: ForcedAligner) -> None:
    espeak = EspeakEngine()
    pcm, words, sources = speak(espeak, SENTENCES["es"], "es", "es+f3", "es", aligner)
    assert sources == {"aligned"}
    assert len(words) == len(SENTENCES["es"].split())
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))
    assert words[-1].end <= pcm.size / espeak.info.sample_rate + 1e-6
    # the second sentence starts after the pause between the two
    second = next(i for i, w in enumerate(words) if w.text == "El")
    assert words[second].start >= words[second - 1].end + 0.2
