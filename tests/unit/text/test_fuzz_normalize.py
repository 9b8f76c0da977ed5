"""Properties of normalize and prepare on arbitrary text, in every language and dialect.

Inputs mix the tokens the passes look for (amounts, dates, times, links, tags, emoji,
digits of every script) with arbitrary Unicode, so that the regular expressions meet
both the shapes they were written for and the ones they were not.
"""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from voxray_runtime.text import normalize, prepare

DIALECTS: dict[str, tuple[str | None, ...]] = {
    "en": (None, "en-US", "en-GB", "en-AU"),
    "ar": (None, "ar-SA", "ar-EG", "ar-AE"),
    "es": (None, "es-ES", "es-MX"),
    "hi": (None,),
    "ur": (None,),
}
LOCALES = [(language, dialect) for language, dialects in DIALECTS.items() for dialect in dialects]

#: Pieces the passes react to; a fuzzed text is a run of these, random numbers and noise.
TOKENS = (
    "$", "US$", "A$", "€", "£", "₹", "₨", "Rs.", "SAR", "AED", "EGP", "PKR", "ر.س", "د.إ", "ج.م", "रु.",
    "%", "٪", "+", "-", "–", "—", "=", "/", ":", ".", ",", "،", "؟", "۔", "।", "!", "?", "¿", "¡",
    "&", "@", "#", "'", '"', "(", ")", "[", "]", "*", "_", "~", "`", "<b>", "</p>", "&amp;", "**",
    "am", "pm", "a.m.", "p.m.", "م", "ص", "h", "hrs", "km", "kg", "°C", "st", "nd", "rd", "th",
    "º", "ª", "er", "Dr.", "St.", "No.", "e.g.", "p. ej.", "د.", "डॉ.", "Mr.", "etc.", "EE. UU.",
    "http://", "https://", "www.", ".com", ".ae", "mailto:", "x", "×", "of", "the", "de", "al",
    "January", "Feb", "febrero", "الـ", "هـ", "बजे", "بجے", "الساعة", "siglo", "s", "'s",
    "😀", "👍🏽", "🇬🇧", "❤️", "1️⃣", "\u200d", "\u200c", "\u200f", "\u202e", "\ufeff", "\u00ad",
    "\u0640", "ﷺ", "ﻻ", "①", "²", "𝟙", "٣", "۴", "७", "১", "\n", "\t", "\r\n", "\x00", "\x1b",
)  # fmt: skip
LETTERS = "abcXYZéñ" + "مرحباكي" + "ہےںٹ" + "नमस्ते" + "ـً"
_number = st.from_regex(r"[0-9]{1,7}(?:[.,:/-][0-9]{1,4}){0,3}", fullmatch=True)
_word = st.text(alphabet=LETTERS, min_size=1, max_size=8)
_token = st.one_of(st.sampled_from(TOKENS), _number, _word)
_separator = st.sampled_from(["", " ", " ", "  ", "\n", "-", "/", ".", ","])


@st.composite
def _token_text(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(_token, _separator), max_size=24))
    return "".join(token + separator for token, separator in parts)


@st.composite
def _spaced_text(draw: st.DrawFn) -> str:
    return "".join(token + draw(st.sampled_from([" ", "\n", ", ", ". "])) for token in draw(st.lists(_token)))


TEXTS = st.one_of(_token_text(), st.text(max_size=80))
#: Whole tokens between spaces: glued garbage ("0Mr.") is read apart on the first pass and
#: may then meet a rule it did not meet before, so idempotence is a contract for these.
SPACED_TEXTS = st.one_of(
    _spaced_text(), st.text(alphabet=st.characters(exclude_categories=["Nd"]), max_size=60)
)
LOCALE = st.sampled_from(LOCALES)

#: Normalised text may still carry these two format characters, which change spelling in Hindi and Urdu.
_JOINERS = frozenset("\u200c\u200d")
_UNREADABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _unreadable(text: str, language: str) -> list[str]:
    return [
        char
        for char in text
        if char != "\n"
        and unicodedata.category(char) in _UNREADABLE
        and not (language in ("hi", "ur") and char in _JOINERS)
    ]


@given(text=TEXTS, locale=LOCALE)
@example(text="1.2.3.4.5.6.7.8.9.0.1.2.3.4.5.6.7", locale=("es", None))
def test_normalize_reads_every_digit_and_leaves_no_control_characters(
    text: str, locale: tuple[str, str | None]
) -> None:
    language, dialect = locale
    spoken = normalize(text, language, dialect)
    assert not [char for char in spoken if char.isdigit()], spoken
    assert not _unreadable(spoken, language), spoken


