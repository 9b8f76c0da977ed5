"""Dates: "14 February 2027", "February 14, 2027", "31/12", "31/12/2026", "2026-12-31".

Numeric dates are day/month except in US English, which is month/day; when one reading
is impossible (a "month" above 12) the other is used.  A slash date without a year
needs a two-digit second part ("31/12", "9/11") so that "1/2" and "24/7" stay numbers.
Two-digit years pivot at 70 ("26" -> 2026, "85" -> 1985).

Reading per language:

* en: "the fourteenth of February twenty twenty-seven"; US English and dates written
  month-first read "February fourteenth, twenty twenty-seven".
* es: "catorce de febrero de dos mil veintisiete".
* ar, hi, ur: cardinal day, month name, year ("चौदह फ़रवरी दो हज़ार सत्ताईस").
  Dates written with a month name need nothing more than the number passes there.
"""

from __future__ import annotations

import re

from .language import Locale
from .lexicon import LEXICON
from .numerals import cardinal, english, year_words
from .script import NOT_AFTER_WORD, NOT_BEFORE_WORD

DAYS_IN_MONTH: tuple[int, ...] = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_EN_MONTH = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?:\.(?=\s*\d))?"
)
_EN_ORDINAL = r"(?:st|nd|rd|th)?"
_EN_DAY_FIRST = re.compile(
    rf"{NOT_AFTER_WORD}(?P<day>\d{{1,2}}){_EN_ORDINAL}(?:\s+of)?\s+{_EN_MONTH}"
    rf"(?:,?\s+(?P<year>\d{{4}}))?{NOT_BEFORE_WORD}"
)
_EN_MONTH_FIRST = re.compile(
    rf"{NOT_AFTER_WORD}{_EN_MONTH}\s+(?:the\s+)?(?P<day>\d{{1,2}}){_EN_ORDINAL}"
    rf"(?:,?\s+(?P<year>\d{{4}}))?{NOT_BEFORE_WORD}"
)
_ES_MONTHS = "|".join(LEXICON["es"].months) + "|setiembre"
_ES_DATE = re.compile(
    rf"{NOT_AFTER_WORD}(?P<day>\d{{1,2}})\s+(?:de\s+)?(?P<month>{_ES_MONTHS})"
    rf"(?:\s+(?:de(?:l)?\s+)?(?P<year>\d{{4}}))?{NOT_BEFORE_WORD}",
    re.IGNORECASE,
)
_ISO = re.compile(
    r"(?<![\d/.-])(?P<year>\d{4})(?P<sep>[-/])(?P<a>\d{1,2})(?P=sep)(?P<b>\d{1,2})(?![\d/-]|\.\d)"
)
_WITH_YEAR = re.compile(
    r"(?<![\d/.-])(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})(?![\d/-]|\.\d)"
)
_DAY_MONTH = re.compile(r"(?<![\d/.,-])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?![\d/]|[.,]\d)")


def _month_number(name: str) -> int:
    if name.lower().startswith("setiembre"):
        return 9
    for index, month in enumerate(LEXICON["en"].months):
        if month.lower().startswith(name.lower()[:3]):
            return index + 1
    for index, month in enumerate(LEXICON["es"].months):
        if month == name.lower():
            return index + 1
    raise ValueError(f"not a month: {name!r}")


_DOUBLE_THE = re.compile(r"\b(the)\s+the\b(?=\s+\w+\s+of\s)", re.IGNORECASE)


def _valid(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= DAYS_IN_MONTH[month - 1]


def _full_year(written: str) -> int:
    year = int(written)
    if len(written) == 2:
        return 2000 + year if year < 70 else 1900 + year
    return year


def read_date(
    day: int, month: int, year: int | None, locale: Locale, *, month_first: bool | None = None
) -> str:
    """A valid date in words; ``month_first`` picks the English "February fourteenth".

    Numeric dates leave it None (the locale decides: en-US reads month first); a date written with
    a month name keeps the order it was written in ("the 15th of August" stays day first).
    """
    language = locale.language
    month_name = LEXICON[language].months[month - 1]
    year_text = year_words(year, language) if year is not None else ""
    if language == "en":
        if month_first if month_first is not None else locale.month_first:
            words = f"{month_name} {english.ordinal(day)}"
            return f"{words}, {year_text}" if year_text else words
        words = f"the {english.ordinal(day)} of {month_name}"
    elif language == "es":
        words = f"{cardinal(day, language)} de {month_name}"
        return f"{words} de {year_text}" if year_text else words
    else:
        words = f"{cardinal(day, language)} {month_name}"
    return f"{words} {year_text}" if year_text else words


def _numeric(match: re.Match[str], locale: Locale, *, iso: bool = False) -> str:
    first, second = int(match.group("a")), int(match.group("b"))
    written_year = match.groupdict().get("year")
    year = _full_year(written_year) if written_year else None
    if iso:
        month, day = first, second
    elif locale.month_first:
        month, day = (first, second) if first <= 12 or second > 12 else (second, first)
    else:
        day, month = (first, second) if second <= 12 or first > 12 else (second, first)
    if not _valid(day, month):
        return match.group()
    return read_date(day, month, year, locale)


def _day_month(match: re.Match[str], locale: Locale) -> str:
    if len(match.group("b")) < 2:
        return match.group()
    return _numeric(match, locale)


def _written(match: re.Match[str], locale: Locale, *, month_first: bool) -> str:
    day, month = int(match.group("day")), _month_number(match.group("month"))
    if not _valid(day, month):
        return match.group()
    year = int(match.group("year")) if match.group("year") else None
    return read_date(day, month, year, locale, month_first=month_first)


def expand_dates(text: str, locale: Locale) -> str:
    """Read numeric dates in every language, and written English and Spanish dates."""
    text = _ISO.sub(lambda match: _numeric(match, locale, iso=True), text)
    text = _WITH_YEAR.sub(lambda match: _numeric(match, locale), text)
    text = _DAY_MONTH.sub(lambda match: _day_month(match, locale), text)
    if locale.language == "en":
        text = _EN_DAY_FIRST.sub(lambda match: _written(match, locale, month_first=False), text)
        text = _EN_MONTH_FIRST.sub(lambda match: _written(match, locale, month_first=True), text)
        # "until the 15th of August" already had its article: read "the fifteenth", not "the the"
        text = _DOUBLE_THE.sub(r"\1", text)
    elif locale.language == "es":
        text = _ES_DATE.sub(lambda match: _written(match, locale, month_first=False), text)
    return text
