"""Modern Standard Arabic number words, masculine, in pause form (no case endings).

Units come before tens and every part is joined with "و": 1234 -> "ألف ومئتان وأربعة
وثلاثون".  The counted scale noun follows classical agreement: 1000 "ألف", 2000 "ألفان"
(dual), 3000-10000 "ثلاثة آلاف" (plural), 11000-99000 "أحد عشر ألفًا" (accusative
singular), 100000 "مئة ألف", 200000 "مئتا ألف" (construct dual).  "مئة" uses the modern
spelling without the silent alif of "مائة", which grapheme-based phonemizers voice.
"""

from __future__ import annotations

from dataclasses import dataclass

UNITS: tuple[str, ...] = (
    "صفر", "واحد", "اثنان", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة",
)  # fmt: skip
TEENS: tuple[str, ...] = (
    "عشرة", "أحد عشر", "اثنا عشر", "ثلاثة عشر", "أربعة عشر", "خمسة عشر", "ستة عشر",
    "سبعة عشر", "ثمانية عشر", "تسعة عشر",
)  # fmt: skip
TENS: tuple[str, ...] = (
    "", "", "عشرون", "ثلاثون", "أربعون", "خمسون", "ستون", "سبعون", "ثمانون", "تسعون",
)  # fmt: skip
HUNDREDS: tuple[str, ...] = (
    "", "مئة", "مئتان", "ثلاثمئة", "أربعمئة", "خمسمئة", "ستمئة", "سبعمئة", "ثمانمئة", "تسعمئة",
)  # fmt: skip
#: Feminine forms, for counting feminine nouns such as "دقيقة" (minute).
FEMININE_UNITS: tuple[str, ...] = (
    "صفر", "واحدة", "اثنتان", "ثلاث", "أربع", "خمس", "ست", "سبع", "ثماني", "تسع",
)  # fmt: skip
FEMININE_TEENS: tuple[str, ...] = (
    "عشر", "إحدى عشرة", "اثنتا عشرة", "ثلاث عشرة", "أربع عشرة", "خمس عشرة", "ست عشرة",
    "سبع عشرة", "ثماني عشرة", "تسع عشرة",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Scale:
    """A scale noun with the forms agreement needs."""

    value: int
    singular: str
    dual: str
    plural: str
    accusative: str


SCALES: tuple[Scale, ...] = (
    Scale(10**12, "تريليون", "تريليونان", "تريليونات", "تريليونًا"),
    Scale(10**9, "مليار", "ملياران", "مليارات", "مليارًا"),
    Scale(10**6, "مليون", "مليونان", "ملايين", "مليونًا"),
    Scale(10**3, "ألف", "ألفان", "آلاف", "ألفًا"),
)
MINUS = "سالب"
AND = "و"
#: Masculine definite ordinals: "الطابق الثالث", "اليوم الحادي والعشرون".
ORDINAL_UNITS: tuple[str, ...] = (
    "", "الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع", "العاشر",
)  # fmt: skip


def _below_hundred(n: int, *, feminine: bool = False) -> str:
    units, teens = (FEMININE_UNITS, FEMININE_TEENS) if feminine else (UNITS, TEENS)
    if n < 10:
        return units[n]
    if n < 20:
        return teens[n - 10]
    tens, unit = divmod(n, 10)
    if not unit:
        return TENS[tens]
    unit_word = "إحدى" if feminine and unit == 1 else units[unit]
    return f"{unit_word} {AND}{TENS[tens]}"


def _below_thousand(n: int, *, construct: bool = False) -> str:
    hundreds, rest = divmod(n, 100)
    parts: list[str] = []
    if hundreds:
        parts.append("مئتا" if construct and hundreds == 2 and not rest else HUNDREDS[hundreds])
    if rest or not parts:
        parts.append(_below_hundred(rest))
    return f" {AND}".join(parts)


def _counted(count: int, scale: Scale) -> str:
    if count == 1:
        return scale.singular
    if count == 2:
        return scale.dual
    if 3 <= count <= 10:
        return f"{_below_hundred(count)} {scale.plural}"
    if count >= 1000:
        return f"{cardinal(count)} {scale.singular}"
    rest = count % 100
    words = _below_thousand(count, construct=rest == 0)
    if 3 <= rest <= 10:
        return f"{words} {scale.plural}"
    if rest >= 11:
        return f"{words} {scale.accusative}"
    return f"{words} {scale.singular}"


def cardinal(n: int) -> str:
    """Cardinal words: 3 -> "ثلاثة", 21 -> "واحد وعشرون", 100000 -> "مئة ألف"."""
    if n < 0:
        return f"{MINUS} {cardinal(-n)}"
    parts: list[str] = []
    for scale in SCALES:
        if n >= scale.value:
            count, n = divmod(n, scale.value)
            parts.append(_counted(count, scale))
    if n or not parts:
        parts.append(_below_thousand(n))
    return f" {AND}".join(parts)


def count_feminine(n: int, singular: str, dual: str, plural: str) -> str:
    """Count a feminine noun below 100 with full agreement.

    ``count_feminine(5, "دقيقة", "دقيقتان", "دقائق")`` -> "خمس دقائق"; 1 -> "دقيقة واحدة",
    2 -> the dual, 3-10 -> plural, 11-99 -> singular.  Larger counts use the masculine
    cardinal and the singular.
    """
    if n == 1:
        return f"{singular} واحدة"
    if n == 2:
        return dual
    if not 0 <= n < 100:
        return f"{cardinal(n)} {singular}"
    noun = plural if 3 <= n <= 10 else singular
    return f"{_below_hundred(n, feminine=True)} {noun}"


def ordinal(n: int) -> str:
    """Masculine definite ordinal for 1-99 ("الثالث", "الحادي عشر", "الخامس والعشرون"); cardinal otherwise."""
    if not 0 < n < 100:
        return cardinal(n)
    if n <= 10:
        return ORDINAL_UNITS[n]
    tens, unit = divmod(n, 10)
    unit_word = "الحادي" if unit == 1 else ORDINAL_UNITS[unit]
    if tens == 1:
        return f"{unit_word} عشر"
    if not unit:
        return f"ال{TENS[tens]}"
    return f"{unit_word} {AND}ال{TENS[tens]}"


_GENITIVE = {"اثنان": "اثنين", "اثنا": "اثني", "مئتان": "مئتين", "ألفان": "ألفين", "مليونان": "مليونين"}
_GENITIVE_TENS = frozenset(TENS[2:])


def genitive(words: str) -> str:
    """Cardinal words after a preposition: "اثنا عشر" -> "اثني عشر", "عشرون" -> "عشرين"."""
    out = []
    for word in words.split(" "):
        prefix, bare = (
            ("و", word[1:])
            if word.startswith("و") and word[1:] in _GENITIVE_TENS | _GENITIVE.keys()
            else ("", word)
        )
        if bare in _GENITIVE:
            bare = _GENITIVE[bare]
        elif bare in _GENITIVE_TENS:
            bare = f"{bare[:-2]}ين"
        out.append(prefix + bare)
    return " ".join(out)
