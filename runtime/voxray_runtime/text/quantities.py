"""Numbers left after currency, dates, times and units: phone numbers, percentages,
ordinals, ranges, signed and plain numbers, and the symbols "+", "=", "%", "@".

* Phone numbers are read digit by digit, a comma between groups: international ("+44 20
  7946 0958", "+92 300 1234567"), North American ("555-123-4567", "1-800-555-0199"),
  national numbers with a trunk 0 ("020 7946 0958", "050 123 4567", "0300-1234567") and,
  in Spanish, "912 345 678".
* Common fractions: "1/2" -> "half", "3 1/2" and "3½" -> "three and a half", "2 3/4" ->
  "two and three quarters" ("tres y medio", "ثلاثة ونصف"; Hindi and Urdu say "साढ़े
  तीन"/"ساڑھے تین", "डेढ़", "ढाई", "सवा", "पौने").
* "20%" (or "%20", as right-to-left text is sometimes typed) -> "twenty percent" /
  "veinte por ciento" / "عشرون بالمئة" / "बीस प्रतिशत" / "بیس فیصد".
* "1st", "21st" -> "first", "twenty-first" (in Arabic, Hindi and Urdu text too: "الثالث",
  "तीसरा", "تیسرا"); Arabic "الـ3" -> "الثالث"; Spanish "1.º", "1ª", "3er" -> "primero",
  "primera", "tercer".
* English decades: "1980s" -> "nineteen eighties", "'90s" -> "nineties".
* "3x4" and "3 × 4" -> "three by four" ("tres por cuatro", "ثلاثة في أربعة").
* "10-20" and "10–20" -> "ten to twenty" ("diez a veinte", "दस से बीस").
* Integers with a leading zero and runs of more than fifteen digits are read digit by
  digit; a bare four-digit year is read as a year in English (1001-2099: "twenty
  twenty-seven") and in Hindi and Urdu (1100-1999: "उन्नीस सौ सैंतालीस").
* Letters and digits written together are read apart ("mp3" -> "mp three").
* A decimal without its leading zero reads as one with it: ".5" -> "zero point five".
"""

from __future__ import annotations

import re

from .language import Locale
from .lexicon import LEXICON
from .numerals import (
    DECIMAL_WORDS,
    arabic,
    cardinal,
    decimal_words,
    digit_words,
    english,
    ordinal_words,
    spanish,
    year_words,
)
from .numerals.parse import NUMBER, parse_number
from .script import NOT_AFTER_WORD, NOT_BEFORE_WORD

