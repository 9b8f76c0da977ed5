"""Number words for every supported language, and parsing of written numbers.

:func:`number_to_words` is the public entry point; the helpers below it are what the
normaliser uses to read decimals, years and digit strings.
"""

from __future__ import annotations

from collections.abc import Callable

from ..language import resolve_locale
from . import arabic, english, indic, spanish
from .hindi import HINDI
from .urdu import URDU

_CARDINALS: dict[str, Callable[[int], str]] = {
    "en": english.cardinal,
    "es": spanish.cardinal,
    "ar": arabic.cardinal,
    "hi": lambda n: indic.cardinal(n, HINDI),
    "ur": lambda n: indic.cardinal(n, URDU),
}
_YEARS: dict[str, Callable[[int], str]] = {
    "en": english.year,
    "hi": lambda n: indic.year(n, HINDI),
    "ur": lambda n: indic.year(n, URDU),
}
#: Word for the decimal mark: "." and, where it differs, ",".
DECIMAL_WORDS: dict[str, dict[str, str]] = {
    "en": {".": "point", ",": "point"},
    "es": {".": "punto", ",": "coma"},
    "ar": {".": "فاصلة", ",": "فاصلة"},
    "hi": {".": "दशमलव", ",": "दशमलव"},
    "ur": {".": "اعشاریہ", ",": "اعشاریہ"},
}
#: Languages that read a short fraction as a number ("tres coma catorce") rather than
#: digit by digit ("three point one four").
_FRACTION_AS_NUMBER: frozenset[str] = frozenset({"es", "ar"})


_ORDINALS: dict[str, Callable[[int], str]] = {
    "en": english.ordinal,
    "es": spanish.ordinal,
    "ar": arabic.ordinal,
    "hi": lambda n: indic.ordinal(n, HINDI),
    "ur": lambda n: indic.ordinal(n, URDU),
}


def ordinal_words(n: int, language: str) -> str:
    """An ordinal ("third", "tercero", "الثالث", "तीसरा", "تیسرا") for an already validated language."""
    return _ORDINALS[language](n)


def number_to_words(n: int, language: str) -> str:
    """Spell out an integer in ``language`` ("en", "ar", "es", "hi", "ur").

    English uses the short scale without "and"; Spanish the long scale with "uno"; Arabic
    masculine MSA forms; Hindi and Urdu the lakh/crore system (100000 is one lakh).
    Raises :class:`~voxray_runtime.text.TextError` for an unsupported language.
    """
    return cardinal(n, resolve_locale(language).language)


def cardinal(n: int, language: str) -> str:
    """Cardinal words for an already validated language code."""
    return _CARDINALS[language](n)


def year_words(n: int, language: str) -> str:
    """A year as its speakers say it (English in pairs, Hindi/Urdu in hundreds)."""
    return _YEARS.get(language, _CARDINALS[language])(n)


def digit_words(digits: str, language: str) -> str:
    """Read a digit string one digit at a time: "007" -> "zero zero seven"."""
    read = _CARDINALS[language]
    return " ".join(read(int(digit)) for digit in digits if digit.isdigit())


def decimal_words(integer: int, fraction: str, language: str, *, mark: str = ".") -> str:
    """Read ``integer`` + decimal mark + ``fraction`` (the fraction's digits as written).

    English, Hindi and Urdu read the fraction digit by digit ("three point one four");
    Spanish and Arabic read up to three digits as a number unless it starts with zero
    ("tres coma catorce", "cero coma cero cinco").
    """
    words = cardinal(integer, language)
    if not fraction:
        return words
    point = DECIMAL_WORDS[language].get(mark, DECIMAL_WORDS[language]["."])
    if language in _FRACTION_AS_NUMBER and len(fraction) <= 3 and not fraction.startswith("0"):
        tail = cardinal(int(fraction), language)
    else:
        tail = digit_words(fraction, language)
    return f"{words} {point} {tail}"
