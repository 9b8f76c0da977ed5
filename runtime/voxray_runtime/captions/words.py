"""Timed words, and the written text aligned to the spoken words (pure).

Engines speak the normaliser's text ("seven thirty pee em", "four hundred fifty dollars"); captions show
the text as written ("7:30 pm", "$450"). :func:`align_written` maps each written token to the span of
spoken words it became:

1. each written token is normalised on its own (the same front-end, so "$450" -> "four hundred fifty
   dollars") to get the spoken words it is expected to produce (none for an emoji);
2. those expected words, each labelled with its token, are aligned to the words actually spoken by a
   word-level edit distance (normalisation in context can differ a little from token by token: a
   substitution or an extra word costs 1, a match 0);
3. a token's time is the span of the spoken words aligned to it; a token that produced nothing (an emoji
   kept in the caption, a link the normaliser dropped) gets zero length at the previous token's end.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from voxray_runtime.text import normalize
from voxray_runtime.text.cleanup import strip_markup
from voxray_runtime.text.language import resolve_locale
from voxray_runtime.text.social import remove_emoji

_JOINERS = frozenset("\u200c\u200d")


@dataclass(frozen=True)
class TimedWord:
    """One word and when it is heard, in seconds from the start of the audio."""

    text: str
    start: float
    end: float

    def shifted(self, offset: float) -> TimedWord:
        return TimedWord(self.text, self.start + offset, self.end + offset)

    def as_json(self) -> dict[str, str | float]:
        return {"text": self.text, "start": round(self.start, 3), "end": round(self.end, 3)}


def word_key(word: str) -> str:
    """What two spellings of one spoken word share: letters, digits and marks, case-folded."""
    return "".join(c for c in unicodedata.normalize("NFC", word).casefold() if c.isalnum() or _is_mark(c))


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def written_tokens(text: str, language: str) -> list[str]:
    """The words of ``text`` as a caption shows them: markup, emoji and invisible characters removed,
    everything else (digits, symbols, hashtags, punctuation) as written."""
    locale = resolve_locale(language)
    text = remove_emoji(strip_markup(text, locale))
    kept = "".join(
        c for c in text if c in _JOINERS or c.isspace() or unicodedata.category(c) not in ("Cf", "Cc", "Co")
    )
    return [t for t in kept.split() if any(c.isalnum() for c in t) or not _only_symbols(t)]


def _only_symbols(token: str) -> bool:
    return all(unicodedata.category(c)[0] in "SZ" for c in token)


_SPLIT = re.compile(r"\s+")


def spoken_words(token: str, language: str, dialect: str | None) -> list[str]:
    """The words ``token`` is spoken as, alone (an emoji or a lone symbol: none)."""
    try:
        return [w for w in _SPLIT.split(normalize(token, language, dialect)) if word_key(w)]
    except Exception:  # a token the front-end rejects is simply not expected to be spoken
        return []


def _edit_alignment(expected: Sequence[str], spoken: Sequence[str]) -> list[int | None]:
    """For each spoken word, the index of the expected word it aligns to (None: an inserted word)."""
    n, m = len(expected), len(spoken)
    # cost[i][j]: aligning expected[:i] with spoken[:j]
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        cost[i][0] = i
    for j in range(1, m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        row, prev = cost[i], cost[i - 1]
        e = expected[i - 1]
        for j in range(1, m + 1):
            sub = prev[j - 1] + (0 if e == spoken[j - 1] else 1)
            row[j] = min(sub, prev[j] + 1, row[j - 1] + 1)
    links: list[int | None] = [None] * m
    i, j = n, m
    while i > 0 and j > 0:
        here = cost[i][j]
        if here == cost[i - 1][j - 1] + (0 if expected[i - 1] == spoken[j - 1] else 1):
            links[j - 1] = i - 1
            i, j = i - 1, j - 1
        elif here == cost[i][j - 1] + 1:
            j -= 1
        else:
            i -= 1
    return links


def align_written(
    text: str, spoken: Sequence[TimedWord], language: str, dialect: str | None = None
) -> list[TimedWord]:
    """The written tokens of ``text`` timed by the ``spoken`` words (normalised text, in order)."""
    tokens = written_tokens(text, language)
    if not tokens:
        return []
    expected: list[str] = []
    owner: list[int] = []
    for index, token in enumerate(tokens):
        for word in spoken_words(token, language, dialect):
            expected.append(word_key(word))
            owner.append(index)
    links = _edit_alignment(expected, [word_key(w.text) for w in spoken])
    spans: list[tuple[float, float] | None] = [None] * len(tokens)
    last_owner = 0
    for j, link in enumerate(links):
        # a spoken word with no expected word belongs to the token before it (or the first one)
        token_index = owner[link] if link is not None else last_owner
        last_owner = token_index
        heard = spoken[j]
        span = spans[token_index]
        if span is None:
            spans[token_index] = (heard.start, heard.end)
        else:
            spans[token_index] = (min(span[0], heard.start), max(span[1], heard.end))
    out: list[TimedWord] = []
    cursor = spoken[0].start if spoken else 0.0
    for token, span in zip(tokens, spans, strict=True):
        if span is None:
            out.append(TimedWord(token, cursor, cursor))
        else:
            start = max(span[0], cursor)
            out.append(TimedWord(token, start, max(start, span[1])))
            cursor = max(cursor, span[1])
    return out
