"""Social-media noise: links, e-mail addresses, @mentions, #hashtags, emoji, "!!!".

* Links are read the way people say them: the scheme and "www." go, the host is read with
  the language's word for "dot" ("Booking.com" -> "Booking dot com"), a short path of
  words with its word for "slash" ("hotel.ae/spa" -> "hotel dot ae slash spa"); query
  strings, fragments and long or opaque paths are left out.  E-mail addresses are read
  in full with the word for "@" ("info at hotel dot com", "info arroba hotel punto es").
* "#LuxuryTravel" -> "Luxury Travel" (camel case split), "#travel_goals" -> "travel
  goals", "#سفر_فاخر" -> "سفر فاخر"; "#1" -> "number 1".  "@john_doe" -> "john doe".
* Emoji are removed with their modifiers: variation selectors, skin tones, ZWJ
  sequences, keycaps (the digit stays), regional-indicator flags and tag sequences.
* "!!!" -> "!", "?!?" -> "?", "¡¡" -> "¡".
"""

from __future__ import annotations

import re

from .language import Locale
from .lexicon import LEXICON, Lexicon
from .script import NOT_AFTER_WORD, WORD

_EMAIL = re.compile(r"(?<![\w.+-])(?P<user>[\w.+-]+)@(?P<host>[\w-]+(?:\.[\w-]+)+)")
_URL_END = r"""[^\s<>"'.,;:!?)\]}»…]"""
_URL = re.compile(
    rf"""(?:(?:https?|ftp)://|www\.)(?P<link>[^\s<>"]*{_URL_END})|(?:(?:https?|ftp)://|www\.)""",
    re.IGNORECASE,
)
_HOST_END = re.compile(r"[/?#]")
#: A path segment worth reading: a few words ("spa-offers"), or a short number ("2027").
_PATH_WORD = re.compile(r"[^\W\d_]{1,20}(?:[-_][^\W\d_]{1,20}){0,3}|\d{1,4}")
_MAX_PATH_WORDS = 3
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


def _read_host(host: str, dot: str) -> str:
    labels = [label for label in host.split(".") if label]
    if labels and labels[0].lower() == "www":
        labels = labels[1:]
    return f" {dot} ".join(labels)


def _read_path(path: str, slash: str) -> str:
    """ "/spa/offers" -> "slash spa slash offers"; "" when the path is not a few plain words."""
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) > _MAX_PATH_WORDS or not all(_PATH_WORD.fullmatch(part) for part in segments):
        return ""
    return "".join(f" {slash} {split_camel_case(part.replace('-', ' '))}" for part in segments)


def read_link(link: str, words: Lexicon) -> str:
    """A link without its scheme ("hotel.ae/spa?x=1") as spoken; query and fragment are left out."""
    end = _HOST_END.search(link)
    host, rest = (link[: end.start()], link[end.start() :]) if end else (link, "")
    path = re.split(r"[?#]", rest, maxsplit=1)[0]
    return f" {_read_host(host, words.dot)}{_read_path(path, words.slash)} "


def _read_email(match: re.Match[str], words: Lexicon) -> str:
    user = " ".join(
        part for part in re.split(r"[_+-]", match.group("user").replace(".", f" {words.dot} ")) if part
    )
    return f" {user} {words.at_sign} {_read_host(match.group('host'), words.dot)} "


def _read_domain(match: re.Match[str], words: Lexicon) -> str:
    return read_link(match.group("host") + (match.group("path") or ""), words)


def _read_hashtag(match: re.Match[str], number: str) -> str:
    tag = match.group("tag")
    if tag.isdigit():
        return f"{number} {tag}"
    return f" {split_camel_case(tag)} "


def clean_social(text: str, locale: Locale) -> str:
    """Apply the rules in the module docstring."""
    words = LEXICON[locale.language]
    text = _EMAIL.sub(lambda match: _read_email(match, words), text)
    text = _URL.sub(lambda match: read_link(match.group("link") or "", words), text)
    text = _DOMAIN.sub(lambda match: _read_domain(match, words), text)
    text = _MENTION.sub(lambda match: f" {split_camel_case(match.group('name').replace('.', ' '))} ", text)
    text = _HASHTAG.sub(lambda match: _read_hashtag(match, words.number), text)
    text = remove_emoji(text)
    text = _BANG_RUN.sub(lambda match: "?" if "?" in match.group() else "!", text)
    text = _INVERTED_RUN.sub(r"\1", text)
    return _REPEATED.sub(r"\1", text)