_PHONE = re.compile(
    r"(?<![\w+])(?P<plus>\+)\d{1,3}(?:[ -]\(?\d{1,8}\)?){1,5}(?!\d|[.,:]\d)"
    r"|(?<![\w-])(?:1[ -])?\(?\d{3}\)?[ -]\d{3}-\d{4}(?![\d-])"
    r"|(?<![\w+.,/:-])(?P<trunk>0\d{2,5}(?:[ -]\d{2,8}){1,3})(?![\d/:-]|[.,]\d)"
)
_ES_PHONE = re.compile(r"(?<![\w+.,/:-])[6789]\d{2} \d{3} \d{3}(?![\d/:-]|[.,]\d)")
#: Fewer digits than this after "+" or a trunk 0 is not a phone number ("+1 2", "012 34").
_MIN_PHONE_DIGITS = 8
_CLAUSE_COMMA: dict[str, str] = {"ar": "،", "ur": "،"}
_FRACTION = re.compile(r"(?<![\d/.,])(?:(?P<whole>\d{1,6})\s?)?(?P<num>[123])/(?P<den>[234])(?![\d/]|[.,]\d)")
#: (numerator, denominator) -> (said alone, said after a whole number); Hindi and Urdu mixed
#: numbers have words of their own (see _indic_mixed).
FRACTIONS: dict[str, dict[tuple[int, int], tuple[str, str]]] = {
    "en": {
        (1, 2): ("half", "and a half"), (1, 4): ("one quarter", "and a quarter"),
        (3, 4): ("three quarters", "and three quarters"), (1, 3): ("one third", "and a third"),
        (2, 3): ("two thirds", "and two thirds"),
    },
    "es": {
        (1, 2): ("medio", "y medio"), (1, 4): ("un cuarto", "y cuarto"),
        (3, 4): ("tres cuartos", "y tres cuartos"), (1, 3): ("un tercio", "y un tercio"),
        (2, 3): ("dos tercios", "y dos tercios"),
    },
    "ar": {
        (1, 2): ("نصف", "ونصف"), (1, 4): ("ربع", "وربع"), (3, 4): ("ثلاثة أرباع", "وثلاثة أرباع"),
        (1, 3): ("ثلث", "وثلث"), (2, 3): ("ثلثان", "وثلثان"),
    },
    "hi": {
        (1, 2): ("आधा", ""), (1, 4): ("एक चौथाई", ""), (3, 4): ("तीन चौथाई", ""),
        (1, 3): ("एक तिहाई", "और एक तिहाई"), (2, 3): ("दो तिहाई", "और दो तिहाई"),
    },
    "ur": {
        (1, 2): ("آدھا", ""), (1, 4): ("ایک چوتھائی", ""), (3, 4): ("تین چوتھائی", ""),
        (1, 3): ("ایک تہائی", "اور ایک تہائی"), (2, 3): ("دو تہائی", "اور دو تہائی"),
    },
}  # fmt: skip
#: Spanish "medio" agrees with the noun after it: "media taza", "dos y media horas".
_FEMININE_NEXT = re.compile(r"\s*[^\W\d_]*as?\b")
#: Hindi/Urdu: 1½, 2½, n½, n¼, n¾ ("डेढ़", "ढाई", "साढ़े n", "सवा n", "पौने n+1").
_INDIC_MIXED: dict[str, tuple[str, str, str, str, str]] = {
    "hi": ("डेढ़", "ढाई", "साढ़े", "सवा", "पौने"),
    "ur": ("ڈیڑھ", "ڈھائی", "ساڑھے", "سوا", "پونے"),
}
_ORDINAL_SUFFIX = re.compile(rf"{NOT_AFTER_WORD}(?P<num>\d+)(?:st|nd|rd|th){NOT_BEFORE_WORD}", re.IGNORECASE)
_ARABIC_DEFINITE = re.compile(rf"{NOT_AFTER_WORD}ال\s?(?P<num>\d{{1,2}}){NOT_BEFORE_WORD}")
_DECADE = re.compile(r"(?<![\w'])'?(?P<num>[1-9]0|1[0-9]{2}0|20[0-9]0)'?s(?![\w'])")
_TIMES = re.compile(r"(?<=\d)\s?[x×]\s?(?=\d)")
_BY: dict[str, str] = {"en": "by", "es": "por", "ar": "في", "hi": "गुणा", "ur": "ضرب"}
_DIGIT_GROUP = re.compile(r"\d+")
_PERCENT = re.compile(rf"(?<![\d.,])(?P<num>{NUMBER})\s?%|(?<![\d.,%])%\s?(?P<after>{NUMBER})")
_ES_ORDINAL = re.compile(
    rf"{NOT_AFTER_WORD}(?P<num>\d+)\.?(?P<suffix>[ºª]|er|ra|do|da|ro|to|ta|vo|va|no|na|mo|ma){NOT_BEFORE_WORD}"
)
_RANGE = re.compile(rf"(?<![\d.,])(?P<low>{NUMBER})(?:\s?[–—]\s?|-)(?P<high>{NUMBER})(?![\d]|[.,]\d|-\d)")
_NEGATIVE = re.compile(r"(?:^|(?<=[\s(\[]))-(?=\d|[$€£₹]\d)", re.MULTILINE)
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_PLAIN = re.compile(NUMBER)
#: A decimal written without its leading zero: ".5" reads as "0.5".
_BARE_FRACTION = re.compile(r"(?<![\w.,])\.(?P<digits>\d+)(?![\d]|[.,]\d)")
# a symbol with the spaces around it; the look-behind keeps a long run of spaces linear
_PLUS = re.compile(r"(?<!\s)\s*\+\s*")
_EQUALS = re.compile(r"(?<!\s)\s*=\s*")
_PERCENT_SIGN = re.compile(r"(?<!\s)\s*%\s*")
_MAX_CARDINAL_DIGITS = 15
_YEAR_RANGES: dict[str, tuple[int, int]] = {"en": (1001, 2099), "hi": (1100, 1999), "ur": (1100, 1999)}
_MINUS: dict[str, str] = {"en": "minus", "es": "menos", "ar": "سالب", "hi": "माइनस", "ur": "منفی"}


def _read_phone(match: re.Match[str], language: str) -> str:
    digit_groups = _DIGIT_GROUP.findall(match.group())
    counted = match.groupdict().get("plus") or match.groupdict().get("trunk")
    if counted and sum(map(len, digit_groups)) < _MIN_PHONE_DIGITS:
        return match.group()
    comma = _CLAUSE_COMMA.get(language, ",")
    words = f"{comma} ".join(digit_words(group, language) for group in digit_groups)
    if match.groupdict().get("plus"):
        words = f"{LEXICON[language].plus} {words}"
    return f" {words} "


def fraction_words(
    fraction: tuple[int, int], language: str, *, feminine: bool = False
) -> tuple[str, str] | None:
    """(said alone, said after a whole number) for a common fraction; ``None`` for others.

    ``feminine`` makes Spanish "medio" agree ("media hora").
    """
    words = FRACTIONS[language].get(fraction)
    if words is None or not (feminine and language == "es"):
        return words
    return words[0].replace("medio", "media"), words[1].replace("medio", "media")


