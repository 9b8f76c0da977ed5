"""Kokoro's phoneme handling: the Arabic symbol mapping, clauses joined as piper-tts joins them, and
Latin-script runs inside Arabic, Urdu and Hindi text (pure; espeak-ng's real output is in tests/engines)."""

from __future__ import annotations

import pytest

from voxray_runtime.engines.kokoro_phonemes import (
    Run,
    identity,
    join_clauses,
    map_arabic,
    script_runs,
)


@pytest.mark.parametrize(
    ("espeak", "kokoro"),
    [
        ("ʔalħˈadiːqˌa", "alhˈadiːqˌa"),  # glottal stop removed, ħ -> h
        ("ʔassˈaːʕa", "assˈaː" + "a"),  # ʕ dropped
        ("fˈadˤlka", "fˈadlka"),  # pharyngealisation mark dropped
        ("ws̪lt", "wslt"),  # dental mark U+032A dropped
        ("sa.ba.ħ", "sɑbɑh"),  # a. (by an emphatic) -> ɑ
        ("ti.n", "tɪn"),  # i. -> ɪ
        ("dʒamiːl", "ʤamiːl"),  # affricate -> Kokoro's single symbol
        ("ʔal-kitaːb", "alkitaːb"),  # espeak's join dropped
        ("mˈin", "mˈin"),  # nothing to map
        ("", ""),
    ],
)
def test_map_arabic(espeak: str, kokoro: str) -> None:
    assert map_arabic(espeak) == kokoro


def test_map_arabic_leaves_no_symbol_kokoro_lacks() -> None:
    out = map_arabic("ʔalħˈadiːqˌa ʔas̪s̪frˈaːʔ dʒ ʕ ˤ a. i. -")
    assert not set(out) & {"ʔ", "ħ", "ʕ", "ˤ", "\u032a", "-", "."}


@pytest.mark.parametrize(
    ("clauses", "clause_map", "expected"),
    [
        # piper-tts's shape: terminator appended, a space after a comma, sentences joined by a space
        ([("ab", ",", False), ("cd", ".", True), ("ef", "!", True)], identity, "ab, cd. ef!"),
        ([("həlˈoʊ", "", False)], identity, "həlˈoʊ"),  # no terminator: one sentence
        ([("(en)hˈɪltən(ar)", ".", True)], identity, "hˈɪltən."),  # language flags removed
        # the map sees the clause before its full stop: "qa." would otherwise read as an emphatic a.
        ([("ʔalħadiːqa", ".", True)], map_arabic, "alhadiːqa."),
        ([("sa.ħ", "?", True)], map_arabic, "sɑh?"),
        ([], identity, ""),
    ],
)
def test_join_clauses(clauses: list[tuple[str, str, bool]], clause_map: object, expected: str) -> None:
    assert join_clauses(clauses, clause_map) == expected  # type: ignore[arg-type]


EN = "en-us"


@pytest.mark.parametrize(
    ("text", "language", "runs"),
    [
        (
            "نزلنا في فندق Hilton Garden Inn وكان رائعا.",
            "ar",
            [Run("نزلنا في فندق", "ar"), Run("Hilton Garden Inn", EN), Run("وكان رائعا.", "ar")],
        ),
        (
            "ہم Marriott Resort میں ٹھہرے۔",
            "ur",
            [Run("ہم", "ur"), Run("Marriott Resort", EN), Run("میں ٹھہرے۔", "ur")],
        ),
        (
            "हम Taj Palace होटल में रुके, WiFi बहुत अच्छा था",
            "hi",
            [
                Run("हम", "hi"),
                Run("Taj Palace", EN),
                Run("होटल में रुके,", "hi"),
                Run("WiFi", EN),
                Run("बहुत अच्छा था", "hi"),
            ],
        ),
        ("Burj Al-Arab", "ar", [Run("Burj Al-Arab", EN)]),  # only Latin: all of it English
        # the punctuation after a name ends its clause, in the English form
        ("زرنا Al-Maha.", "ar", [Run("زرنا", "ar"), Run("Al-Maha.", EN)]),
        ("زرنا Hilton، ثم", "ar", [Run("زرنا", "ar"), Run("Hilton,", EN), Run("ثم", "ar")]),
        ("क्या आप Oberoi में थे? हाँ", "hi", [Run("क्या आप", "hi"), Run("Oberoi", EN), Run("में थे? हाँ", "hi")]),
        ("مرحبا بكم", "ar", [Run("مرحبا بكم", "ar")]),  # no Latin letters: one run
        ("Hilton Garden Inn", "en", [Run("Hilton Garden Inn", "en")]),  # Latin-script languages: untouched
        ("Hola Hilton", "es", [Run("Hola Hilton", "es")]),
        ("", "ar", [Run("", "ar")]),
    ],
)
def test_script_runs(text: str, language: str, runs: list[Run]) -> None:
    assert script_runs(text, language, EN) == runs


def test_script_runs_keep_every_letter() -> None:
    """Nothing is dropped: the runs hold every non-space character of the text, in order."""
    text = "فندق Four Seasons في دبي، و Atlantis The Palm أيضا"
    joined = "".join(r.text for r in script_runs(text, "ar", EN)).replace(" ", "")
    assert joined == text.replace(" ", "")
