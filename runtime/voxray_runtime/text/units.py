"""Units of measure after a number: "5 km", "1 kg", "20°C", "3 hrs".

A unit is only read when a number comes right before it, so "min" or "h" on their own
are left alone.  English takes the singular for exactly 1 and spells "-metre/-litre"
except in US English; Spanish numbers agree with the unit's gender ("una hora",
"veintiún kilómetros"); Arabic counts feminine units (minute, hour, second) with full
agreement and follows other units with the singular, as in everyday MSA.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .language import Locale
from .numerals import arabic, cardinal, decimal_words, spanish
from .numerals.parse import NUMBER, ParsedNumber, parse_number
from .quantities import fraction_words, mixed_number
from .script import NOT_BEFORE_WORD


@dataclass(frozen=True, slots=True)
class Unit:
    """Singular and plural names; ``feminine`` for Spanish agreement, ``dual`` for Arabic."""

    singular: str
    plural: str
    feminine: bool = False
    dual: str = ""


_EN_LENGTH = {
    ("km",): Unit("kilometre", "kilometres"),
    ("cm",): Unit("centimetre", "centimetres"),
    ("mm",): Unit("millimetre", "millimetres"),
    ("kg", "kgs"): Unit("kilogram", "kilograms"),
    ("mg",): Unit("milligram", "milligrams"),
    ("ml",): Unit("millilitre", "millilitres"),
    ("min", "mins"): Unit("minute", "minutes"),
    ("h", "hr", "hrs"): Unit("hour", "hours"),
    ("sec", "secs"): Unit("second", "seconds"),
    ("km/h", "kmh", "kph"): Unit("kilometre per hour", "kilometres per hour"),
    ("mph",): Unit("mile per hour", "miles per hour"),
    ("ft",): Unit("foot", "feet"),
    ("°C",): Unit("degree Celsius", "degrees Celsius"),
    ("°F",): Unit("degree Fahrenheit", "degrees Fahrenheit"),
    ("GB",): Unit("gigabyte", "gigabytes"),
    ("MB",): Unit("megabyte", "megabytes"),
    ("TB",): Unit("terabyte", "terabytes"),
}

UNITS: dict[str, dict[tuple[str, ...], Unit]] = {
    "en": _EN_LENGTH,
    "es": {
        ("km",): Unit("kilómetro", "kilómetros"),
        ("cm",): Unit("centímetro", "centímetros"),
        ("mm",): Unit("milímetro", "milímetros"),
        ("kg",): Unit("kilogramo", "kilogramos"),
        ("mg",): Unit("miligramo", "miligramos"),
        ("ml",): Unit("mililitro", "mililitros"),
        ("min",): Unit("minuto", "minutos"),
        ("h", "hr", "hrs", "hs"): Unit("hora", "horas", feminine=True),
        ("seg",): Unit("segundo", "segundos"),
        ("km/h",): Unit("kilómetro por hora", "kilómetros por hora"),
        ("°C",): Unit("grado Celsius", "grados Celsius"),
        ("°F",): Unit("grado Fahrenheit", "grados Fahrenheit"),
        ("GB",): Unit("gigabyte", "gigabytes"),
        ("MB",): Unit("megabyte", "megabytes"),
    },
    "ar": {
        ("km", "كم"): Unit("كيلومتر", "كيلومتر"),
        ("cm", "سم"): Unit("سنتيمتر", "سنتيمتر"),
        ("mm", "مم"): Unit("مليمتر", "مليمتر"),
        ("kg", "كغ", "كجم"): Unit("كيلوغرام", "كيلوغرام"),
        ("ml", "مل"): Unit("مليلتر", "مليلتر"),
        ("min", "دقيقة"): Unit("دقيقة", "دقائق", feminine=True, dual="دقيقتان"),
        ("h", "hr", "hrs"): Unit("ساعة", "ساعات", feminine=True, dual="ساعتان"),
        ("sec", "ثانية"): Unit("ثانية", "ثوان", feminine=True, dual="ثانيتان"),
        ("km/h", "كم/س"): Unit("كيلومتر في الساعة", "كيلومتر في الساعة"),
        ("°C", "°م"): Unit("درجة مئوية", "درجة مئوية"),
        ("GB",): Unit("غيغابايت", "غيغابايت"),
    },
    "hi": {
        ("km", "किमी", "कि.मी."): Unit("किलोमीटर", "किलोमीटर"),
        ("cm", "सेमी"): Unit("सेंटीमीटर", "सेंटीमीटर"),
        ("mm", "मिमी"): Unit("मिलीमीटर", "मिलीमीटर"),
        ("kg", "किग्रा", "कि.ग्रा."): Unit("किलोग्राम", "किलोग्राम"),
        ("mg",): Unit("मिलीग्राम", "मिलीग्राम"),
        ("ml",): Unit("मिलीलीटर", "मिलीलीटर"),
        ("min",): Unit("मिनट", "मिनट"),
        ("h", "hr", "hrs"): Unit("घंटा", "घंटे"),
        ("sec",): Unit("सेकंड", "सेकंड"),
        ("km/h",): Unit("किलोमीटर प्रति घंटा", "किलोमीटर प्रति घंटा"),
        ("°C",): Unit("डिग्री सेल्सियस", "डिग्री सेल्सियस"),
        ("GB",): Unit("जीबी", "जीबी"),
    },
    "ur": {
        ("km",): Unit("کلومیٹر", "کلومیٹر"),
        ("cm",): Unit("سینٹی میٹر", "سینٹی میٹر"),
        ("mm",): Unit("ملی میٹر", "ملی میٹر"),
        ("kg",): Unit("کلوگرام", "کلوگرام"),
        ("mg",): Unit("ملی گرام", "ملی گرام"),
        ("ml",): Unit("ملی لیٹر", "ملی لیٹر"),
        ("min",): Unit("منٹ", "منٹ"),
        ("h", "hr", "hrs"): Unit("گھنٹہ", "گھنٹے"),
        ("sec",): Unit("سیکنڈ", "سیکنڈ"),
        ("km/h",): Unit("کلومیٹر فی گھنٹہ", "کلومیٹر فی گھنٹہ"),
        ("°C",): Unit("ڈگری سینٹی گریڈ", "ڈگری سینٹی گریڈ"),
        ("GB",): Unit("جی بی", "جی بی"),
    },
}


def _compile(units: dict[tuple[str, ...], Unit]) -> tuple[re.Pattern[str], re.Pattern[str], dict[str, Unit]]:
    """(a fraction and a unit, a number and a unit, written form -> unit)."""
    lookup = {written: unit for spellings, unit in units.items() for written in spellings}
    alternatives = "|".join(re.escape(written) for written in sorted(lookup, key=len, reverse=True))
    unit = rf"\s?(?P<unit>{alternatives})(?![\w/]){NOT_BEFORE_WORD}"
    fraction = re.compile(rf"(?<![\d.,/])(?:(?P<num>\d{{1,6}})\s?)?(?P<fnum>[123])/(?P<fden>[234]){unit}")
    plain = re.compile(rf"(?<![\d.,/])(?P<num>{NUMBER}){unit}")
    return fraction, plain, lookup


_COMPILED = {language: _compile(units) for language, units in UNITS.items()}


def _us_spelling(words: str) -> str:
    return words.replace("metre", "meter").replace("litre", "liter")


def read_quantity(number: ParsedNumber, unit: Unit, locale: Locale) -> str:
    """Number and unit, with the language's agreement rules."""
    language = locale.language
    one = number.integer == 1 and not number.fraction
    if number.fraction:
        words = f"{decimal_words(number.integer, number.fraction, language, mark=number.mark)} {unit.plural}"
    elif language == "es":
        form: spanish.Form = "feminine" if unit.feminine else "apocopated"
        words = f"{spanish.cardinal(number.integer, form)} {unit.singular if one else unit.plural}"
    elif language == "ar" and unit.feminine:
        words = arabic.count_feminine(number.integer, unit.singular, unit.dual, unit.plural)
    elif language == "ar":
        words = f"{unit.singular} واحد" if one else f"{cardinal(number.integer, language)} {unit.singular}"
    else:
        words = f"{cardinal(number.integer, language)} {unit.singular if one else unit.plural}"
    return _us_spelling(words) if language == "en" and locale.region == "US" else words


