"""Markup removal, Unicode clean-up and the final tidy-up of normalised text.

Unicode policy:

* NFC everywhere; NFKC only for compatibility blocks (full-width forms, Latin ligatures,
  Arabic presentation forms, circled and "mathematical bold" letters), so that
  meaningful characters elsewhere are left alone.
* Control and format characters are dropped: zero-width spaces, soft hyphens, BOMs and
  the bidi marks and embeddings (U+200E/F, U+202A-202E, U+2066-2069).  ZWNJ and ZWJ are
  kept in Hindi and Urdu, where they change how words are written; right-to-left text
  is never reordered.
* Arabic tatweel (U+0640) is removed; every decimal digit (Arabic-Indic ٠-٩, Urdu ۰-۹,
  Devanagari ०-९...) becomes ASCII so the number passes can read it; the Arabic
  decimal and thousands separators and percent sign become ".", "," and "%".
* Vulgar fractions become "1/2" (after a space, so that "3½" reads "3 1/2").
* Quotes become ASCII, dashes "-", "–" (ranges) or "—" (pauses), "..." becomes "…".
* Urdu text typed with Arabic yeh/kaf (ي ك ى) gets the Urdu letters (ی ک ی).
"""

from __future__ import annotations

import html
import re
import unicodedata

from .language import Locale

_COMPAT = re.compile(
    "[\uff00-\uffef\ufb00-\ufb06\ufb50-\ufdff\ufe70-\ufefe\u2460-\u24ff\u2070-\u209f"
    "\u00b2\u00b3\u00b9\u2100-\u2109\u3000\U0001d400-\U0001d7ff]+"
)
_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2039": '"', "\u203a": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\ufe63": "-",
        "\u2014": "—", "\u2015": "—",
        "\u203c": "!", "\u2049": "?", "\u2048": "?", "\u2047": "?",
        "\u066a": "%", "\u066b": ".", "\u066c": ",", "\u0640": None,
        "\u3001": ",", "\u3002": ".",
        "\u00bd": " 1/2", "\u00bc": " 1/4", "\u00be": " 3/4", "\u2153": " 1/3", "\u2154": " 2/3",
        "\u2028": "\n", "\u2029": "\n", "\r": "\n", "\t": " ", "\v": "\n", "\f": "\n",
    }
)  # fmt: skip
_URDU_LETTERS = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})
_JOINERS = frozenset("\u200c\u200d")
_KEEPS_JOINERS = frozenset({"hi", "ur"})
_ARABIC_SCRIPT = frozenset({"ar", "ur"})

_BREAK_TAGS = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr)\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^()\s]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^()\s]*\)")
_MD_FENCE = re.compile(r"^[ \t]*(?:```|~~~).*$", re.MULTILINE)
_MD_LINE_PREFIX = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+•][ \t]+|\d{1,3}[.)][ \t]+)", re.MULTILINE)
_MD_RULE = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.MULTILINE)

_ELLIPSIS = re.compile(r"\.(?:\s?\.){2,}|…+")
_DOUBLE_HYPHEN = re.compile(r"(?<!\s)\s*-{2,}\s*")
_HINDI_PIPE_DANDA = re.compile(r"(?<=[\u0900-\u097f])\s*\|(?!\|)")


def strip_markup(text: str, locale: Locale) -> str:
    """Decode HTML entities and drop HTML tags and Markdown syntax, keeping the words."""
    if "&" in text:
        text = html.unescape(text)
    text = _BREAK_TAGS.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = _MD_IMAGE.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_FENCE.sub("", text)
    text = _MD_RULE.sub("", text)
    return _MD_LINE_PREFIX.sub("", text)


def _clean_char(char: str, keep_joiners: bool) -> str:
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if category == "Zs":
        return " "
    if category in ("Cc", "Cf", "Co", "Cs", "Cn"):
        if char == "\n" or (keep_joiners and char in _JOINERS):
            return char
        return ""
    return char


def _compatibility_form(match: re.Match[str]) -> str:
    folded = unicodedata.normalize("NFKC", match.group())
    return f" {folded} " if " " in folded else folded  # "ﷺ" is a whole phrase


