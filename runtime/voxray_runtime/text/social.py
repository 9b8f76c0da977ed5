"""Social-media noise: links, e-mail addresses, @mentions, #hashtags, emoji, "!!!".

* URLs with a scheme, "www." or a path, and e-mail addresses, are dropped; a bare domain
  ("Booking.com") is read with the language's word for "dot".
* "#LuxuryTravel" -> "Luxury Travel" (camel case split), "#travel_goals" -> "travel
  goals", "#سفر_فاخر" -> "سفر فاخر"; "#1" -> "number 1".  "@john_doe" -> "john doe".
* Emoji are removed with their modifiers: variation selectors, skin tones, ZWJ
  sequences, keycaps (the digit stays), regional-indicator flags and tag sequences.
* "!!!" -> "!", "?!?" -> "?", "¡¡" -> "¡".
"""

from __future__ import annotations

import re

from .language import Locale
from .lexicon import LEXICON
from .script import NOT_AFTER_WORD, WORD

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL_END = r"""[^\s<>"'.,;:!?)\]}»…]"""
_URL = re.compile(rf"""(?:(?:https?|ftp)://|www\.)[^\s<>"]*{_URL_END}|(?:https?|ftp)://""", re.IGNORECASE)
_TLDS = "com|org|net|io|ai|app|dev|info|biz|edu|gov|travel|tv|uk|us|ae|sa|eg|es|mx|pk|in|co\\.uk|co\\.in"
_DOMAIN = re.compile(
    rf"(?<![\w@./-])(?P<host>[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.(?:{_TLDS}))"
    rf"(?P<path>/[^\s<>\"]*{_URL_END}|/)?(?![\w-]|\.[A-Za-z0-9])",
    re.IGNORECASE,
)
_MENTION = re.compile(rf"(?<![\w@]){NOT_AFTER_WORD}@(?P<name>{WORD}+(?:\.{WORD}+)*)")
_HASHTAG = re.compile(rf"(?<![\w&#]){NOT_AFTER_WORD}#(?P<tag>{WORD}+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")

_PICTOGRAPH = (
    "\u00a9\u00ae\u2122\u2139\u3030\u303d\u3297\u3299"
    "\u2190-\u21ff\u2300-\u23ff\u25a0-\u25ff\u2600-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\U0001f000-\U0001faff\U0001fc00-\U0001fffd"
)
_EMOJI_MODIFIER = "\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
_EMOJI = re.compile(rf"[{_PICTOGRAPH}](?:[{_EMOJI_MODIFIER}]|\u200d[{_PICTOGRAPH}])*")
_STRAY_MODIFIER = re.compile(rf"[{_EMOJI_MODIFIER}]|\u200d(?=\s|$)|(?<=\s)\u200d")

_BANG_RUN = re.compile(r"[!?]{2,}")
_INVERTED_RUN = re.compile(r"([¡¿])[¡¿]+")
_REPEATED = re.compile(r"([,;:،؛।])\1+")


def split_camel_case(word: str) -> str:
    """ "LuxuryTravel2027" -> "Luxury Travel 2027"; underscores become spaces."""
    return _CAMEL.sub(" ", word.replace("_", " ")).strip()


def remove_emoji(text: str) -> str:
    """Drop emoji and their modifiers, leaving a space so that words do not merge."""
    text = _EMOJI.sub(" ", text)
    return _STRAY_MODIFIER.sub("", text)


def _read_domain(match: re.Match[str], dot: str) -> str:
    if match.group("path"):
        return " "
    return match.group("host").replace(".", f" {dot} ")


def _read_hashtag(match: re.Match[str], number: str) -> str:
    tag = match.group("tag")
    if tag.isdigit():
        return f"{number} {tag}"
    return f" {split_camel_case(tag)} "


def clean_social(text: str, locale: Locale) -> str:
    """Apply the rules in the module docstring."""
    words = LEXICON[locale.language]
    text = _EMAIL.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _DOMAIN.sub(lambda match: _read_domain(match, words.dot), text)
    text = _MENTION.sub(lambda match: f" {split_camel_case(match.group('name').replace('.', ' '))} ", text)
    text = _HASHTAG.sub(lambda match: _read_hashtag(match, words.number), text)
    text = remove_emoji(text)
    text = _BANG_RUN.sub(lambda match: "?" if "?" in match.group() else "!", text)
    text = _INVERTED_RUN.sub(r"\1", text)
    return _REPEATED.sub(r"\1", text)