def read_fractional_quantity(
    whole: str | None, fraction: tuple[int, int], unit: Unit, locale: Locale
) -> str | None:
    """ "2 3/4 km", "1/2 h": "two and three quarters kilometres", "half an hour" ("media hora",
    "dos horas y media", "نصف ساعة", "ढाई घंटे"); ``None`` for a fraction without words."""
    language = locale.language
    words = fraction_words(fraction, language, feminine=unit.feminine)
    if words is None:
        return None
    alone, after_whole = words
    if whole is None:
        if language == "en":
            article = "an" if unit.singular[0] in "aeiou" or unit.singular == "hour" else "a"
            spoken = (
                f"half {article} {unit.singular}"
                if fraction == (1, 2)
                else f"{alone} of {article} {unit.singular}"
            )
        elif language == "es" and fraction != (1, 2):
            spoken = f"{alone} de {unit.singular}"
        else:
            spoken = f"{alone} {unit.singular}"
    else:
        number = parse_number(whole, language)
        if number is None or number.fraction:
            return None
        if language in ("es", "ar"):
            spoken = f"{read_quantity(number, unit, locale)} {after_whole}"
        else:
            mixed = mixed_number(number.integer, fraction, language)
            spoken = f"{mixed} {unit.plural}"
    return _us_spelling(spoken) if language == "en" and locale.region == "US" else spoken


def expand_units(text: str, locale: Locale) -> str:
    """Read every number followed by a unit of the language's table."""
    fraction_pattern, plain_pattern, lookup = _COMPILED[locale.language]

    def with_fraction(match: re.Match[str]) -> str:
        fraction = int(match.group("fnum")), int(match.group("fden"))
        unit = lookup[match.group("unit")]
        return read_fractional_quantity(match.group("num"), fraction, unit, locale) or match.group()

    def spoken(match: re.Match[str]) -> str:
        number = parse_number(match.group("num"), locale.language)
        if number is None:
            return match.group()
        return read_quantity(number, lookup[match.group("unit")], locale)

    text = fraction_pattern.sub(with_fraction, text)
    return plain_pattern.sub(spoken, text)