@given(text=TEXTS, locale=LOCALE)
def test_normalized_text_is_tidy(text: str, locale: tuple[str, str | None]) -> None:
    spoken = normalize(text, *locale)
    assert spoken == spoken.strip()
    assert "  " not in spoken
    assert "\n\n" not in spoken
    assert all(line == line.strip() and line for line in spoken.split("\n")) or not spoken


@given(text=SPACED_TEXTS, locale=LOCALE)
@example(text="¿ ¿", locale=("en", None))  # two openers met only once the space between them went
@example(text="Mr.$US$", locale=("en", None))  # a title before a dropped symbol
@example(text="US😀.com", locale=("en", None))  # a dropped emoji must not glue a word to ".com"
@example(text="8,528. .ae", locale=("es", None))  # nor a run of full stops
@example(text="e.g.\n.com", locale=("hi", None))
@example(text="$ St., ", locale=("en", None))  # "St." before a comma
@example(text="x St.. é", locale=("en", None))
@example(text="a, .b", locale=("en", None))  # a comma before ".b"
@example(text="x. !. !", locale=("ar", None))  # "!" runs met only once "." went
@example(text="0 Dr. US", locale=("en", None))  # a title after a number, then after its word
@example(text="$0 Dr. US", locale=("en", None))
@example(text="د. 0", locale=("ar", None))
@example(
    text="د., د. ", locale=("ar", None)
)  # "د." before "د." is no doctor  # "د." before a number, then before its words
@example(text="डॉ. 5", locale=("hi", None))
@example(text="\u064b\u200b\u094d", locale=("hi", None))  # marks out of canonical order once U+200B went
def test_normalize_is_idempotent(text: str, locale: tuple[str, str | None]) -> None:
    once = normalize(text, *locale)
    assert normalize(once, *locale) == once


@given(text=TEXTS, locale=LOCALE)
def test_output_grows_at_most_linearly(text: str, locale: tuple[str, str | None]) -> None:
    """Each written character may become a few words, never an unbounded amount of speech."""
    spoken = normalize(text, *locale)
    assert len(spoken) <= 40 * len(text) + 40


def _letters_and_digits(text: str) -> list[str]:
    return [char for char in text if char.isalnum()]


@given(text=TEXTS, locale=LOCALE, max_chars=st.integers(min_value=1, max_value=120))
@example(text="US؟US", locale=("ar", None), max_chars=1)  # "؟" ends a sentence even with no space after it
def test_prepare_chunks_are_speakable_and_bounded(
    text: str, locale: tuple[str, str | None], max_chars: int
) -> None:
    chunks = prepare(text, *locale, max_chars=max_chars)
    assert _letters_and_digits("".join(chunks)) == _letters_and_digits(normalize(text, *locale))
    for chunk in chunks:
        assert chunk == chunk.strip()
        assert any(char.isalnum() for char in chunk)
        assert len(chunk) <= max_chars or " " not in chunk


#: Long runs of what the regular expressions scan for: none may take quadratic time or worse.
PATHOLOGICAL = [
    "a" * 5000,
    "a." * 2500,
    "1" * 5000,
    "1," * 2500,
    "1-" * 2500,
    "1/" * 2500,
    "1:" * 2500,
    "-" * 5000,
    "@" * 5000,
    "#" * 5000,
    "a@" * 2500,
    "a-" * 2500,
    "www." * 1250,
    "http://" + "a" * 5000,
    "x.com/" * 800,
    "😀" * 5000,
    "\u200d" * 5000,
    "$1" * 2500,
    "St. " * 1250,
    "1 " * 2500,
    "+1 " * 1600,
    " " * 5000,
    "\n" * 5000,
    "!?" * 2500,
    "<a " * 1600,
    "[a](" * 1250,
    " @ " * 1600,
    "1 1/2 " * 800,
]


@pytest.mark.parametrize("language", sorted(DIALECTS))
def test_long_repetitive_text_is_fast(language: str) -> None:
    for text in PATHOLOGICAL:
        start = time.perf_counter()
        prepare(text, language)
        elapsed = time.perf_counter() - start
        assert elapsed < 1.0, f"{text[:12]!r}... took {elapsed:.2f} s"
