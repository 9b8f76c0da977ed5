"""Pure phoneme handling for Kokoro: espeak-ng clauses to one phoneme string, the Arabic symbol mapping,
and script runs (Latin words inside Arabic, Urdu or Hindi text go to the English phonemizer).

Kokoro v1.0 has no Arabic. Its Hindi voices fed espeak-ng's ``ar`` phonemes of the undiacritized text,
with the symbols Kokoro's vocabulary lacks mapped and every glottal stop removed, are understood far
better than espeak-ng's own Arabic (Whisper base CER 0.35 against 0.68, ../shared/docs/WEIGHTS.md). The
mapping is applied to each clause before its punctuation is appended, because espeak-ng marks the vowels
next to emphatic consonants with a trailing ``.`` (``a.``, ``i.``) that a sentence's full stop must not be
mistaken for. No I/O here; table-tested in tests/unit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: (espeak-ng symbol, Kokoro symbol), applied in this order to one clause of ``ar`` phonemes
ARABIC_TO_KOKORO: tuple[tuple[str, str], ...] = (
    ("a.", "ɑ"),  # a vowel by an emphatic consonant: back a
    ("i.", "ɪ"),  # likewise for i
    ("dʒ", "ʤ"),  # the affricate as Kokoro's single symbol
    ("ħ", "h"),  # pharyngeal h: Kokoro has none, h is nearest
    ("ʕ", ""),  # pharyngeal fricative: dropped
    ("ˤ", ""),  # pharyngealisation mark: dropped
    ("\u032a", ""),  # dental diacritic: dropped
    ("-", ""),  # espeak's joins (the article "ʔal-"): dropped
    ("ʔ", ""),  # glottal stop: Kokoro renders it as a stop ("ʔal-" came out as "tal-"); most of the gain
)
#: espeak-ng's language-switch flags inside a clause (``(en)``), which piper-tts also removes
_LANG_FLAG = re.compile(r"\([^)]+\)")
#: clause terminators that do not end a sentence get a space after them (piper-tts's rule)
_SOFT_TERMINATORS = (",", ":", ";")

Clause = tuple[str, str, bool]
"""espeak-ng's clause: (phonemes, terminator punctuation, whether it ends a sentence)."""


def map_arabic(clause: str) -> str:
    """One clause of espeak-ng ``ar`` phonemes (without its punctuation) in symbols Kokoro speaks."""
    out = unicodedata.normalize("NFD", clause)
    for old, new in ARABIC_TO_KOKORO:
        out = out.replace(old, new)
    return unicodedata.normalize("NFC", out)


def identity(clause: str) -> str:
    return clause


#: the clause mapping per espeak-ng language; languages not listed go in unchanged
CLAUSE_MAPS: dict[str, Callable[[str], str]] = {"ar": map_arabic}


def join_clauses(clauses: Iterable[Clause], clause_map: Callable[[str], str] = identity) -> str:
    """espeak-ng clauses as one NFC phoneme string: language flags removed, each clause mapped before its
    terminator is appended, a space after a comma-like terminator and between sentences (what piper-tts's
    ``EspeakPhonemizer.phonemize`` makes of them, joined, when the map is the identity)."""
    sentences: list[str] = []
    current = ""
    for phonemes, terminator, end_of_sentence in clauses:
        current += clause_map(_LANG_FLAG.sub("", phonemes)) + terminator
        if terminator in _SOFT_TERMINATORS:
            current += " "
        if end_of_sentence:
            sentences.append(current)
            current = ""
    if current:
        sentences.append(current)
    return unicodedata.normalize("NFC", " ".join(sentences))


#: phonemes given as written inside a chunk (SSML ``<phoneme>``, a lexicon's IPA entry): ``[[kəˈsɑːr]]``
INLINE_IPA = re.compile(r"\[\[([^\[\]]{1,400})\]\]")


def split_inline_ipa(text: str) -> list[tuple[str, bool]]:
    """``"The [[kəˈsɑːr]] awaits"`` -> ``[("The", False), ("kəˈsɑːr", True), ("awaits", False)]``."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in INLINE_IPA.finditer(text):
        if text[pos : m.start()].strip():
            out.append((text[pos : m.start()].strip(), False))
        out.append((unicodedata.normalize("NFC", m.group(1).strip()), True))
        pos = m.end()
    if text[pos:].strip() or not out:
        out.append((text[pos:].strip() if out else text, False))
    return out


# ---- script runs --------------------------------------------------------------------------------------
#: languages written in a non-Latin script, in which Latin-script words are names or English words
NON_LATIN_LANGUAGES = frozenset({"ar", "ur", "hi"})
#: a run of Latin-script words: letters (with accents), joined by spaces, hyphens, apostrophes, "&", "."
#: or digits inside a name ("Hilton Garden Inn", "Al-Maha", "Burj Al Arab", "Four Seasons", "S7even")
_LATIN_RUN = re.compile(
    r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ0-9'’&.-]*"
    r"(?:[ \t]+[A-Za-zÀ-ÖØ-öø-ÿ0-9][A-Za-zÀ-ÖØ-öø-ÿ0-9'’&.-]*)*"
)

#: punctuation right after a Latin run: it ends that run's clause
_PUNCT_AFTER = re.compile(r"\s*[.,!?;:،؟۔।]+")
_TO_LATIN_PUNCT = str.maketrans({"،": ",", "؟": "?", "۔": ".", "।": "."})


@dataclass(frozen=True)
class Run:
    """A piece of text and the phonemizer language it is read with."""

    text: str
    language: str


def script_runs(text: str, language: str, latin_language: str) -> list[Run]:
    """Split ``text`` of ``language`` (an espeak-ng code) into runs: in Arabic, Urdu or Hindi text every
    run of Latin-script words becomes a ``latin_language`` run (read by the English phonemizer, not
    dropped or spelled out); other languages, and text without Latin letters, stay one run."""
    if language not in NON_LATIN_LANGUAGES:
        return [Run(text, language)]
    out: list[Run] = []
    pos = 0
    for match in _LATIN_RUN.finditer(text):
        word = match.group().rstrip(".-'’&")
        if not word:
            continue
        before = text[pos : match.start()].strip()
        if before:
            out.append(Run(before, language))
        end = match.start() + len(word)
        punct = _PUNCT_AFTER.match(text, end)
        if punct:  # the clause ends after the name: its punctuation goes with it, in the English form
            word += punct.group().strip().translate(_TO_LATIN_PUNCT)
            end = punct.end()
        out.append(Run(word, latin_language))
        pos = end
    tail = text[pos:].strip()
    if tail or not out:
        out.append(Run(tail if out else text, language))
    return out
