"""IPA to what espeak-ng and Piper read (engines/espeak_ipa.py): table tests, no engine."""

from __future__ import annotations

import unicodedata

import pytest

from voxray_runtime.engines.espeak_ipa import IPAError, piper_symbols, tables, to_espeak, to_piper


@pytest.mark.parametrize(
    ("ipa", "language", "expected"),
    [
        ("həlˈoʊ wˈɜːld", "en-us", "h@l'oU w'3:ld"),  # espeak-ng -v en-us -x "hello world"
        ("həlˈəʊ wˈɜːld", "en", "h@l'oU w'3:ld"),  # British: the same mnemonics, its own IPA
        ("həˈloʊ", "en-us", "h@'loU"),  # stress before the syllable, as IPA writes it
        ("ˌɪntɚnˈæʃənəl", "en-us", ",Int3n'aS@n@L"),  # word-final: espeak-ng's syllabic l
        ("θˈɪŋkɪŋ", "en-us", "T'INkIN"),
        ("tʃˈɜːtʃ dʒˈʌdʒ", "en-us", "tS'3:tS dZ'VdZ"),
        ("t͡ʃˈɜːt͡ʃ", "en-us", "tS'3:tS"),  # tie bars have no sound
        ("ʧˈɜːʧ ʤˈʌʤ", "en-us", "tS'3:tS dZ'VdZ"),  # the ligatures Kokoro's vocabulary uses
        ("kəˈsɑːr", "en-us", "k@'sA@"),  # ASCII r in English IPA is ɹ; ɑːɹ is one en-us phoneme
        ("ˈfɑðɚ", "en-us", "'f0D3"),  # en-us has no short ɑ: its nearest, ɑː
        ("ɡo gou", "en-us", "go gou"),  # the IPA ɡ and the typed g
        ("ˈɛl ˈpero", "es", "'El 'peR2o"),
        ("tʃokolˈate", "es", "tSokol'ate"),
        ("ʈʰiːk", "hi", "t.#i:k"),  # aspirated retroflex, long vowel
        ("mɛ̃", "hi", "mE~"),
        ("ħaːl", "ar", "Ha:l"),
        ("ɪː", "en-us", "I:"),  # a length mark no long symbol took: espeak-ng's lengthening
        ("  a.ba  ", "es", "aba"),  # syllable breaks and outer spaces dropped
    ],
)
def test_to_espeak(ipa: str, language: str, expected: str) -> None:
    assert to_espeak(ipa, language) == expected


@pytest.mark.parametrize(
    ("ipa", "language", "symbol"),
    [("ǃa", "en-us", "ǃ"), ("ʘ", "es", "ʘ"), ("aˑ", "en", "ˑ"), ("t̼", "hi", "\u033c")],
)
def test_a_symbol_without_a_phoneme_is_named(ipa: str, language: str, symbol: str) -> None:
    with pytest.raises(IPAError, match=rf"U\+{ord(symbol):04X} {unicodedata.name(symbol)}") as err:
        to_espeak(ipa, language)
    assert err.value.symbol == symbol


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(IPAError, match="no IPA table for language fr; it has ar, en, en-us, es, hi, ur"):
        to_espeak("a", "fr")


def test_every_served_espeak_language_has_a_table_of_mnemonics() -> None:
    from voxray_runtime.engines.espeak import VOICES

    assert set(tables()) == set(VOICES)
    for table in tables().values():
        assert len(table) > 80
        assert all(m.isascii() and m.strip() == m and "]" not in m for m in table.values())


@pytest.mark.parametrize(
    ("ipa", "expected"),
    [
        ("kəˈsɑːr", "kəˈsɑːɹ"),
        ("ʧiz", "tʃiz"),
        ("ɑ̃", unicodedata.normalize("NFD", "ɑ̃")),  # code points as piper-tts splits them
    ],
)
def test_to_piper(ipa: str, expected: str) -> None:
    assert to_piper(ipa, "en-us") == expected


def test_piper_refuses_what_espeak_ng_never_writes() -> None:
    assert "ɹ" in piper_symbols("en-us")
    assert "ˈ" in piper_symbols("en-us")
    with pytest.raises(IPAError, match=r"'ʘ'.*no Piper phoneme for language en-us"):
        to_piper("ʘa", "en-us")
