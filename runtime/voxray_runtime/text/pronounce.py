"""Pronunciation entries applied to text: aliases substituted, IPA entries as phoneme segments.

Matching rules (the same for every engine, SSML text and plain text):

- whole words only: an entry's text matches where it is not inside a longer word, in any script
  (``Qasr`` matches in "Qasr Al Sarab," but not in "Qasrs"); an entry may hold several words;
- case-insensitive by default (Unicode case folding: ``Qasr`` also matches ``QASR`` and ``qasr``); an entry
  with ``case_sensitive`` matches only as written, and wins over a case-insensitive one of the same text;
- an entry applies to text of its own language only;
- where entries overlap, the longest match wins; one pass left to right, so a substituted alias is never
  matched again (no loops, no cascades);
- phoneme segments (SSML ``<phoneme>``) are left as they are.

Pure: no I/O; table-tested in tests/unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from voxray_runtime.text.script import NOT_AFTER_WORD, NOT_BEFORE_WORD
from voxray_runtime.text.segments import PhonemeSegment, Segment, TextSegment


class Entry(Protocol):
    """What a pronunciation entry has (the spec's ``LexiconEntry`` and :class:`Pronunciation`)."""

    @property
    def text(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def alias(self) -> str | None: ...
    @property
    def ipa(self) -> str | None: ...
    @property
    def case_sensitive(self) -> bool: ...


@dataclass(frozen=True)
class Pronunciation:
    """One entry: say ``text`` as ``alias`` (text) or as ``ipa`` (phonemes)."""

    text: str
    language: str
    alias: str | None = None
    ipa: str | None = None
    case_sensitive: bool = False


def _key(text: str, case_sensitive: bool) -> str:
    return text if case_sensitive else text.casefold()


class Matcher:
    """The entries of one language compiled into one pattern (longest first)."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._exact: dict[str, Entry] = {}
        self._folded: dict[str, Entry] = {}
        for e in entries:
            (self._exact if e.case_sensitive else self._folded)[_key(e.text, e.case_sensitive)] = e
        ordered = sorted(
            [(t, True) for t in self._exact] + [(t, False) for t in {e.text for e in self._folded.values()}],
            key=lambda item: -len(item[0]),
        )
        alternatives = [re.escape(t) if exact else f"(?i:{re.escape(t)})" for t, exact in ordered]
        self._pattern = (
            re.compile(rf"{NOT_AFTER_WORD}(?:{'|'.join(alternatives)}){NOT_BEFORE_WORD}")
            if alternatives
            else None
        )

    def find(self, word: str) -> Entry | None:
        return self._exact.get(word) or self._folded.get(word.casefold())

    def apply(self, seg: TextSegment) -> list[Segment]:
        if self._pattern is None:
            return [seg]
        out: list[Segment] = []
        pending: list[str] = []
        pos = 0
        for m in self._pattern.finditer(seg.text):
            entry = self.find(m.group())
            if entry is None:  # a case-sensitive entry's text in another case: leave it
                continue
            pending.append(seg.text[pos : m.start()])
            pos = m.end()
            if entry.ipa:
                if "".join(pending).strip():
                    out.append(TextSegment("".join(pending), seg.language, seg.dialect, seg.rate))
                pending = []
                out.append(PhonemeSegment(entry.ipa, m.group(), seg.language, seg.dialect, seg.rate))
            else:
                pending.append(entry.alias or m.group())
        pending.append(seg.text[pos:])
        if "".join(pending).strip() or not out:
            out.append(TextSegment("".join(pending), seg.language, seg.dialect, seg.rate))
        return out


def matchers(entries: Iterable[Entry]) -> dict[str, Matcher]:
    """One matcher per language; a later entry of the same text (and case rule) overrides an earlier one,
    so request entries listed after a lexicon's take precedence."""
    by_language: dict[str, list[Entry]] = {}
    for e in entries:
        by_language.setdefault(e.language, []).append(e)
    return {lang: Matcher(es) for lang, es in by_language.items()}


def apply_pronunciations(segments: Sequence[Segment], entries: Iterable[Entry]) -> list[Segment]:
    """Every text segment with the entries of its language applied."""
    found = matchers(entries)
    out: list[Segment] = []
    for seg in segments:
        matcher = found.get(seg.language) if isinstance(seg, TextSegment) else None
        out.extend(matcher.apply(seg) if matcher and isinstance(seg, TextSegment) else [seg])
    return out


def entries_used(text: str, language: str, entries: Iterable[Entry]) -> list[Entry]:
    """The entries a text of ``language`` would use (for the manifest and the resume rule)."""
    matcher = matchers(entries).get(language)
    if matcher is None or matcher._pattern is None:
        return []
    found = (matcher.find(m.group()) for m in matcher._pattern.finditer(text))
    return list({id(e): e for e in found if e is not None}.values())
