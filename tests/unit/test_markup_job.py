"""Segments (SSML, pronunciation entries) to a speech job: a run per language and rate, phonemes inline for
Kokoro, breaks as the pause after a chunk, and what a voice cannot speak refused before any engine (pure)."""

from __future__ import annotations

import numpy as np
import pytest

from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.speech.assembly import join, sentence_pause_s
from voxray_runtime.speech.job import EmptyTextError
from voxray_runtime.speech.markup import engine_language, job_for_segments
from voxray_runtime.text.pronounce import Pronunciation, apply_pronunciations
from voxray_runtime.text.segments import BreakSegment, PhonemeSegment, TextSegment
from voxray_runtime.text.ssml import parse_ssml
from voxray_runtime.voices import VoiceBinding, VoiceError, parse_avatar

CATALOG = catalog_for(default_models())


def voice(avatar: str, model: str | None = None) -> VoiceBinding:
    return CATALOG.resolve(parse_avatar(avatar), model)


def test_ssml_to_requests_and_pauses() -> None:
    doc = (
        '<speak>Welcome to <phoneme ph="kəˈsɑːr">Qasr</phoneme> Al Sarab. <break time="1200ms"/>'
        '<lang xml:lang="ar">أهلا بكم</lang> <prosody rate="slow">Check-out is at 11:30.</prosody></speak>'
    )
    segments = apply_pronunciations(
        parse_ssml(doc, "en", "en-GB"), [Pronunciation("Sarab", "en", alias="Sa-rab")]
    )
    job = job_for_segments(voice("female_en-GB"), segments, speed=1.0)
    got = [(r.text, r.language, r.speed) for r in job.requests()]
    assert got == [
        ("Welcome to [[kəˈsɑːr]] Al Sa-rab.", "en", 1.0),
        ("أهلا بكم", "ar", 1.0),  # the same voice, Arabic phonemes
        ("Check-out is at eleven thirty.", "en", 0.75),
    ]
    assert job.pauses() == [1.2, sentence_pause_s(1.0)]
    assert job.speaker == "bf_emma"


def test_plain_text_without_markup_keeps_the_old_job() -> None:
    job = job_for_segments(voice("female_en-US"), [TextSegment("One. Two.", "en", "en-US")])
    assert job.chunks == ("One.", "Two.")
    assert job.pauses() == [sentence_pause_s(1.0)]


@pytest.mark.parametrize(
    ("avatar", "model", "language", "dialect", "expected"),
    [
        ("female_en-GB", None, "en", None, "en"),  # its own locale
        ("female_en-GB", None, "en", "en-US", "en-us"),
        ("female_en-US", None, "es", None, "es"),
        ("male_es", None, "ar", "ar-EG", "ar"),
        ("female_ar-SA", "espeak", "en", "en-GB", "en"),
    ],
)
def test_engine_language(
    avatar: str, model: str | None, language: str, dialect: str | None, expected: str
) -> None:
    assert engine_language(voice(avatar, model), language, dialect) == expected


def test_a_language_the_engine_cannot_phonemize_is_refused() -> None:
    piper = voice("male_en-US", "piper-joe")
    with pytest.raises(VoiceError, match="cannot switch to es"):
        job_for_segments(piper, [TextSegment("Hola", "es")])


@pytest.mark.parametrize(
    ("avatar", "model", "expected"),
    [
        ("female_en-US", "espeak", "Welcome to [[k@'sA@]] awaits you."),  # espeak-ng's mnemonics
        ("male_en-US", "piper-joe", "Welcome to [[kəˈsɑːɹ]] awaits you."),  # espeak-ng's IPA, NFD code points
        ("female_en-US", None, "Welcome to [[kəˈsɑːr]] awaits you."),  # Kokoro: as written
    ],
)
def test_phonemes_inline_in_what_each_engine_reads(avatar: str, model: str | None, expected: str) -> None:
    segments = [TextSegment("Welcome to", "en", "en-US"), PhonemeSegment("kəˈsɑːr", "Qasr", "en", "en-US")]
    job = job_for_segments(voice(avatar, model), [*segments, TextSegment("awaits you.", "en", "en-US")])
    assert " ".join(job.chunks) == expected


def test_a_phoneme_block_never_ends_a_sentence() -> None:
    """espeak-ng's mnemonics hold ``.`` and ``?`` (``l.``, the glottal stop): the block stays in its chunk."""
    hindi = voice("female_hi", "espeak")
    job = job_for_segments(hindi, [PhonemeSegment("ʈʰiːk ʔ ɭa", "x", "hi"), TextSegment("नमस्ते", "hi")])
    assert job.chunks == ("[[t.#i:k ? l.a]] नमस्ते",)


@pytest.mark.parametrize(("model", "engine"), [("espeak", "espeak-ng"), ("piper-joe", "Piper")])
def test_an_ipa_symbol_without_a_phoneme_is_refused_by_name(model: str, engine: str) -> None:
    with pytest.raises(
        VoiceError, match=rf"'ǃ' \(U\+01C3 LATIN LETTER RETROFLEX CLICK\).*no {engine} phoneme"
    ):
        job_for_segments(voice("male_en-US", model), [PhonemeSegment("ǃaba", "Qasr", "en", "en-US")])


def test_an_engine_without_phonemes_says_which_engines_have_them() -> None:
    vits = VoiceBinding(parse_avatar("female_ur"), "mms-urd", "vits", "0", "ur")
    with pytest.raises(
        VoiceError, match="reads text only; phonemes are spoken by espeak, kokoro, piper voices"
    ):
        job_for_segments(vits, [PhonemeSegment("kəˈsɑːr", "Qasr", "ur")])


def test_nothing_speakable() -> None:
    with pytest.raises(EmptyTextError):
        job_for_segments(voice("female_en-US"), [BreakSegment(1.0), TextSegment("🙂", "en")])


def test_join_puts_the_asked_pauses_between_chunks() -> None:
    parts = [np.ones(10, np.float32), np.ones(5, np.float32), np.ones(3, np.float32)]
    out = join(parts, 100, 1.0, [0.5, 0.0])
    assert len(out) == 10 + 50 + 5 + 3
    assert not out[10:60].any()
