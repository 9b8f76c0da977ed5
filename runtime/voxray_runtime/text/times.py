"""Clock times: "7:30 pm", "7pm", "19:00", "07:05", "10:30 م".

A time is 24-hour when its hour is 0 or 13-23 or written with a leading zero; then, or
with an explicit am/pm, the part of the day is spoken where the language needs it.

* en: "seven thirty pee em", "seven oh five", "seven o'clock", "nineteen hundred",
  "midnight".  "am"/"pm" are spelled as they sound ("ay em", "pee em") because
  phonemizers read a lone "a" as the article and "AM" as the verb.
* es: "siete y media de la tarde", "siete y cuarto", "diecinueve horas", "diecinueve
  horas y treinta minutos"; hours are feminine ("la una", "veintiuna horas").
* ar: "الساعة السابعة والنصف مساءً": feminine ordinal hours, "والربع", "والنصف",
  "إلا ربعًا", other minutes counted with agreement ("وخمس دقائق").
* hi/ur: "शाम साढ़े सात बजे" / "شام ساڑھے سات بجے", with सवा/पौने/डेढ़/ढाई
  (سوا/پونے/ڈیڑھ/ڈھائی) and "सात बजकर दस मिनट" / "سات بج کر دس منٹ".

A dash between two times is read as the language's "to" ("ten thirty to eleven thirty",
"de diez y media a once y media" without the "de"); an hour mark after a clock time
("13:15 h", "19:00 hrs") is dropped, as the reading already says it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .language import Locale
from .lexicon import LEXICON
from .numerals import arabic, english, spanish
from .numerals.hindi import HINDI
from .numerals.indic import IndicNumerals
from .numerals.urdu import URDU
from .script import NOT_AFTER_WORD, NOT_BEFORE_WORD

_LATIN_PERIOD = r"(?P<period>[AaPp])(?:\.\s?[Mm]\.|\s?[Mm])(?![A-Za-z])"
_ARABIC_PERIOD = rf"(?P<arabic_period>[صم]){NOT_BEFORE_WORD}"
#: "13:15 h", "19:00 hrs": the hour mark after a clock time is already in its reading.
_HOUR_MARK = r"(?:\s?(?:hrs|hs|h)\.?(?![\w]))"
_CLOCK = re.compile(
    rf"(?<![\d:.,])(?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})(?::(?P<second>\d{{2}}))?"
    rf"(?:\s?(?:{_LATIN_PERIOD}|{_ARABIC_PERIOD})|{_HOUR_MARK})?(?![\d:])"
)
_RANGE_END = r"\d{1,2}(?::\d{2})?(?:\s?[AaPp]\.?\s?[Mm]\.?(?![A-Za-z]))?"
#: "10:30-11:30", "9am-5pm", "7-9 pm": a dash between two times, at least one with ":" or am/pm.
_TIME_RANGE = re.compile(rf"(?<![\d:.,/-])(?P<low>{_RANGE_END})\s?[-–]\s?(?P<high>{_RANGE_END})(?![\d:/-])")
_HOUR_PERIOD = re.compile(rf"(?<![\d:.,])(?P<hour>\d{{1,2}})(?:\.(?P<minute>\d{{2}}))?\s?{_LATIN_PERIOD}")


@dataclass(frozen=True, slots=True)
class ClockTime:
    """A validated time: 24-hour ``hour``, and whether the part of the day is spoken."""

    hour: int
    minute: int
    second: int | None
    period: str | None  # "am", "pm" or None when not written
    twenty_four: bool

    @property
    def hour12(self) -> int:
        return self.hour % 12 or 12

    @property
    def says_period(self) -> bool:
        return self.period is not None or self.twenty_four


# --- English ---------------------------------------------------------------------


def _en_minutes(minute: int) -> str:
    if minute == 0:
        return ""
    return f" oh {english.cardinal(minute)}" if minute < 10 else f" {english.cardinal(minute)}"


def _read_en(time: ClockTime) -> str:
    if time.period is not None:
        suffix = " ay em" if time.period == "am" else " pee em"
        words = f"{english.cardinal(time.hour12)}{_en_minutes(time.minute)}{suffix}"
    elif time.hour == 0:
        words = "midnight" if time.minute == 0 else f"twelve{_en_minutes(time.minute)} ay em"
    elif time.hour >= 13 and time.minute == 0:
        words = f"{english.cardinal(time.hour)} hundred"
    elif time.minute == 0:
        words = f"{english.cardinal(time.hour)} o'clock"
    else:
        words = f"{english.cardinal(time.hour)}{_en_minutes(time.minute)}"
    if time.second:
        unit = "second" if time.second == 1 else "seconds"
        words = f"{words} and {english.cardinal(time.second)} {unit}"
    return words


# --- Spanish ---------------------------------------------------------------------


def _es_part_of_day(hour: int) -> str:
    if hour < 6:
        return "de la madrugada"
    if hour < 12:
        return "de la mañana"
    if hour == 12:
        return "del mediodía"
    return "de la tarde" if hour < 20 else "de la noche"


def _es_count(n: int, one: str, many: str) -> str:
    return f"{spanish.cardinal(n, 'apocopated')} {one if n == 1 else many}"


def _read_es(time: ClockTime) -> str:
    if time.twenty_four and time.period is None:
        words = "una hora" if time.hour == 1 else f"{spanish.cardinal(time.hour, 'feminine')} horas"
        if time.minute:
            words = f"{words} y {_es_count(time.minute, 'minuto', 'minutos')}"
    else:
        words = spanish.cardinal(time.hour12, "feminine")
        if time.minute == 15:
            words += " y cuarto"
        elif time.minute == 30:
            words += " y media"
        elif time.minute:
            words += f" y {spanish.cardinal(time.minute)}"
        elif time.period is None:
            words += " en punto"
        if time.period is not None:
            words += f" {_es_part_of_day(time.hour)}"
    if time.second:
        words += f" y {_es_count(time.second, 'segundo', 'segundos')}"
    return words


# --- Arabic ----------------------------------------------------------------------

ARABIC_HOURS: tuple[str, ...] = (
    "", "الواحدة", "الثانية", "الثالثة", "الرابعة", "الخامسة", "السادسة", "السابعة", "الثامنة",
    "التاسعة", "العاشرة", "الحادية عشرة", "الثانية عشرة",
)  # fmt: skip
_ARABIC_FRACTIONS: dict[int, str] = {15: " والربع", 20: " والثلث", 30: " والنصف"}
_ARABIC_TO_NEXT: dict[int, str] = {40: " إلا ثلثًا", 45: " إلا ربعًا"}


def _ar_part_of_day(hour: int) -> str:
    if hour < 12:
        return " صباحًا"
    return " ظهرًا" if hour == 12 else " مساءً"


def _read_ar(time: ClockTime) -> str:
    hour = time.hour12
    if time.minute in _ARABIC_TO_NEXT:
        words = f"الساعة {ARABIC_HOURS[hour % 12 + 1]}{_ARABIC_TO_NEXT[time.minute]}"
    else:
        words = f"الساعة {ARABIC_HOURS[hour]}"
        if time.minute in _ARABIC_FRACTIONS:
            words += _ARABIC_FRACTIONS[time.minute]
        elif time.minute:
            words += f" و{arabic.count_feminine(time.minute, 'دقيقة', 'دقيقتان', 'دقائق')}"
    if time.second:
        words += f" و{arabic.count_feminine(time.second, 'ثانية', 'ثانيتان', 'ثوان')}"
    if time.says_period:
        words += _ar_part_of_day(time.hour)
    return words


# --- Hindi and Urdu --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicClock:
    """The clock words of Hindi or Urdu."""

    numerals: IndicNumerals
    oclock: str  # बजे
    past: str  # बजकर
    minutes: str  # मिनट
    seconds: str  # सेकंड
    quarter_past: str  # सवा
    half_past: str  # साढ़े
    quarter_to: str  # पौने
    one_thirty: str  # डेढ़
    two_thirty: str  # ढाई
    parts_of_day: tuple[str, str, str, str]  # morning, noon, evening, night


HINDI_CLOCK = IndicClock(
    numerals=HINDI,
    oclock="बजे",
    past="बजकर",
    minutes="मिनट",
    seconds="सेकंड",
    quarter_past="सवा",
    half_past="साढ़े",
    quarter_to="पौने",
    one_thirty="डेढ़",
    two_thirty="ढाई",
    parts_of_day=("सुबह", "दोपहर", "शाम", "रात"),
)
URDU_CLOCK = IndicClock(
    numerals=URDU,
    oclock="بجے",
    past="بج کر",
    minutes="منٹ",
    seconds="سیکنڈ",
    quarter_past="سوا",
    half_past="ساڑھے",
    quarter_to="پونے",
    one_thirty="ڈیڑھ",
    two_thirty="ڈھائی",
    parts_of_day=("صبح", "دوپہر", "شام", "رات"),
)


def _indic_part_of_day(hour: int, clock: IndicClock) -> str:
    morning, noon, evening, night = clock.parts_of_day
    if 4 <= hour < 12:
        return morning
    if 12 <= hour < 16:
        return noon
    return evening if 16 <= hour < 20 else night


def _read_indic(time: ClockTime, clock: IndicClock) -> str:
    numerals = clock.numerals.below_hundred
    hour = time.hour12
    if time.minute == 0:
        words = f"{numerals[hour]} {clock.oclock}"
    elif time.minute == 15:
        words = f"{clock.quarter_past} {numerals[hour]} {clock.oclock}"
    elif time.minute == 30 and hour in (1, 2):
        words = f"{clock.one_thirty if hour == 1 else clock.two_thirty} {clock.oclock}"
    elif time.minute == 30:
        words = f"{clock.half_past} {numerals[hour]} {clock.oclock}"
    elif time.minute == 45:
        words = f"{clock.quarter_to} {numerals[hour % 12 + 1]} {clock.oclock}"
    else:
        words = f"{numerals[hour]} {clock.past} {numerals[time.minute]} {clock.minutes}"
    if time.second:
        words += f" {numerals[time.second]} {clock.seconds}"
    if time.says_period:
        words = f"{_indic_part_of_day(time.hour, clock)} {words}"
    return words


_READERS: dict[str, Callable[[ClockTime], str]] = {
    "en": _read_en,
    "es": _read_es,
    "ar": _read_ar,
    "hi": lambda time: _read_indic(time, HINDI_CLOCK),
    "ur": lambda time: _read_indic(time, URDU_CLOCK),
}


def parse_time(match: re.Match[str]) -> ClockTime | None:
    """Validate a matched time; ``None`` when it is not a possible clock reading."""
    written_hour = match.group("hour")
    minute = int(match.group("minute") or 0)
    second = int(match.group("second")) if match.groupdict().get("second") else None
    period: str | None = None
    if match.group("period"):
        period = "am" if match.group("period") in "Aa" else "pm"
    elif match.groupdict().get("arabic_period"):
        period = "am" if match.group("arabic_period") == "ص" else "pm"
    return clock_time(written_hour, minute, second, period)


def clock_time(written_hour: str, minute: int, second: int | None, period: str | None) -> ClockTime | None:
    """The clock reading of a written hour, minute, second and am/pm; ``None`` when impossible."""
    hour = int(written_hour)
    if minute > 59 or (second is not None and second > 59):
        return None
    if period is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if period == "pm" else 0)
    elif hour > 23:
        return None
    twenty_four = period is None and (hour == 0 or hour >= 13 or written_hour.startswith("0"))
    return ClockTime(hour, minute, second, period, twenty_four)


#: Words a text may already have around a time ("الساعة 7:30", "7:30 बजे"), which the
#: reading repeats; a repeated one is said once.
_REPEATABLE = ("الساعة", "बजे", "بجے", "सुबह", "दोपहर", "शाम", "रात", "صبح", "دوپہر", "شام", "رات")
_REPEATED_WORD = re.compile(rf"{NOT_AFTER_WORD}({'|'.join(_REPEATABLE)})(?:\s+\1)+{NOT_BEFORE_WORD}")
_MINUTES_THEN_OCLOCK = re.compile(rf"(?<=मिनट)\s+बजे{NOT_BEFORE_WORD}|(?<=منٹ)\s+بجے{NOT_BEFORE_WORD}")
_SENTENCE_GOES_ON = re.compile(r"\s*$|\s+[A-ZÁÉÍÓÚÑ¿¡]")


def _is_24_hour(written: str) -> bool:
    hour, _, minute = written.partition(":")
    return bool(minute) and minute.isdigit() and (hour.startswith("0") or 13 <= int(hour) <= 23)


def _as_24_hour(written: str) -> str:
    """ "9:00" -> "09:00", which the clock pass reads as a 24-hour time; others unchanged."""
    hour, _, minute = written.partition(":")
    return f"0{written}" if minute.isdigit() and len(hour) == 1 else written


def _as_12_hour(written: str) -> str:
    """ "17:00" -> "5:00 pm", "9:00" -> "9:00 am": English reads a mixed range on the 12-hour clock."""
    hour, _, minute = written.partition(":")
    if not (minute.isdigit() and hour.isdigit() and int(hour) <= 23):
        return written
    return f"{int(hour) % 12 or 12}:{minute} {'am' if int(hour) < 12 else 'pm'}"


def read_time(time: ClockTime, locale: Locale) -> str:
    """A clock time in words in the locale's language."""
    return _READERS[locale.language](time)


