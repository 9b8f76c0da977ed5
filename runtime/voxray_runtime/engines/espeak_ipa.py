"""IPA as the engines that read espeak-ng phonemes take it. Pure: no engine runs here; table-tested.

espeak-ng reads phonemes inline as ``[[...]]`` in its own ASCII mnemonics (``h@l'oU`` for ``həlˈoʊ``),
which differ per language's phoneme table. :func:`to_espeak` converts IPA with a table per espeak-ng
language (data/espeak_ipa.json, made from espeak-ng's own ``-x`` and ``--ipa`` output by
scripts/espeak_ipa_table.py): longest IPA symbol first, ``ˈ``/``ˌ`` as ``'``/``,``, a length mark ``ː``
that no long symbol took as espeak-ng's lengthening ``:``, ties and syllable breaks dropped.

Piper voices take espeak-ng's IPA itself, one code point per phoneme id (NFD, as piper-tts splits its own
phonemizer's output): :func:`to_piper` checks the symbols against espeak-ng's IPA for the language.

A symbol with no phoneme is refused with :class:`IPAError`, which names it.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from importlib import resources

#: stress marks: IPA -> espeak-ng
STRESS = {"ˈ": "'", "ˌ": ","}
LENGTH = "ː"
#: marks with no sound of their own: tie bars, a zero-width joiner, syllable breaks, linking
SILENT = frozenset("\u0361\u035c\u200d.‿")
#: other spellings of an IPA symbol (typed ASCII g, the obsolete ligatures Kokoro's vocabulary uses)
SPELLINGS: dict[str, str] = {"g": "ɡ", "ʤ": "dʒ", "ʧ": "tʃ", "ʦ": "ts", "ʣ": "dz", "'": "ˈ", "ɝ": "ɜː"}
#: per language: ASCII ``r`` in English IPA is the approximant ``ɹ``, not a trill
LANGUAGE_SPELLINGS: dict[str, dict[str, str]] = {"en": {"r": "ɹ"}, "en-us": {"r": "ɹ"}}
#: per espeak-ng language, the nearest phoneme for IPA its table lacks (espeak-ng's en-us has no short
#: ``ɑ``: its ``father`` vowel is ``ɑː``)
NEAREST: dict[str, dict[str, str]] = {
    "en-us": {"ɑ": "ɑː", "ɒ": "ɑː", "ɜ": "ɜː", "əʊ": "oʊ", "ɛə": "ɛɹ", "ɪə": "ɪɹ", "ʊə": "ʊɹ", "ɔː": "ɔː"},
    "en": {"ɚ": "ə", "ɜ": "ɜː", "oʊ": "əʊ", "ɑ": "ɑː", "ɛə": "eə", "ɾ": "t"},
    "es": {"ɹ": "ɾ", "ʝ": "ʝ"},
}
_LONGEST = 4
#: a table symbol ending in one of these (espeak-ng's rhotic vowels ``ɑːɹ``, its syllabic ``əl``) is not taken
#: before a vowel: there the consonant begins the next syllable (``həlˈoʊ`` is ``h@l'oU``, not ``h@L'oU``)
_CODA = frozenset("lɹ")
_VOWELS = frozenset("aeiouyæɑɒɐəɘɚɛɜɞɪɨʉʊʌɔøœɤɯ")


class IPAError(ValueError):
    """IPA with a symbol the engine has no phoneme for; the message names it (a 4xx for the request)."""

    def __init__(self, message: str, symbol: str = "") -> None:
        super().__init__(message)
        self.symbol = symbol


def unknown_symbol(symbol: str, ipa: str, language: str, engine: str) -> IPAError:
    name = unicodedata.name(symbol, "unnamed")
    return IPAError(
        f"IPA symbol {symbol!r} (U+{ord(symbol):04X} {name}) in {ipa!r} has no {engine} phoneme for "
        f"language {language}",
        symbol,
    )


@cache
def tables() -> dict[str, dict[str, str]]:
    """espeak-ng language -> {IPA symbol (NFC): mnemonic}."""
    raw = (resources.files("voxray_runtime") / "data" / "espeak_ipa.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = json.loads(raw)
    return {lang: {unicodedata.normalize("NFC", k): v for k, v in t.items()} for lang, t in data.items()}


def languages() -> frozenset[str]:
    return frozenset(tables())


def _table(language: str, engine: str) -> dict[str, str]:
    found = tables().get(language)
    if found is None:
        raise IPAError(
            f"{engine} has no IPA table for language {language}; it has {', '.join(sorted(tables()))}"
        )
    return found


def _spell(ipa: str, language: str) -> str:
    """NFC IPA with the other spellings replaced and the silent marks dropped."""
    text = unicodedata.normalize("NFC", ipa)
    spellings = {**SPELLINGS, **LANGUAGE_SPELLINGS.get(language, {})}
    out = "".join(spellings.get(c, c) for c in text if c not in SILENT)
    return " ".join(out.split())


def to_espeak(ipa: str, language: str) -> str:
    """IPA -> espeak-ng mnemonics for ``language`` (an espeak-ng language code: en-us, en, es, hi, ur, ar),
    words kept apart by single spaces. Raises :class:`IPAError` for a symbol with no phoneme."""
    table = _table(language, "espeak-ng")
    nearest = NEAREST.get(language, {})
    text = _spell(ipa, language)
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == " " or c in STRESS:
            out.append(STRESS.get(c, " "))
            i += 1
            continue
        for size in range(min(_LONGEST, len(text) - i), 0, -1):
            piece = text[i : i + size]
            key = piece if piece in table else nearest.get(piece, piece)
            if size > 1 and piece[-1] in _CODA and text[i + size : i + size + 2].lstrip("ˈˌ")[:1] in _VOWELS:
                continue
            if key in table:
                out.append(table[key])
                i += size
                break
        else:
            if c != LENGTH:
                raise unknown_symbol(c, ipa, language, "espeak-ng")
            out.append(":")
            i += 1
    return "".join(out).strip()


@cache
def piper_symbols(language: str) -> frozenset[str]:
    """The code points of espeak-ng's IPA for ``language`` (NFD), the marks and a space: what a Piper voice
    of that language was trained on."""
    symbols = {c for key in _table(language, "Piper") for c in unicodedata.normalize("NFD", key)}
    return frozenset(symbols | set(STRESS) | {LENGTH, " "})


def to_piper(ipa: str, language: str) -> str:
    """IPA as a Piper voice of ``language`` reads it: NFD code points of espeak-ng's IPA, other spellings
    replaced. Raises :class:`IPAError` for a symbol espeak-ng's IPA for that language never holds."""
    text = unicodedata.normalize("NFD", _spell(ipa, language))
    known = piper_symbols(language)
    for c in text:
        if c not in known:
            raise unknown_symbol(c, ipa, language, "Piper")
    return text
