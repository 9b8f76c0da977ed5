"""Small per-language words used by several passes (conjunction, percent, months...)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Words of one language, all lower-case except where the language capitalises."""

    and_word: str
    percent: str
    range_to: str
    number: str
    dot: str
    slash: str
    at_sign: str
    plus: str
    equals: str
    months: tuple[str, ...]


EN_MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
ES_MONTHS: tuple[str, ...] = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip
AR_MONTHS: tuple[str, ...] = (
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip
HI_MONTHS: tuple[str, ...] = (
    "जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून",
    "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर",
)  # fmt: skip
UR_MONTHS: tuple[str, ...] = (
    "جنوری", "فروری", "مارچ", "اپریل", "مئی", "جون",
    "جولائی", "اگست", "ستمبر", "اکتوبر", "نومبر", "دسمبر",
)  # fmt: skip

LEXICON: dict[str, Lexicon] = {
    "en": Lexicon(
        and_word="and",
        percent="percent",
        range_to="to",
        number="number",
        dot="dot",
        slash="slash",
        at_sign="at",
        plus="plus",
        equals="equals",
        months=EN_MONTHS,
    ),
    "es": Lexicon(
        and_word="y",
        percent="por ciento",
        range_to="a",
        number="número",
        dot="punto",
        slash="barra",
        at_sign="arroba",
        plus="más",
        equals="igual a",
        months=ES_MONTHS,
    ),
    "ar": Lexicon(
        and_word="و",
        percent="بالمئة",
        range_to="إلى",
        number="رقم",
        dot="دوت",
        slash="سلاش",
        at_sign="آت",
        plus="زائد",
        equals="يساوي",
        months=AR_MONTHS,
    ),
    "hi": Lexicon(
        and_word="और",
        percent="प्रतिशत",
        range_to="से",
        number="नंबर",
        dot="डॉट",
        slash="स्लैश",
        at_sign="एट",
        plus="प्लस",
        equals="बराबर",
        months=HI_MONTHS,
    ),
    "ur": Lexicon(
        and_word="اور",
        percent="فیصد",
        range_to="سے",
        number="نمبر",
        dot="ڈاٹ",
        slash="سلیش",
        at_sign="ایٹ",
        plus="جمع",
        equals="برابر",
        months=UR_MONTHS,
    ),
}
