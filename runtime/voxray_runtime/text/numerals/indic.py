"""Hindi and Urdu number words on the Indian scale (hazar, lakh, crore, arab, kharab).

Both languages have irregular words for every number from 0 to 99, so those are full
tables; larger numbers are composed as "<count> <scale>" from the largest scale down:
1,25,000 -> "एक लाख पच्चीस हज़ार".  Years from 1100 to 1999 are read in hundreds
("उन्नीस सौ सैंतालीस" for 1947), as speakers of both languages do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IndicNumerals:
    """The words one language needs: 0-99, "hundred", the scales from the largest down."""

    below_hundred: tuple[str, ...]
    hundred: str
    scales: tuple[tuple[int, str], ...]
    minus: str
    #: the irregular ordinals from 1 up ("पहला", "दूसरा"...), and the suffix of the others ("वाँ")
    ordinals: tuple[str, ...] = ()
    ordinal_suffix: str = ""

    def __post_init__(self) -> None:
        if len(self.below_hundred) != 100:
            raise ValueError("below_hundred must hold the words for 0 to 99")


def cardinal(n: int, numerals: IndicNumerals) -> str:
    """Cardinal words for any integer in the given language."""
    if n < 0:
        return f"{numerals.minus} {cardinal(-n, numerals)}"
    if n < 100:
        return numerals.below_hundred[n]
    parts: list[str] = []
    for value, name in (*numerals.scales, (100, numerals.hundred)):
        if n >= value:
            count, n = divmod(n, value)
            parts.append(f"{cardinal(count, numerals)} {name}")
    if n:
        parts.append(numerals.below_hundred[n])
    return " ".join(parts)


def year(n: int, numerals: IndicNumerals) -> str:
    """Years 1100-1999 in hundreds ("nineteen hundred forty-seven"), others as cardinals."""
    if not 1100 <= n <= 1999:
        return cardinal(n, numerals)
    high, low = divmod(n, 100)
    words = f"{numerals.below_hundred[high]} {numerals.hundred}"
    return f"{words} {numerals.below_hundred[low]}" if low else words


def ordinal(n: int, numerals: IndicNumerals) -> str:
    """Masculine ordinal: the irregular ones, then the cardinal plus the suffix ("सातवाँ")."""
    if 0 < n <= len(numerals.ordinals):
        return numerals.ordinals[n - 1]
    return f"{cardinal(n, numerals)}{numerals.ordinal_suffix}"
