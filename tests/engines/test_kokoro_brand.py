"""Kokoro for a brand: Arabic phonemes mapped for the Hindi voices, Latin-script names inside Arabic, Urdu
and Hindi text read by the English phonemizer, and voice blends (the real engine and espeak-ng)."""

from __future__ import annotations

import numpy as np
import pytest
from speech import assert_speech

from voxray_runtime.engines import UnknownSpeakerError
from voxray_runtime.engines.kokoro import LATIN_LANGUAGE, KokoroEngine, _Phonemizer
from voxray_runtime.engines.kokoro_blend import blend_styles
from voxray_runtime.engines.kokoro_weights import load_style
from voxray_runtime.engines.weights import kokoro_voices_dir
from voxray_runtime.voices.blend import KOKORO_PACKAGED_VOICES

#: mixed-script posts: (language, post, the Latin-script names in it)
POSTS = [
    ("ar", "نزلنا في فندق Hilton Garden Inn وكان الفطور رائعا.", ["Hilton Garden Inn"]),
    ("ur", "ہم Marriott Resort میں ٹھہرے اور کھانا بہت اچھا تھا۔", ["Marriott Resort"]),
    ("hi", "हम Taj Palace होटल में रुके, और Sea Lounge में चाय पी।", ["Taj Palace", "Sea Lounge"]),
]


@pytest.fixture(scope="module")
def kokoro() -> KokoroEngine:
    return KokoroEngine.packaged(threads=2)


@pytest.fixture(scope="module")
def phonemize() -> _Phonemizer:
    return _Phonemizer()


def test_arabic_phonemes_hold_only_symbols_kokoro_speaks(phonemize: _Phonemizer) -> None:
    ph = phonemize("ar", "أحضر ثلاثة أكواب من الشاي إلى الحديقة، في الساعة السابعة.")
    assert ph
    assert not set(ph) & {"ʔ", "ħ", "ʕ", "ˤ", "\u032a", "-"}
    assert ph.endswith(".")
    assert ", " in ph  # the clause's comma kept


@pytest.mark.parametrize(("language", "post", "names"), POSTS)
def test_latin_names_get_english_phonemes(
    phonemize: _Phonemizer, language: str, post: str, names: list[str]
) -> None:
    """Not dropped, not spelled out: each name's phonemes are the English phonemizer's own."""
    ph = phonemize(language, post)
    for name in names:
        assert phonemize(LATIN_LANGUAGE, name) in ph, (name, ph)


@pytest.mark.parametrize(("language", "post", "names"), POSTS)
def test_mixed_script_post_speaks_the_names(
    kokoro: KokoroEngine, language: str, post: str, names: list[str]
) -> None:
    speaker = {"ar": "hf_beta", "ur": "hf_beta", "hi": "hf_alpha"}[language]
    with_names = kokoro.synthesize(post, speaker=speaker, language=language)
    assert_speech(with_names, 24_000, post)
    without = post
    for name in names:
        without = without.replace(name, "")
    bare = kokoro.synthesize(without, speaker=speaker, language=language)
    # a name of two or more words takes well over a quarter second to say
    assert len(with_names) - len(bare) > 0.25 * 24_000 * len(names)


def test_blend_is_the_weighted_mean_of_the_styles(kokoro: KokoroEngine) -> None:
    a = load_style(kokoro_voices_dir() / "bf_emma.bin")
    b = load_style(kokoro_voices_dir() / "bf_isabella.bin")
    np.testing.assert_allclose(kokoro._style("bf_emma(2)+bf_isabella(1)"), blend_styles([a, b], [2, 1]))
    text = "Welcome to the hotel, your room is ready."
    audio = kokoro.synthesize(text, speaker="bf_emma(0.7)+bf_isabella(0.3)", language="en")
    assert_speech(audio, 24_000, text)


def test_blend_of_an_unknown_voice_is_refused(kokoro: KokoroEngine) -> None:
    with pytest.raises(UnknownSpeakerError, match="zz_nobody"):
        kokoro.synthesize("Hello.", speaker="bf_emma(1)+zz_nobody(1)", language="en")
    with pytest.raises(UnknownSpeakerError, match="weight"):
        kokoro.synthesize("Hello.", speaker="bf_emma(0)+bf_isabella(1)", language="en")


def test_the_declared_voice_list_is_the_engines(kokoro: KokoroEngine) -> None:
    """Blends are validated against this list before any engine runs: it must be the packaged voices."""
    assert set(kokoro.info.speakers) == KOKORO_PACKAGED_VOICES
