"""Typed speech segments: what SSML and pronunciation lexicons turn a request into, for an engine path.

A request's text becomes a list of segments in speaking order: text in a language at a rate (still to be
normalised), phonemes given as IPA (spoken as written, never normalised), and breaks of a length. Pure
data and pure helpers; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeAlias

#: the speaking rate's bounds, as the engines take it (``speed``)
MIN_RATE, MAX_RATE = 0.25, 4.0
#: the longest break one element or one request may ask for, in seconds
MAX_BREAK_S = 10.0


@dataclass(frozen=True)
class TextSegment:
    """Text to normalise and speak in ``language`` (``dialect`` where one applies) at ``rate``."""

    text: str
    language: str
    dialect: str | None = None
    rate: float = 1.0


@dataclass(frozen=True)
class PhonemeSegment:
    """Phonemes (IPA) to speak as written; ``text`` is the written form they stand for."""

    ipa: str
    text: str
    language: str
    dialect: str | None = None
    rate: float = 1.0


@dataclass(frozen=True)
class BreakSegment:
    """Silence of ``seconds``."""

    seconds: float


Segment: TypeAlias = TextSegment | PhonemeSegment | BreakSegment


def merge_text(segments: Iterable[Segment]) -> list[Segment]:
    """Neighbouring text segments of the same language, dialect and rate joined with a space; breaks next to
    each other added up (capped at :data:`MAX_BREAK_S`); empty text dropped."""
    out: list[Segment] = []
    for seg in segments:
        if isinstance(seg, TextSegment) and not seg.text.strip():
            continue
        last = out[-1] if out else None
        if (
            isinstance(seg, TextSegment)
            and isinstance(last, TextSegment)
            and (last.language, last.dialect, last.rate) == (seg.language, seg.dialect, seg.rate)
        ):
            out[-1] = replace(last, text=f"{last.text.rstrip()} {seg.text.lstrip()}")
        elif isinstance(seg, BreakSegment) and isinstance(last, BreakSegment):
            out[-1] = BreakSegment(min(MAX_BREAK_S, last.seconds + seg.seconds))
        else:
            out.append(seg)
    return out


def plain_text(segments: Sequence[Segment]) -> str:
    """What the segments say, as text (phonemes by their written form): for logs, audits and manifests."""
    words = [s.text for s in segments if not isinstance(s, BreakSegment)]
    return " ".join(w.strip() for w in words if w.strip())


def total_break_s(segments: Sequence[Segment]) -> float:
    return sum(s.seconds for s in segments if isinstance(s, BreakSegment))
