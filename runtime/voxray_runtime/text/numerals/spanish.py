"""Spanish number words (long scale: millón 10^6, billón 10^12).

Numbers agree with what they count: "uno" alone, "un" before a masculine noun and
before "mil"/"millón" (apócope: "veintiún mil", "un millón"), "una" and "-cientas"
before a feminine noun ("veintiuna libras", "doscientas rupias").  100 is "cien",
101-199 "ciento ...".  "mil millones" is 10^9.
"""

from __future__ import annotations

from typing import Literal

Form = Literal["masculine", "apocopated", "feminine"]

BELOW_THIRTY: tuple[str, ...] = (
    "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
    "diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete",
    "dieciocho", "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés",
    "veinticuatro", "veinticinco", "veintiséis", "veintisiete", "veintiocho", "veintinueve",
)  # fmt: skip
TENS: tuple[str, ...] = (
    "", "", "veinte", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta",
    "noventa",
)  # fmt: skip
HUNDREDS: tuple[str, ...] = (
    "", "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos", "seiscientos",
    "setecientos", "ochocientos", "novecientos",
)  # fmt: skip
#: (singular, plural) for each power of 10^6.
LONG_SCALES: tuple[tuple[str, str], ...] = (
    ("millón", "millones"),
    ("billón", "billones"),
    ("trillón", "trillones"),
    ("cuatrillón", "cuatrillones"),
    ("quintillón", "quintillones"),
)
_ONE_FORMS: dict[str, dict[Form, str]] = {
    "uno": {"masculine": "uno", "apocopated": "un", "feminine": "una"},
    "veintiuno": {"masculine": "veintiuno", "apocopated": "veintiún", "feminine": "veintiuna"},
}
ORDINALS: tuple[str, ...] = (
    "", "primero", "segundo", "tercero", "cuarto", "quinto", "sexto", "séptimo", "octavo",
    "noveno", "décimo",
)  # fmt: skip
MINUS = "menos"


def _inflect(word: str, form: Form) -> str:
    return _ONE_FORMS[word][form] if word in _ONE_FORMS else word


def _below_hundred(n: int, form: Form) -> str:
    if n < 30:
        return _inflect(BELOW_THIRTY[n], form)
    tens, units = divmod(n, 10)
    return f"{TENS[tens]} y {_inflect(BELOW_THIRTY[units], form)}" if units else TENS[tens]


def _below_thousand(n: int, form: Form, *, feminine_hundreds: bool) -> str:
    if n == 100:
        return "cien"
    hundreds, rest = divmod(n, 100)
    parts: list[str] = []
    if hundreds:
        word = HUNDREDS[hundreds]
        parts.append(word.replace("ientos", "ientas") if feminine_hundreds else word)
    if rest or not parts:
        parts.append(_below_hundred(rest, form))
    return " ".join(parts)


def _below_million(n: int, form: Form) -> str:
    thousands, rest = divmod(n, 1000)
    feminine = form == "feminine"
    parts: list[str] = []
    if thousands == 1:
        parts.append("mil")
    elif thousands:
        parts.append(f"{_below_thousand(thousands, 'apocopated', feminine_hundreds=feminine)} mil")
    if rest or not parts:
        parts.append(_below_thousand(rest, form, feminine_hundreds=feminine))
    return " ".join(parts)


def cardinal(n: int, form: Form = "masculine") -> str:
    """Cardinal words: 21 -> "veintiuno" ("veintiún"/"veintiuna" with ``form``).

    Beyond the quintillones (10^36) the digits are read one by one.
    """
    if n < 0:
        return f"{MINUS} {cardinal(-n, form)}"
    if n >= 10 ** (6 * (len(LONG_SCALES) + 1)):
        return " ".join(BELOW_THIRTY[int(digit)] for digit in str(n))
    groups: list[int] = []
    while True:
        n, group = divmod(n, 10**6)
        groups.append(group)
        if not n:
            break
    parts: list[str] = []
    for level in range(len(groups) - 1, 0, -1):
        group = groups[level]
        singular, plural = LONG_SCALES[level - 1]
        if group == 1:
            parts.append(f"un {singular}")
        elif group:
            parts.append(f"{_below_million(group, 'apocopated')} {plural}")
    if groups[0] or not parts:
        parts.append(_below_million(groups[0], form))
    return " ".join(parts)


def takes_de(n: int) -> bool:
    """Whole millions take "de" before the counted noun: "un millón de euros"."""
    return n >= 10**6 and n % 10**6 == 0


def ordinal(n: int, *, feminine: bool = False, apocopated: bool = False) -> str:
    """Ordinals 1-10 ("primero", "primera", "primer"); larger ones fall back to cardinals."""
    if not 0 < n < len(ORDINALS):
        return cardinal(n, "feminine" if feminine else "masculine")
    word = ORDINALS[n]
    if feminine:
        return f"{word[:-1]}a"
    if apocopated and n in (1, 3):
        return word[:-1]
    return word
