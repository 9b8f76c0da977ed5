"""Sentence splitting and chunking for synthesis.

Sentences end at ". ! ? …", the Arabic question mark "؟", the Urdu full stop "۔" and
the Devanagari danda "।" and double danda "॥"; the Arabic semicolon "؛" and comma "،"
do not end sentences.  Line breaks always do.  Latin punctuation ends a sentence only
when whitespace follows, so decimals ("3.14") and domains never split.  A full stop
does not end a sentence after a known abbreviation ("Dr.", "p. ej.", "د."), a capital
initial ("J. K. Rowling"), a leading list number ("1. First"), nor, in English and
Spanish, before a word in lower case.

A sentence longer than ``max_chars`` is cut at the last clause mark (, ; : ، ؛ —) in
the second half of the window, otherwise at the last space.  Words are never cut and no
character other than whitespace is dropped: joining the chunks with spaces gives back
every word.  A single word longer than ``max_chars`` becomes its own, longer, chunk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .language import TextError, resolve_locale

STRONG_TERMINATORS = frozenset("!?؟۔।॥")
SCRIPT_TERMINATORS = frozenset("؟۔।॥")
CLOSERS = "\"'”’»)]"
CLAUSE_MARKS = frozenset(",;:،؛—–")
_CANDIDATE = re.compile(rf"[.!?…؟۔।॥]+[{re.escape(CLOSERS)}]*")
_CASED_LANGUAGES = frozenset({"en", "es"})
_OPENERS = "(\"'¿¡“‘«["

_LATIN_TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof", "st"})
#: Tokens (lower case, without the final full stop) after which "." never ends a sentence.
NON_FINAL_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": _LATIN_TITLES
    | {"mt", "jr", "sr", "capt", "ave", "rd", "no", "vs", "approx", "e.g", "i.e", "a.k.a", "fig", "dept"},
    "es": _LATIN_TITLES
    | {"sr", "sra", "srta", "dra", "profa", "ud", "uds", "vd", "av", "avda", "sto", "sta", "p", "ej", "aprox"}
    | {"n.º", "núm", "pág", "tel", "ee"},
    "ar": _LATIN_TITLES | {"د", "أ", "م", "ص.ب"},
    "hi": _LATIN_TITLES | {"डॉ", "नं"},
    "ur": _LATIN_TITLES,
}


def _previous_token(text: str) -> tuple[str, bool]:
    """The last whitespace-separated token of ``text`` and whether it is the only one."""
    tokens = text.split()
    if not tokens:
        return "", True
    return tokens[-1].lstrip(_OPENERS), len(tokens) == 1


def _is_boundary(line: str, match: re.Match[str], start: int, language: str) -> bool:
    marks = match.group().rstrip(CLOSERS)
    after = line[match.end() : match.end() + 1]
    if after and not after.isspace() and not SCRIPT_TERMINATORS.intersection(marks):
        return False
    if STRONG_TERMINATORS.intersection(marks):
        return True
    following = line[match.end() :].lstrip()
    if not following:
        return True
    if language in _CASED_LANGUAGES and following[0].islower():
        return False
    if marks == ".":
        token, only_token = _previous_token(line[start : match.start()])
        if token.lower() in NON_FINAL_ABBREVIATIONS[language]:
            return False
        if len(token) == 1 and token.isupper():
            return False
        if only_token and token.isdigit():
            return False
    return True


def _sentences(line: str, language: str) -> Iterator[str]:
    start = 0
    for match in _CANDIDATE.finditer(line):
        if _is_boundary(line, match, start, language):
            sentence = line[start : match.end()].strip()
            if sentence:
                yield sentence
            start = match.end()
    rest = line[start:].strip()
    if rest:
        yield rest


def _cut_position(text: str, max_chars: int) -> int:
    """Index of the space to cut ``text`` at, so that ``text[:index]`` fits if possible."""
    last_space = text.rfind(" ", 0, max_chars + 1)
    if last_space <= 0:
        next_space = text.find(" ", max_chars)
        return next_space if next_space > 0 else len(text)
    floor = max_chars // 2
    space = last_space
    while space > floor:
        if text[space - 1] in CLAUSE_MARKS:
            return space
        space = text.rfind(" ", 0, space)
    return last_space


def chunk(sentence: str, max_chars: int) -> list[str]:
    """Cut one sentence (single-spaced) into pieces of at most ``max_chars``."""
    pieces: list[str] = []
    while len(sentence) > max_chars:
        cut = _cut_position(sentence, max_chars)
        pieces.append(sentence[:cut].rstrip())
        sentence = sentence[cut:].lstrip()
    if sentence:
        pieces.append(sentence)
    return pieces


def split_sentences(text: str, language: str, max_chars: int = 300) -> list[str]:
    """Split ``text`` into stripped, non-empty sentence chunks of at most ``max_chars``.

    Safe on raw text as well as on :func:`normalize` output; whitespace inside a chunk
    collapses to single spaces.  Raises :class:`TextError` for an unsupported language
    or a ``max_chars`` below 1.
    """
    locale = resolve_locale(language)
    if max_chars < 1:
        raise TextError(f"max_chars must be at least 1, got {max_chars}")
    chunks: list[str] = []
    for line in text.splitlines():
        for sentence in _sentences(" ".join(line.split()), locale.language):
            chunks.extend(chunk(sentence, max_chars))
    return chunks
