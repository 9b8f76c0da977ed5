"""IPA on the engines that read espeak-ng phonemes: espeak-ng reads back the IPA it wrote, and a lexicon
IPA entry is heard (Whisper base hears the word the IPA spells, not the word in the text)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from speech import SENTENCES

from voxray_runtime.engines import Engine, load_engine
from voxray_runtime.engines.espeak_ipa import to_espeak
from voxray_runtime.engines.piper import PiperEngine
from voxray_runtime.evaluation.checkers import Recognizer, to_16k
from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.speech.markup import job_for_segments
from voxray_runtime.text.pronounce import Pronunciation, apply_pronunciations
from voxray_runtime.text.segments import TextSegment
from voxray_runtime.voices import parse_avatar

TEXT = "I would like a banana, please."
#: the IPA of another real word, which the listener must hear instead of "banana"
PINEAPPLE = "ˈpaɪnæpəl"


def espeak_ipa(language: str, text: str) -> list[str]:
    done = subprocess.run(
        ["espeak-ng", "-q", "-v", language, "--ipa", text], capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def unstressed(words: list[str]) -> list[str]:
    return [w.replace("ˈ", "").replace("ˌ", "") for w in words]


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_espeak_ng_reads_back_the_ipa_it_wrote(language: str) -> None:
    """Every word of a sentence: espeak-ng's IPA -> our mnemonics -> espeak-ng's IPA again. Stress marks
    go in (Hindi's ``ʌ`` is its stressed ``V``) but are not compared: espeak-ng moves them to the vowel."""
    words = espeak_ipa(language, SENTENCES[language])
    assert words
    back = [" ".join(espeak_ipa(language, f"[[{to_espeak(w, language)}]]")) for w in words]
    assert unstressed(back) == unstressed(words)


@pytest.fixture(scope="module")
def whisper() -> Recognizer:
    return Recognizer.base(threads=2)


@pytest.fixture(scope="module")
def engines() -> dict[str, Engine]:
    return {
        "espeak": load_engine(VoiceModelSpec(engine="espeak")),
        "piper-joe": PiperEngine.packaged(threads=2),
    }


@pytest.mark.parametrize(("model", "avatar"), [("espeak", "female_en-US"), ("piper-joe", "male_en-US")])
def test_an_ipa_entry_is_heard(
    engines: dict[str, Engine], whisper: Recognizer, model: str, avatar: str
) -> None:
    binding = catalog_for(default_models()).resolve(parse_avatar(avatar), model)
    engine = engines[model]

    def heard(entries: list[Pronunciation]) -> tuple[str, np.ndarray]:
        segments = apply_pronunciations([TextSegment(TEXT, "en", "en-US")], entries)
        job = job_for_segments(binding, segments)
        pcm = np.concatenate(
            [
                engine.synthesize(c, speaker=binding.speaker, language=binding.engine_language)
                for c in job.chunks
            ]
        )
        return whisper.transcribe(to_16k(pcm, engine.info.sample_rate), "en").lower(), pcm

    plain, plain_pcm = heard([])
    spoken, ipa_pcm = heard([Pronunciation("banana", "en", ipa=PINEAPPLE)])
    assert "pineapple" not in plain, plain
    assert "pineapple" in spoken.replace(" ", ""), spoken
    assert "banana" not in spoken, spoken
    assert len(plain_pcm) != len(ipa_pcm) or not np.allclose(plain_pcm, ipa_pcm)