def clean_unicode(text: str, locale: Locale) -> str:
    """Apply the Unicode policy in the module docstring."""
    text = _COMPAT.sub(_compatibility_form, text)
    text = unicodedata.normalize("NFC", text).translate(_PUNCTUATION)
    keep_joiners = locale.language in _KEEPS_JOINERS
    text = "".join(
        char if char.isascii() and (char.isprintable() or char == "\n") else _clean_char(char, keep_joiners)
        for char in text
    )
    if locale.language == "ur":
        text = text.translate(_URDU_LETTERS)
    if locale.language == "hi":
        text = _HINDI_PIPE_DANDA.sub("।", text)
    text = _ELLIPSIS.sub("…", text)
    return _DOUBLE_HYPHEN.sub(" — ", text)


# --- final tidy-up -----------------------------------------------------------------

#: Punctuation that reaches the engines; every other symbol or punctuation mark goes.
SPEAKABLE_PUNCTUATION = frozenset(".,;:!?…'\"()-¿¡،؛؟۔।॥")
_PAUSE_DASH = re.compile(r"(?<!\s)\s*[—–]+\s*|(?<=\s)-(?=\s)|^-(?=\s)|(?<=\s)-$", re.MULTILINE)
_SPACES = re.compile(r"[ \t]+")
# not before a full stop that starts a word: " .com" glued to the word before would be a domain
_SPACE_BEFORE_PUNCT = re.compile(r"(?<! ) +([,;:!?…)،؛؟۔।॥]|\.(?![^\W\d_]))")
_SPACE_AFTER_OPEN = re.compile(r"([(¿¡]) +")
_OPENING_RUN = re.compile(r"([¿¡])(?:\s*[¿¡])+")
_GLUED_CLAUSE_MARK = re.compile(r"([,;:،؛])(?=[^\W\d_])")
_EMPTY_PARENS = re.compile(r"\(\s*[.,;:]*\s*\)")
# a full stop that starts a word (".com") is not part of a run: merging it would glue a domain
_PUNCT_RUN = re.compile(r"([.,;:!?…،؛؟۔।॥])(?:\s*(?:[,;:،؛…]|\.(?![^\W\d_])))+")
_COMMA_BEFORE_STOP = re.compile(r"[,;:،؛]\s*([!?…؟۔।॥]|\.(?![^\W\d_]))")
_BANG_RUN = re.compile(r"[!?](?:\s*[!?])+")
_LEADING_PUNCT = re.compile(r"^[\s.,;:!?…،؛؟۔।॥)-]+", re.MULTILINE)
_TRAILING_CLAUSE_MARKS = re.compile(r"[\s,;:،؛(-]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"(?<!\s)\s*\n\s*")


def _keep_speakable(char: str) -> str:
    if char.isalnum() or char.isspace() or char in SPEAKABLE_PUNCTUATION or char in _JOINERS:
        return char
    category = unicodedata.category(char)
    return char if category[0] in "LM" else " "


def finalize(text: str, locale: Locale) -> str:
    """Drop unspeakable symbols, turn free-standing dashes into commas, fix spacing.

    Lines are kept (one sentence boundary each) and stripped of leading punctuation and
    trailing clause marks; runs of spaces collapse.
    """
    text = "".join(_keep_speakable(char) for char in text)
    text = _PAUSE_DASH.sub("، " if locale.language in _ARABIC_SCRIPT else ", ", text)
    text = _SPACES.sub(" ", text)
    text = _EMPTY_PARENS.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _OPENING_RUN.sub(r"\1", text)
    text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    text = _GLUED_CLAUSE_MARK.sub(r"\1 ", text)
    text = _COMMA_BEFORE_STOP.sub(r"\1", text)
    text = _PUNCT_RUN.sub(r"\1", text)
    text = _BANG_RUN.sub(lambda match: "?" if "?" in match.group() else "!", text)
    text = _LEADING_PUNCT.sub("", text)
    text = _TRAILING_CLAUSE_MARKS.sub("", text)
    text = _SPACES.sub(" ", text)
    # marks brought together by a dropped symbol must be back in canonical order
    return unicodedata.normalize("NFC", _BLANK_LINES.sub("\n", text).strip())
