"""Right-to-left caption lines (Arabic, Urdu) that display correctly in every player (pure).

A caption line is its own paragraph to a player's Unicode bidi algorithm, and its direction comes from
its first strong character. So an Arabic line that starts with "2026" or "WiFi" would be laid out left
to right, and a Latin phrase or a time ("10:30", "+971 4 123") inside Arabic can have its parts
reordered. Each RTL line is therefore:

- opened and closed with RIGHT-TO-LEFT MARK (U+200F): the line is right to left whatever it starts
  with, and trailing punctuation stays at its (left) end;
- with each left-to-right run (Latin words, digits and what joins them: ``WiFi 6``, ``10:30``,
  ``+971 4 123 4567``, ``50%``) wrapped in LEFT-TO-RIGHT ISOLATE (U+2066) ... POP DIRECTIONAL ISOLATE
  (U+2069), so the run keeps its own order and does not reorder its neighbours.

Arabic-Indic digits (٠١٢, ۰۱۲) are already laid out correctly by the algorithm and are left alone.
"""

from __future__ import annotations

import re

RLM = "\u200f"
LRI = "\u2066"
PDI = "\u2069"
RTL_LANGUAGES = frozenset({"ar", "ur", "fa", "he", "ps", "sd", "ug", "yi", "dv"})
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: a left-to-right run: starts and ends with a Latin letter or an ASCII digit (or a sign/currency before
#: digits, a % after them); inside it, spaces and the punctuation that joins such words
_LTR_RUN = re.compile(
    r"[+$€£#@]?[A-Za-z0-9\u00c0-\u024f](?:[A-Za-z0-9\u00c0-\u024f.,:/@&'’%_+\-]|\s(?=[+$€£#@]?[A-Za-z0-9\u00c0-\u024f]))*%?"
)


def is_rtl(language: str) -> bool:
    return language.split("-")[0].lower() in RTL_LANGUAGES


def rtl_line(line: str) -> str:
    """One caption line of right-to-left text, marked so that it displays right to left (idempotent)."""
    bare = _BIDI_CONTROLS.sub("", line)

    def isolate(match: re.Match[str]) -> str:
        run = match.group()
        trailing = ""
        while run and run[-1] in ".,:":  # sentence punctuation after a Latin word belongs to the line
            trailing = run[-1] + trailing
            run = run[:-1]
        return f"{LRI}{run}{PDI}{trailing}"

    return f"{RLM}{_LTR_RUN.sub(isolate, bare)}{RLM}"


def display_lines(lines: tuple[str, ...], language: str) -> tuple[str, ...]:
    """The lines of a cue as written into a caption file: RTL lines marked, others as they are."""
    return tuple(rtl_line(line) for line in lines) if is_rtl(language) else lines
