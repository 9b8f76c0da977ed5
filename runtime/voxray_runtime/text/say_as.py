"""SSML ``say-as`` readings: telephone numbers, dates in a given field order and clock times, in words of
the language (the normaliser's own readers). Pure; table-tested through tests/unit/test_ssml.py."""

from __future__ import annotations

import re

from voxray_runtime.text.dates import read_date
from voxray_runtime.text.language import Locale
from voxray_runtime.text.lexicon import LEXICON
from voxray_runtime.text.numerals import digit_words, year_words
from voxray_runtime.text.times import clock_time, read_time

DATE_FORMATS = ("dmy", "mdy", "ymd", "dm", "md", "y")
_CLOCK = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(?:([AaPp])\.?\s?[Mm]\.?)?\s*$")


def region_of(dialect: str | None) -> str | None:
    return dialect.split("-", 1)[1].upper() if dialect and "-" in dialect else None


def read_telephone(text: str, language: str) -> str | None:
    groups = re.findall(r"\d+", text)
    if not groups or re.search(r"[^\d\s()+.\-/]", text):
        return None
    spoken = ", ".join(digit_words(g, language) for g in groups)
    return f"{LEXICON[language].plus} {spoken}" if text.strip().startswith("+") else spoken


def read_date_as(text: str, fmt: str | None, locale: Locale) -> str | None:
    parts = [int(p) for p in re.findall(r"\d+", text)]
    if not parts or re.search(r"[^\d\s/.\-]", text):
        return None
    if fmt is None:
        if len(parts) == 3 and parts[0] > 31:
            fmt = "ymd"
        else:
            fmt = ("mdy" if locale.month_first else "dmy")[: len(parts)] if len(parts) > 1 else "y"
    if fmt not in DATE_FORMATS or len(fmt) != len(parts):
        return None
    field_of = dict(zip(fmt, parts, strict=True))
    if fmt == "y":
        return year_words(field_of["y"], locale.language)
    day, month, year = field_of["d"], field_of["m"], field_of.get("y")
    if year is not None and year < 100:
        year += 2000 if year < 70 else 1900
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return read_date(day, month, year, locale, month_first=fmt.startswith("m"))


def read_time_as(text: str, locale: Locale) -> str | None:
    m = _CLOCK.match(text)
    if m is None:
        return None
    written, minute = m.group(1), int(m.group(2) or 0)
    second = int(m.group(3)) if m.group(3) else None
    period = None if m.group(4) is None else ("am" if m.group(4) in "Aa" else "pm")
    time = clock_time(written, minute, second, period)
    return None if time is None else read_time(time, locale)
