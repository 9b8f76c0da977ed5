"""Abbreviations and "&", expanded per language.

Titles ("Dr.", "Sr.") are expanded only before a following word; the one-letter Arabic and
Devanagari titles only before a name and never right after a number, in digits or words
(so "٥ د." is not a doctor).  Lower-case dotted forms ("approx.", "p. ej.")
match in any case, everything else case-sensitively.  When an expanded abbreviation
ended a sentence (end of text, or a capitalised word follows) its full stop is kept.
English weekday ranges read in full ("Mon-Fri" -> "Monday to Friday"); Spanish centuries
in Roman numerals are read as numbers ("siglo XXI" -> "siglo veintiuno").
"St." reads "Street" after a capitalised word that does not start the sentence ("Main
St.") and "Saint" before a name ("St. John"); "No." is expanded only before a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .language import Locale
from .lexicon import LEXICON
from .numerals import arabic, english, spanish
from .numerals.hindi import HINDI
from .numerals.urdu import URDU
from .script import NOT_AFTER_WORD, NOT_BEFORE_WORD


@dataclass(frozen=True, slots=True)
class Abbreviation:
    """One written form and its expansion.

    ``before`` is a lookahead the following text must match (e.g. a digit for "No.").
    ``title`` marks a prefix to a name, which never ends a sentence.
    """

    written: str
    spoken: str
    title: bool = False
    before: str = ""


_NAME = r"(?=\s*[A-ZÁÉÍÓÚÑ])"


def _not_a_number_word(words: Iterable[str]) -> str:
    """A look-ahead refusing number words: "د. 5" is no doctor, nor is "د. خمسة" once read."""
    alternatives = "|".join(sorted({re.escape(word) for word in words if word}, key=len, reverse=True))
    return rf"(?!\s*(?:{alternatives}){NOT_BEFORE_WORD})"


_ARABIC_NUMBER_WORDS = (
    *arabic.UNITS, *arabic.TEENS, *arabic.TENS, *arabic.HUNDREDS, "مئتا", "أحد", "اثنا",
    *(form for scale in arabic.SCALES for form in (scale.singular, scale.dual, scale.plural)),
)  # fmt: skip
#: Number words per language: a title right after one is no title, as after a digit ("5 Dr."
#: is an address), so normalising text whose numbers are already words changes nothing.
NUMBER_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset((*english.ONES, *english.TENS, "hundred", *(name for _, name in english.SCALES)))
    | frozenset(f"{tens}-{one}" for tens in english.TENS[2:] for one in english.ONES[1:10]),
    "es": frozenset((*spanish.BELOW_THIRTY, *spanish.TENS, *spanish.HUNDREDS, "cien", "mil", "un", "una"))
    | frozenset(word for pair in spanish.LONG_SCALES for word in pair),
    "ar": frozenset(word for entry in _ARABIC_NUMBER_WORDS for word in entry.split()),
    "hi": frozenset((*HINDI.below_hundred, HINDI.hundred, *(name for _, name in HINDI.scales))),
    "ur": frozenset((*URDU.below_hundred, URDU.hundred, *(name for _, name in URDU.scales))),
}
#: A name is a word of two letters or more: "د. د." is two abbreviations, not a doctor.
_ARABIC_NAME = (
    rf"(?=\s*[\u0621-\u064a][\u064b-\u0652]*[\u0621-\u064a]){_not_a_number_word(_ARABIC_NUMBER_WORDS)}"
)
_DEVANAGARI_NAME = (
    rf"(?=\s*[\u0900-\u097f])"
    rf"{_not_a_number_word((*HINDI.below_hundred, HINDI.hundred, *(name for _, name in HINDI.scales)))}"
)
_NUMBER = r"(?=\s*\d)"

ABBREVIATIONS: dict[str, tuple[Abbreviation, ...]] = {
    "en": (
        Abbreviation("Mr.", "Mister", title=True),
        Abbreviation("Mrs.", "Missus", title=True),
        Abbreviation("Ms.", "Miz", title=True),
        Abbreviation("Dr.", "Doctor", title=True),
        Abbreviation("Prof.", "Professor", title=True),
        Abbreviation("Mt.", "Mount", title=True),
        Abbreviation("Jr.", "Junior", title=True),
        Abbreviation("Sr.", "Senior", title=True),
        Abbreviation("Capt.", "Captain", title=True),
        Abbreviation("Ave.", "Avenue", title=True),
        Abbreviation("Rd.", "Road", title=True),
        Abbreviation("No.", "number", before=_NUMBER),
        Abbreviation("approx.", "approximately"),
        Abbreviation("e.g.", "for example"),
        Abbreviation("i.e.", "that is"),
        Abbreviation("etc.", "et cetera"),
        Abbreviation("vs.", "versus"),
        Abbreviation("vs", "versus"),
        Abbreviation("a.k.a.", "also known as"),
        Abbreviation("Inc.", "Incorporated"),
        Abbreviation("Ltd.", "Limited"),
        Abbreviation("Dept.", "Department"),
        Abbreviation("Fig.", "Figure", before=_NUMBER),
    ),
    "es": (
        Abbreviation("Sr.", "señor", title=True),
        Abbreviation("Sra.", "señora", title=True),
        Abbreviation("Srta.", "señorita", title=True),
        Abbreviation("Dr.", "doctor", title=True),
        Abbreviation("Dra.", "doctora", title=True),
        Abbreviation("Prof.", "profesor", title=True),
        Abbreviation("Profa.", "profesora", title=True),
        Abbreviation("Ud.", "usted", title=True),
        Abbreviation("Uds.", "ustedes", title=True),
        Abbreviation("Vd.", "usted", title=True),
        Abbreviation("Av.", "avenida", title=True),
        Abbreviation("Avda.", "avenida", title=True),
        Abbreviation("Sto.", "santo", title=True),
        Abbreviation("Sta.", "santa", title=True),
        Abbreviation("EE. UU.", "Estados Unidos"),
        Abbreviation("p. ej.", "por ejemplo"),
        Abbreviation("etc.", "etcétera"),
        Abbreviation("aprox.", "aproximadamente"),
        Abbreviation("n.º", "número", before=_NUMBER),
        Abbreviation("nº", "número", before=_NUMBER),
        Abbreviation("núm.", "número", before=_NUMBER),
        Abbreviation("pág.", "página", before=_NUMBER),
        Abbreviation("tel.", "teléfono"),
    ),
    "ar": (
        Abbreviation("د.", "دكتور", title=True, before=_ARABIC_NAME),
        Abbreviation("أ.", "أستاذ", title=True, before=_ARABIC_NAME),
        Abbreviation("ص.ب.", "صندوق بريد"),
        Abbreviation("ص.ب", "صندوق بريد"),
        Abbreviation("ق.م.", "قبل الميلاد"),
        Abbreviation("ق.م", "قبل الميلاد"),
        Abbreviation("إلخ.", "إلى آخره"),
        Abbreviation("إلخ", "إلى آخره"),
        Abbreviation("Dr.", "دكتور", title=True),
        Abbreviation("Mr.", "السيد", title=True),
        Abbreviation("Mrs.", "السيدة", title=True),
    ),
    "hi": (
        Abbreviation("डॉ.", "डॉक्टर", title=True, before=_DEVANAGARI_NAME),
        Abbreviation("नं.", "नंबर", before=_NUMBER),
        Abbreviation("Dr.", "डॉक्टर", title=True),
        Abbreviation("Mr.", "मिस्टर", title=True),
        Abbreviation("Mrs.", "मिसेज़", title=True),
        Abbreviation("etc.", "आदि"),
    ),
    "ur": (
        Abbreviation("Dr.", "ڈاکٹر", title=True),
        Abbreviation("Mr.", "مسٹر", title=True),
        Abbreviation("Mrs.", "مسز", title=True),
        Abbreviation("etc.", "وغیرہ"),
    ),
}

#: Arabic era markers after a year: "٢٠٢٧م" -> "ميلادي", "١٤٤٨هـ" -> "هجري".
_ARABIC_ERA = re.compile(r"(?<=\d{4})\s?(?:(?P<ad>م)|(?P<ah>هـ|ه))(?![\u0621-\u064a])")
_WEEKDAYS: dict[str, str] = {
    "Mon": "Monday", "Tue": "Tuesday", "Tues": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday",
    "Thur": "Thursday", "Thurs": "Thursday", "Fri": "Friday", "Sat": "Saturday", "Sun": "Sunday",
}  # fmt: skip
_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_WEEKDAY_RANGE = re.compile(rf"(?<![\w-])(?P<first>{_WEEKDAY})\.?\s?[-–]\s?(?P<last>{_WEEKDAY})\.?(?![\w-])")
_ROMAN_VALUES: dict[str, int] = {"I": 1, "V": 5, "X": 10, "L": 50}
_SPANISH_CENTURY = re.compile(r"(?<!\w)(?P<word>[Ss]iglos?)\s+(?P<roman>[IVXL]{1,7})(?![\w-])")
_SAINT_OR_STREET = re.compile(r"(?<![A-Za-z])St\.(?=[\s.,;:!?]|$)")
_AMPERSAND = re.compile(r"(?<!\s)\s*&\s*")
_SENTENCE_END = re.compile(r"\s*$|\s+[A-ZÁÉÍÓÚÑ¿¡\"']")


def _pattern(abbreviation: Abbreviation) -> re.Pattern[str]:
    written = re.escape(abbreviation.written).replace(r"\ ", r"\s?")
    tail = "" if abbreviation.written.endswith(".") else NOT_BEFORE_WORD
    after = r"(?=\s*\S)" if abbreviation.title else ""
    not_after_number = r"(?<!\d)(?<!\d\s)" if abbreviation.title and abbreviation.before else ""
    written_form = abbreviation.written
    flags = re.IGNORECASE if written_form.islower() and written_form.endswith(".") else 0
    return re.compile(f"{not_after_number}{NOT_AFTER_WORD}{written}{tail}{after}{abbreviation.before}", flags)


_COMPILED: dict[str, tuple[tuple[re.Pattern[str], Abbreviation], ...]] = {
    language: tuple((_pattern(entry), entry) for entry in entries)
    for language, entries in ABBREVIATIONS.items()
}


def _after_number_word(text: str, start: int, language: str) -> bool:
    """Whether the word before ``start`` is a number written in words ("five Dr." is "5 Dr.")."""
    before = text[max(0, start - 40) : start].split()
    return bool(before) and before[-1].lower() in NUMBER_WORDS[language]


def _expand_one(text: str, pattern: re.Pattern[str], abbreviation: Abbreviation, language: str) -> str:
    def spoken(match: re.Match[str]) -> str:
        if abbreviation.title:
            if abbreviation.before and _after_number_word(text, match.start(), language):
                return match.group()
            return f"{abbreviation.spoken} "  # "Mr.Lee" -> "Mister Lee"
        ends_sentence = abbreviation.written.endswith(".")
        if ends_sentence and _SENTENCE_END.match(text, match.end()):
            return f"{abbreviation.spoken}."
        return abbreviation.spoken

    return pattern.sub(spoken, text)


def roman_to_int(numeral: str) -> int | None:
    """ "XXI" -> 21 for the numerals a century needs (I, V, X, L); ``None`` when not well formed."""
    total = 0
    values = [_ROMAN_VALUES[char] for char in numeral]
    for index, value in enumerate(values):
        following = values[index + 1] if index + 1 < len(values) else 0
        total += -value if value < following else value
    return total if total > 0 and _to_roman(total) == numeral else None


def _to_roman(n: int) -> str:
    out: list[str] = []
    for value, symbol in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out.append(symbol * count)
    return "".join(out)


def _spanish_century(match: re.Match[str]) -> str:
    number = roman_to_int(match.group("roman"))
    if number is None:
        return match.group()
    return f"{match.group('word')} {spanish.cardinal(number)}"


def _saint_or_street(match: re.Match[str]) -> str:
    text = match.string
    line_start = text.rfind("\n", 0, match.start()) + 1
    # the two words before are all that matter: look back a bounded stretch, so that a text of
    # many "St." stays linear
    words = text[max(line_start, match.start() - 200) : match.start()].split()
    starts_sentence = len(words) < 2 or words[-2][-1] in ".!?"
    after_street_name = bool(words) and words[-1].istitle() and words[-1].isalpha() and not starts_sentence
    ends_sentence = _SENTENCE_END.match(text, match.end()) is not None
    if not after_street_name and re.match(r"\s+[A-Z]", text[match.end() :]):
        return "Saint"
    return "Street." if ends_sentence else "Street"


def expand_abbreviations(text: str, locale: Locale) -> str:
    """Expand the language's abbreviations, Arabic era markers and "&"."""
    for pattern, abbreviation in _COMPILED[locale.language]:
        text = _expand_one(text, pattern, abbreviation, locale.language)
    if locale.language == "en":
        text = _WEEKDAY_RANGE.sub(
            lambda match: f"{_WEEKDAYS[match.group('first')]} to {_WEEKDAYS[match.group('last')]}", text
        )
        text = _SAINT_OR_STREET.sub(_saint_or_street, text)
    if locale.language == "es":
        text = _SPANISH_CENTURY.sub(_spanish_century, text)
    if locale.language == "ar":
        text = _ARABIC_ERA.sub(lambda match: " ميلادي" if match.group("ad") else " هجري", text)
    and_word = LEXICON[locale.language].and_word
    return _AMPERSAND.sub(f" {and_word} ", text)