def expand_times(text: str, locale: Locale) -> str:
    """Read every "H:MM" time and every hour with am/pm."""

    def spoken(match: re.Match[str]) -> str:
        time = parse_time(match)
        if time is None:
            return match.group()
        words = read_time(time, locale)
        if match.group().endswith(".") and _SENTENCE_GOES_ON.match(match.string, match.end()):
            words += "."  # "p.m." ended the sentence
        return f" {words} "

    def time_range(match: re.Match[str]) -> str:
        low, high = match.group("low"), match.group("high")
        if not any(":" in part or part[-1:].isalpha() or part.endswith(".") for part in (low, high)):
            return match.group()  # "9-5": numbers, read by the range pass
        if _is_24_hour(low) != _is_24_hour(high):  # "9:00-17:00": both ends on one clock
            convert = _as_12_hour if locale.language == "en" else _as_24_hour
            low, high = convert(low), convert(high)
        return f"{low} {LEXICON[locale.language].range_to} {high}"

    text = _TIME_RANGE.sub(time_range, text)
    text = _CLOCK.sub(spoken, text)
    text = _HOUR_PERIOD.sub(spoken, text)
    text = _REPEATED_WORD.sub(r"\1", text)
    return _MINUTES_THEN_OCLOCK.sub("", text)
