"""Parsing written numbers, with each language's thousands and decimal separators.

English, Arabic, Hindi and Urdu group with "," (also the Indian 1,00,000) and use "."
as the decimal mark.  Spanish accepts both conventions: a separator followed by exactly
three digits groups thousands ("1.200", "1,200"), otherwise it is the decimal mark
("3,5", "2.75"); with both present, the last one is the decimal mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

#: A written number: digits with optional "," / "." separators between digit groups.
NUMBER = r"\d+(?:[.,]\d+)*"

_GROUPED = {
    ",": re.compile(r"\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3}"),
    ".": re.compile(r"\d{1,3}(?:\.\d{3})+"),
}


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """A non-negative number as written: integer part, fraction digits, decimal mark."""

    integer: int
    fraction: str = ""
    mark: str = "."

    @property
    def value(self) -> Decimal:
        return Decimal(f"{self.integer}.{self.fraction or 0}")

    @classmethod
    def from_decimal(cls, value: Decimal, mark: str = ".") -> ParsedNumber:
        """The shortest written form of ``value`` (trailing zeros dropped)."""
        integer = int(value)
        text = format(value - integer, "f").rstrip("0")
        fraction = text.split(".", 1)[1] if "." in text else ""
        return cls(integer, fraction, mark)


def _split(token: str, thousands: str | None, decimal: str | None) -> ParsedNumber | None:
    whole, fraction = token, ""
    if decimal is not None and decimal in token:
        whole, fraction = token.rsplit(decimal, 1)
        if not fraction.isdigit():
            return None
    if thousands is not None and thousands in whole:
        if not _GROUPED[thousands].fullmatch(whole):
            return None
        whole = whole.replace(thousands, "")
    if not whole.isdigit():
        return None
    return ParsedNumber(int(whole), fraction, decimal or ".")


def _parse_spanish(token: str) -> ParsedNumber | None:
    last = max(token.rfind("."), token.rfind(","))
    if last < 0:
        return ParsedNumber(int(token))
    mark = token[last]
    other = "," if mark == "." else "."
    if other in token:
        return _split(token, other, mark)
    if token.count(mark) > 1:
        return _split(token, mark, None)
    whole, fraction = token.split(mark)
    if len(fraction) == 3 and not whole.startswith("0"):
        return _split(token, mark, None)
    return _split(token, None, mark)


def parse_number(token: str, language: str) -> ParsedNumber | None:
    """Parse a :data:`NUMBER` token; ``None`` when its separators fit no convention."""
    if token.isdigit():
        return ParsedNumber(int(token))
    if language == "es":
        return _parse_spanish(token)
    return _split(token, ",", ".")
