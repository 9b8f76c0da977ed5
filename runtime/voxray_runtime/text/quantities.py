"""Numbers left after currency, dates, times and units: phone numbers, percentages,
ordinals, ranges, signed and plain numbers, and the symbols "+", "=", "%", "@".

* Phone numbers ("+44 20 7946 0958", "555-123-4567") are read digit by digit, a
  comma between groups.
* "20%" (or "%20", as right-to-left text is sometimes typed) -> "twenty percent" /
  "veinte por ciento" / "عشرون بالمئة" / "बीस प्रतिशत" / "بیس فیصد".
* English "1st", "21st" -> "first", "twenty-first"; Spanish "1.º", "1ª", "3er" ->
  "primero", "primera", "tercer".
* "10-20" and "10–20" -> "ten to twenty" ("diez a veinte", "दस से बीस").
* Integers with a leading zero and runs of more than fifteen digits are read digit by
  digit; a bare four-digit year is read as a year in English (1001-2099: "twenty
  twenty-seven") and in Hindi and Urdu (1100-1999: "उन्नीस सौ सैंतालीस").
* Letters and digits written together are read apart ("mp3" -> "mp three").
"""

from __future__ import annotations

import re

from .language import Locale
from .lexicon import LEXICON
from .numerals import DECIMAL_WORDS, decimal_words, digit_words, english, spanish, year_words
from .numerals.parse import NUMBER, parse_number
from .script import NOT_AFTER_WORD, NOT_BEFORE_WORD

_PHONE = re.compile(
    r"(?<![\w+])(?P<plus>\+)\d{1,3}(?:[ -]\(?\d{1,4}\)?){2,5}(?![\d])"
    r"|(?<![\w-])\(?\d{3}\)?[ -]\d{3}-\d{4}(?![\d-])"
)
_DIGIT_GROUP = re.compile(r"\d+")
_PERCENT = re.compile(rf"(?<![\d.,])(?P<num>{NUMBER})\s?%|(?<![\d.,%])%\s?(?P<after>{NUMBER})")
_EN_ORDINAL = re.compile(rf"{NOT_AFTER_WORD}(?P<num>\d+)(?:st|nd|rd|th){NOT_BEFORE_WORD}", re.IGNORECASE)
_ES_ORDINAL = re.compile(
    rf"{NOT_AFTER_WORD}(?P<num>\d+)\.?(?P<suffix>[ºª]|er|ra|do|da|ro|to|ta|vo|va|no|na|mo|ma){NOT_BEFORE_WORD}"
)
_RANGE = re.compile(rf"(?<![\d.,])(?P<low>{NUMBER})(?:\s?[–—]\s?|-)(?P<high>{NUMBER})(?![\d]|[.,]\d|-\d)")
_NEGATIVE = re.compile(r"(?:^|(?<=[\s(\[]))-(?=\d)", re.MULTILINE)
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_PLAIN = re.compile(NUMBER)
# a symbol with the spaces around it; the look-behind keeps a long run of spaces linear
_PLUS = re.compile(r"(?<!\s)\s*\+\s*")
_EQUALS = re.compile(r"(?<!\s)\s*=\s*")
_PERCENT_SIGN = re.compile(r"(?<!\s)\s*%\s*")
_MAX_CARDINAL_DIGITS = 15
_YEAR_RANGES: dict[str, tuple[int, int]] = {"en": (1001, 2099), "hi": (1100, 1999), "ur": (1100, 1999)}
_MINUS: dict[str, str] = {"en": "minus", "es": "menos", "ar": "سالب", "hi": "माइनस", "ur": "منفی"}


def _read_phone(match: re.Match[str], language: str) -> str:
    groups = [digit_words(group, language) for group in _DIGIT_GROUP.findall(match.group())]
    words = ", ".join(groups)
    if match.group("plus"):
        words = f"{LEXICON[language].plus} {words}"
    return f" {words} "


def read_number(token: str, language: str, *, as_year: bool = True) -> str:
    """Read one written number (see the module docstring for the rules)."""
    if token.isdigit() and ((len(token) > 1 and token.startswith("0")) or len(token) > _MAX_CARDINAL_DIGITS):
        return digit_words(token, language)
    number = parse_number(token, language)
    if number is None:
        return " ".join(_read_separated(token, language))
    if as_year and token.isdigit() and len(token) == 4 and language in _YEAR_RANGES:
        low, high = _YEAR_RANGES[language]
        if low <= number.integer <= high:
            return year_words(number.integer, language)
    return decimal_words(number.integer, number.fraction, language, mark=number.mark)


def _read_separated(token: str, language: str) -> list[str]:
    """Digit groups whose separators fit no convention: "1.2.3" -> "one point two point three"."""
    words: list[str] = []
    for part in re.split(r"([.,])", token):
        if part == ".":
            words.append(DECIMAL_WORDS[language]["."])
        elif part == ",":
            words[-1] += ","
        elif part:
            words.append(read_number(part, language, as_year=False))
    return words


def _read_percent(match: re.Match[str], language: str) -> str:
    number = read_number(match.group("num") or match.group("after"), language, as_year=False)
    return f" {number} {LEXICON[language].percent} "


def _read_ordinal(match: re.Match[str]) -> str:
    return english.ordinal(int(match.group("num")))


def _read_spanish_ordinal(match: re.Match[str]) -> str:
    suffix = match.group("suffix")
    feminine = suffix in ("ª", "ra", "da", "ta", "va", "na", "ma")
    return spanish.ordinal(int(match.group("num")), feminine=feminine, apocopated=suffix == "er")


def expand_signs(text: str, locale: Locale) -> str:
    """Read phone numbers, then a minus sign before a number ("-5" -> "minus 5").

    Runs before the other number passes so that "-5°C" and "-$20" keep their sign.
    """
    text = _PHONE.sub(lambda match: _read_phone(match, locale.language), text)
    return _NEGATIVE.sub(f"{_MINUS[locale.language]} ", text)


def expand_quantities(text: str, locale: Locale) -> str:
    """Read every remaining number, then the arithmetic symbols."""
    language = locale.language
    words = LEXICON[language]
    text = _RANGE.sub(lambda match: f"{match.group('low')} {words.range_to} {match.group('high')}", text)
    text = _PERCENT.sub(lambda match: _read_percent(match, language), text)
    if language == "en":
        text = _EN_ORDINAL.sub(_read_ordinal, text)
    elif language == "es":
        text = _ES_ORDINAL.sub(_read_spanish_ordinal, text)
    text = _LETTER_DIGIT.sub(" ", text)
    text = _PLAIN.sub(lambda match: read_number(match.group(), language), text)
    return _read_symbols(text, locale)


def _read_symbols(text: str, locale: Locale) -> str:
    words = LEXICON[locale.language]
    text = _PLUS.sub(f" {words.plus} ", text)
    text = _EQUALS.sub(f" {words.equals} ", text)
    text = _PERCENT_SIGN.sub(f" {words.percent} ", text)
    if locale.language == "en":
        text = re.sub(r"\s+@\s+", " at ", text)
    return text