def mixed_number(whole: int, fraction: tuple[int, int], language: str) -> str | None:
    """A whole number and a fraction said together ("three and a half", "साढ़े तीन")."""
    words = fraction_words(fraction, language)
    if words is None:
        return None
    if language in _INDIC_MIXED and not words[1]:
        return _indic_mixed(whole, fraction, language)
    return f"{cardinal(whole, language)} {words[1]}"


def _read_fraction(match: re.Match[str], language: str) -> str:
    fraction = int(match.group("num")), int(match.group("den"))
    feminine = _FEMININE_NEXT.match(match.string, match.end()) is not None
    words = fraction_words(fraction, language, feminine=feminine)
    if words is None:
        return match.group()
    if match.group("whole") is None:
        return f" {words[0]} "
    whole = int(match.group("whole"))
    if language in _INDIC_MIXED and not words[1]:
        return f" {_indic_mixed(whole, fraction, language)} "
    return f" {cardinal(whole, language)} {words[1]} "


def _indic_mixed(whole: int, fraction: tuple[int, int], language: str) -> str:
    one_half, two_half, half_past, quarter_past, quarter_to = _INDIC_MIXED[language]
    if fraction == (1, 2):
        if whole in (1, 2):
            return one_half if whole == 1 else two_half
        return f"{half_past} {cardinal(whole, language)}"
    if fraction == (1, 4):
        return f"{quarter_past} {cardinal(whole, language)}"
    return f"{quarter_to} {cardinal(whole + 1, language)}"


def _read_range(match: re.Match[str], language: str) -> str:
    high = match.group("high")
    if language == "ar":  # after "إلى" the number is genitive: "عشرة إلى اثني عشر", "إلى عشرين"
        high = arabic.genitive(read_number(high, language))
    return f"{match.group('low')} {LEXICON[language].range_to} {high}"


def _read_decade(match: re.Match[str]) -> str:
    number = int(match.group("num"))
    words = english.year(number) if number >= 1000 else english.cardinal(number)
    return re.sub(r"y$", "ie", words) + "s"


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


def _read_ordinal(match: re.Match[str], language: str) -> str:
    number = int(match.group("num"))
    if language == "ar" and not 0 < number < 100:
        return match.group()
    return ordinal_words(number, language)


def _read_spanish_ordinal(match: re.Match[str]) -> str:
    suffix = match.group("suffix")
    feminine = suffix in ("ª", "ra", "da", "ta", "va", "na", "ma")
    return spanish.ordinal(int(match.group("num")), feminine=feminine, apocopated=suffix == "er")


def expand_signs(text: str, locale: Locale) -> str:
    """Read phone numbers, then a minus sign before a number ("-5" -> "minus 5").

    Runs before the other number passes so that "-5°C" and "-$20" keep their sign.
    """
    text = _PHONE.sub(lambda match: _read_phone(match, locale.language), text)
    if locale.language == "es":
        text = _ES_PHONE.sub(lambda match: _read_phone(match, locale.language), text)
    return _NEGATIVE.sub(f"{_MINUS[locale.language]} ", text)


def expand_quantities(text: str, locale: Locale) -> str:
    """Read every remaining number, then the arithmetic symbols."""
    language = locale.language
    text = _FRACTION.sub(lambda match: _read_fraction(match, language), text)
    text = _TIMES.sub(f" {_BY[language]} ", text)
    text = _RANGE.sub(lambda match: _read_range(match, language), text)
    text = _PERCENT.sub(lambda match: _read_percent(match, language), text)
    if language == "en":
        text = _DECADE.sub(_read_decade, text)
    if language == "es":
        text = _ES_ORDINAL.sub(_read_spanish_ordinal, text)
    else:
        text = _ORDINAL_SUFFIX.sub(lambda match: _read_ordinal(match, language), text)
    if language == "ar":
        text = _ARABIC_DEFINITE.sub(lambda match: _read_ordinal(match, language), text)
    text = _LETTER_DIGIT.sub(" ", text)
    text = _BARE_FRACTION.sub(lambda match: f" {decimal_words(0, match.group('digits'), language)} ", text)
    text = _PLAIN.sub(lambda match: read_number(match.group(), language), text)
    return _read_symbols(text, locale)


def _read_symbols(text: str, locale: Locale) -> str:
    words = LEXICON[locale.language]
    text = _PLUS.sub(f" {words.plus} ", text)
    text = _EQUALS.sub(f" {words.equals} ", text)
    text = _PERCENT_SIGN.sub(f" {words.percent} ", text)
    if locale.language == "en":
        text = re.sub(r"(?<!\s)\s+@\s+", " at ", text)
    return text
