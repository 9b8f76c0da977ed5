"""Pronunciation entries (the Lexicon spec and inline request entries) applied to text: whole words,
case rules, longest match, one pass; and the lexicon's validation and version (pure)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from voxray_runtime.spec.lexicon import LexiconEntry, LexiconSpec, changed_entries, entries_version
from voxray_runtime.text.pronounce import Pronunciation, apply_pronunciations, entries_used
from voxray_runtime.text.segments import BreakSegment, PhonemeSegment, TextSegment

ENTRIES = [
    Pronunciation("Qasr", "en", ipa="kəˈsɑːr"),
    Pronunciation("Qasr Al Sarab", "en", alias="Kasser al Sarab"),
    Pronunciation("NYC", "en", alias="New York City", case_sensitive=True),
    Pronunciation("Anantara", "en", alias="Ah-nun-tara"),
    Pronunciation("فندق", "ar", alias="أوتيل"),
]


def en(text: str) -> TextSegment:
    return TextSegment(text, "en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stay at Anantara.", [en("Stay at Ah-nun-tara.")]),
        ("stay at ANANTARA", [en("stay at Ah-nun-tara")]),  # case-insensitive by default
        ("Anantaras are many", [en("Anantaras are many")]),  # whole words only
        ("preAnantara", [en("preAnantara")]),
        ("Fly to NYC, not nyc.", [en("Fly to New York City, not nyc.")]),  # case-sensitive entry
        ("Qasr Al Sarab awaits", [en("Kasser al Sarab awaits")]),  # the longest entry wins
        ("The Qasr awaits", [en("The "), PhonemeSegment("kəˈsɑːr", "Qasr", "en"), en(" awaits")]),
        ("Qasr", [PhonemeSegment("kəˈsɑːr", "Qasr", "en")]),
        ("Anantara Anantara", [en("Ah-nun-tara Ah-nun-tara")]),  # one pass, every occurrence
        ("no entries here", [en("no entries here")]),
    ],
)
def test_apply(text: str, expected: list[object]) -> None:
    assert apply_pronunciations([en(text)], ENTRIES) == expected


def test_entries_apply_to_their_language_only() -> None:
    arabic = TextSegment("نزلنا في فندق Anantara", "ar")
    assert apply_pronunciations([arabic], ENTRIES) == [TextSegment("نزلنا في أوتيل Anantara", "ar")]


def test_phonemes_and_breaks_pass_through() -> None:
    segments = [PhonemeSegment("a", "Anantara", "en"), BreakSegment(0.5)]
    assert apply_pronunciations(segments, ENTRIES) == segments


def test_an_alias_is_not_matched_again() -> None:
    loop = [Pronunciation("A", "en", alias="B"), Pronunciation("B", "en", alias="A")]
    assert apply_pronunciations([en("A B")], loop) == [en("B A")]


def test_a_later_entry_overrides_an_earlier_one() -> None:
    """Inline request entries go after the lexicon's: they win."""
    entries = [Pronunciation("Ritz", "en", alias="rits"), Pronunciation("ritz", "en", alias="the Ritz hotel")]
    assert apply_pronunciations([en("Ritz")], entries) == [en("the Ritz hotel")]


def test_entries_used() -> None:
    assert [e.text for e in entries_used("qasr and NYC and nyc", "en", ENTRIES)] == ["Qasr", "NYC"]
    assert entries_used("nothing", "en", ENTRIES) == []
    assert entries_used("Anantara", "es", ENTRIES) == []


def entry(**kw: object) -> LexiconEntry:
    return LexiconEntry.model_validate({"language": "en", **kw})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "Qasr"}, "exactly one of alias or ipa"),
        ({"text": "Qasr", "alias": "a", "ipa": "b"}, "exactly one of alias or ipa"),
        ({"text": " Qasr", "alias": "a"}, "pattern"),
        ({"text": "Qasr", "alias": "   "}, "alias is blank"),
        ({"text": "Qasr", "ipa": "<x>"}, "pattern"),
        ({"text": "Qasr", "alias": "a", "language": "fr"}, "language"),
        ({"text": "x" * 101, "alias": "a"}, "at most 100"),
    ],
)
def test_entry_validation(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        entry(**data)


def test_lexicon_names_repeated_entries() -> None:
    doc = {
        "entries": [
            {"text": "Qasr", "language": "en", "alias": "a"},
            {"text": "QASR", "language": "en", "ipa": "b"},
        ]
    }
    with pytest.raises(ValidationError, match=r"entries\[1\] \('QASR', en\) repeats entries\[0\]"):
        LexiconSpec.model_validate(doc)
    doc["entries"][1]["caseSensitive"] = True  # type: ignore[index]
    assert len(LexiconSpec.model_validate(doc).entries) == 2
    doc["entries"][1]["language"] = "es"  # type: ignore[index]
    assert len(LexiconSpec.model_validate(doc).entries) == 2


def test_version_is_stable_and_changes_with_an_entry() -> None:
    a = entry(text="Qasr", ipa="kəˈsɑːr")
    b = entry(text="NYC", alias="New York City", caseSensitive=True)
    v = LexiconSpec(entries=[a, b]).version
    assert v.startswith("sha256:")
    assert len(v) == len("sha256:") + 16
    assert v == LexiconSpec(entries=[b, a]).version  # order does not matter
    changed = entry(text="Qasr", ipa="kasr")
    assert LexiconSpec(entries=[changed, b]).version != v
    assert changed_entries([a, b], [changed, b]) == [changed]
    assert changed_entries([a, b], [a]) == [b]
    assert changed_entries([a], [a, b]) == [b]
    assert entries_version([]) == LexiconSpec().version


def test_spec_entries_work_as_pronunciations() -> None:
    spec = LexiconSpec.model_validate({"entries": [{"text": "Qasr", "language": "en", "ipa": "kəˈsɑːr"}]})
    assert apply_pronunciations([en("QASR")], spec.entries) == [PhonemeSegment("kəˈsɑːr", "QASR", "en")]
