"""English number words (short scale, American style: no "and" after "hundred").

1234 -> "one thousand two hundred thirty-four"; compound tens are hyphenated
("twenty-one").  Years are read in pairs ("twenty twenty-seven", "nineteen oh five").
"""

from __future__ import annotations

import re

ONES: tuple[str, ...] = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
TENS: tuple[str, ...] = (
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
)  # fmt: skip
SCALES: tuple[tuple[int, str], ...] = (
    (10**18, "quintillion"),
    (10**15, "quadrillion"),
    (10**12, "trillion"),
    (10**9, "billion"),
    (10**6, "million"),
    (10**3, "thousand"),
)
IRREGULAR_ORDINALS: dict[str, str] = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
MINUS = "minus"
_LAST_WORD = re.compile(r"[a-z]+$")


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [f"{ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        tens, units = divmod(rest, 10)
        parts.append(f"{TENS[tens]}-{ONES[units]}" if units else TENS[tens])
    elif rest or not parts:
        parts.append(ONES[rest])
    return " ".join(parts)


def cardinal(n: int) -> str:
    """Cardinal words for any integer: 21 -> "twenty-one", -5 -> "minus five"."""
    if n < 0:
        return f"{MINUS} {cardinal(-n)}"
    parts: list[str] = []
    for value, name in SCALES:
        if n >= value:
            count, n = divmod(n, value)
            parts.append(f"{cardinal(count)} {name}")
    if n or not parts:
        parts.append(_below_thousand(n))
    return " ".join(parts)


def _ordinal_word(word: str) -> str:
    if word in IRREGULAR_ORDINALS:
        return IRREGULAR_ORDINALS[word]
    if word.endswith("y"):
        return f"{word[:-1]}ieth"
    return f"{word}th"


def ordinal(n: int) -> str:
    """Ordinal words: 1 -> "first", 21 -> "twenty-first", 100 -> "one hundredth"."""
    words = cardinal(n)
    return _LAST_WORD.sub(lambda match: _ordinal_word(match.group()), words)


def year(n: int) -> str:
    """A year read the way English speakers say it.

    Pairs of digits ("twenty twenty-seven", "nineteen oh five", "nineteen hundred"),
    except whole thousands and 2001-2009, which are read as cardinals ("two thousand five").
    Years outside 1001-9999 are plain cardinals.
    """
    if not 1000 < n < 10000 or n % 1000 == 0 or 2000 < n < 2010:
        return cardinal(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{cardinal(high)} hundred"
    if low < 10:
        return f"{cardinal(high)} oh {ONES[low]}"
    return f"{cardinal(high)} {cardinal(low)}"
