"""Model output -> the text voxray speaks, or a clear rejection. Pure.

Small models wrap their answer: chat markup (``<end_of_turn>``), a preamble ("Here is your post:"), a
heading or a bold title, quotation marks around the whole text, hashtags, emoji, a closing note. Those
are removed; what remains must be speakable text in the expected script. An answer cut off by
``max_tokens`` keeps its complete sentences. Otherwise :class:`OutputRejectedError` says why (``reason``),
and the generation step asks again with the next seed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Literal

from voxray_runtime.text.social import remove_emoji
from voxray_runtime.text.split import split_sentences

Reason = Literal["empty", "runaway", "repetitive", "wrong_script", "wrong_language", "untranslated", "echo"]

#: the script a language's text is written in (letters counted by Unicode name prefix)
SCRIPTS: dict[str, str] = {"en": "LATIN", "es": "LATIN", "ar": "ARABIC", "ur": "ARABIC", "hi": "DEVANAGARI"}
#: share of letters that must be in the language's script
MIN_SCRIPT_SHARE = 0.6
#: a sentence seen this many times is a model looping
MAX_REPEATS = 3
#: sentence ends (Latin, Arabic question mark, Urdu full stop, Devanagari danda)
SENTENCE_END = ".!?…؟۔।"

_CHAT_TOKENS = re.compile(
    r"<\|[^|<>]{1,40}\|>|</?(?:s|eos|bos|start_of_turn|end_of_turn|pad|unk)>|\[/?INST\]", re.IGNORECASE
)
_ROLE_PREFIX = re.compile(r"^\s*(?:model|assistant|answer|response)\s*[:\n]\s*", re.IGNORECASE)
_LABEL_PREFIX = re.compile(
    r"^\s*(?:\*\*)?(?:post(?:\s+\d+(?:\s+of\s+\d+)?)?|translation(?:\s+into\s+\w+)?|text|caption)"
    r"\s*(?:\*\*)?\s*:\s*(?:\*\*)?\s*",
    re.IGNORECASE,
)
_PREAMBLE = re.compile(
    r"^\s*(?:sure|okay|ok|certainly|of course|here(?:'s| is| are)|absolutely)\b[^\n]*?:\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_HEADING = re.compile(r"^\s*#{1,6}\s.*$", re.MULTILINE)
#: a bold line without a sentence end ("**Spa Day**"): a title
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)[^*_\n]{1,80}(?<![.!?…؟۔।])(?:\*\*|__)\s*:?\s*$", re.MULTILINE)
_NOTE = re.compile(
    r"^\s*\(?\s*(?:note|notes|translation note|disclaimer)\s*:.*$", re.IGNORECASE | re.MULTILINE
)
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+", re.MULTILINE)
_HASHTAG_LINE = re.compile(r"^\s*(?:#\w+[\s,]*)+$", re.MULTILINE)
_HASHTAG = re.compile(r"#(\w)")
#: "**Option 1:**", "Version 2 (short):" on a line of their own: a model offering several answers
_OPTION_HEADING = re.compile(
    r"^\s*(?:\*\*|__|#{1,6}\s*)?\s*(?:option|version|variant)\s*\d+\s*(?:\([^)\n]{0,40}\))?"
    r"\s*:?\s*(?:\*\*|__)?\s*:?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
#: closing offers and rules after the post ("Let me know if...", "---")
_SIGN_OFF = re.compile(
    r"^\s*(?:i hope|hope this|let me know|feel free|would you like|do you want|i can also|shall i)\b.*$",
    re.IGNORECASE | re.MULTILINE,
)
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$", re.MULTILINE)
_QUOTES = {'"': '"', "“": "”", "«": "»", "'": "'", "„": "“", "‘": "’", "「": "」"}


#: consecutive words shared with the prompt's instructions that make an answer an echo of them
ECHO_WORDS = 5
#: frequent function words telling the Latin-script languages apart (a text must use more of its own)
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "of",
            "to",
            "is",
            "are",
            "our",
            "your",
            "you",
            "with",
            "for",
            "in",
            "on",
            "at",
            "this",
            "an",
            "it",
            "we",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "de",
            "del",
            "y",
            "en",
            "que",
            "con",
            "para",
            "por",
            "un",
            "una",
            "es",
            "su",
            "sus",
            "nuestro",
            "nuestra",
            "se",
            "al",
        ]
    ),
}
_WORD = re.compile(r"\w+")


class OutputRejectedError(ValueError):
    """Model output that cannot be spoken as a post; ``reason`` says which check failed."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def strip_wrapping(text: str) -> str:
    """Remove chat markup, preambles, headings, notes, list and emphasis markers, hashtags, emoji and
    quotation marks around the whole text; joins the lines into one paragraph."""
    text = unicodedata.normalize("NFC", text)
    text = _CHAT_TOKENS.sub("\n", text)
    text = _first_option(text)
    text = _SIGN_OFF.sub("", text)
    text = _RULE.sub("", text)
    text = _ROLE_PREFIX.sub("", text)
    text = _PREAMBLE.sub("", text)
    text = _HEADING.sub("", text)
    text = _BOLD_LINE.sub("", text)
    text = _NOTE.sub("", text)
    text = _HASHTAG_LINE.sub("", text)
    text = _LABEL_PREFIX.sub("", text.strip())
    text = _BULLET.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _HASHTAG.sub(r"\1", text)
    text = remove_emoji(text)
    text = " ".join(text.split())
    return _unquote(text)


def _first_option(text: str) -> str:
    """Of an answer offering several posts ("Option 1: ... Option 2: ..."), the first."""
    headings = list(_OPTION_HEADING.finditer(text))
    if len(headings) < 2:
        return text
    return text[headings[0].end() : headings[1].start()]


def _unquote(text: str) -> str:
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] == _QUOTES[text[0]]:
        inner = text[1:-1]
        if text[0] in inner:  # "a" and "b": not one quoted text
            break
        text = inner.strip()
    return text


def script_share(text: str, script: str) -> float:
    """Share of the letters of ``text`` whose Unicode name starts with ``script`` (1.0 without letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 1.0
    return sum(1 for c in letters if unicodedata.name(c, "").startswith(script)) / len(letters)


def words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def _ngrams(seq: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]


def echoes(text: str, instructions: str, n: int = ECHO_WORDS) -> bool:
    """Whether ``text`` repeats ``n`` consecutive words of ``instructions`` (a model echoing its prompt)."""
    grams = set(_ngrams(words(instructions), n))
    return any(g in grams for g in _ngrams(words(text), n))


def language_votes(text: str) -> dict[str, int]:
    """Function words of each Latin-script language found in ``text``."""
    ws = words(text)
    return {lang: sum(1 for w in ws if w in fw) for lang, fw in FUNCTION_WORDS.items()}


def trim_to_sentence(text: str) -> str:
    """``text`` up to its last sentence end; empty when it has none."""
    cut = max(text.rfind(c) for c in SENTENCE_END)
    return text[: cut + 1].rstrip() if cut >= 0 else ""


def clean_output(
    raw: str,
    language: str,
    *,
    truncated: bool = False,
    source_text: str | None = None,
    instructions: str | None = None,
) -> str:
    """The speakable text of one model answer in ``language``; OutputRejectedError when there is none.

    ``truncated``: the answer stopped at max_tokens (``finish_reason == "length"``): only its complete
    sentences are kept. ``source_text``: for a translation, the text it translates (an answer that
    merely repeats it is rejected). ``instructions``: the prompt's instructions (the brief left out):
    sentences repeating five consecutive words of them are an echo and dropped (nothing left: refused).
    Spanish and English answers must use more function words of their own language than of the other.
    """
    script = SCRIPTS.get(language)
    if script is None:
        raise ValueError(f"unsupported language {language!r}; supported: {', '.join(SCRIPTS)}")
    text = strip_wrapping(raw)
    if instructions is not None:
        text = drop_echoes(text, language, instructions)
    if truncated:
        kept = trim_to_sentence(text)
        if not kept:
            raise OutputRejectedError(
                "runaway", "the answer reached maxTokens without finishing a sentence (raise maxTokens)"
            )
        text = kept
    if not any(c.isalnum() for c in text):
        raise OutputRejectedError("empty", "the answer holds no text once markup and notes are removed")
    sentences = [s.casefold() for s in split_sentences(text, language)]
    repeated = [s for s, n in Counter(sentences).items() if n >= MAX_REPEATS]
    if repeated:
        raise OutputRejectedError("repetitive", f"the answer repeats a sentence {MAX_REPEATS} times or more")
    share = script_share(text, script)
    if share < MIN_SCRIPT_SHARE:
        raise OutputRejectedError(
            "wrong_script",
            f"only {share:.0%} of the letters are {script.title()}, the script of {language}",
        )
    if source_text is not None and " ".join(source_text.split()).casefold() == text.casefold():
        raise OutputRejectedError("untranslated", "the translation repeats the source text")
    votes = language_votes(text)
    if language in votes:
        other = max(v for lang, v in votes.items() if lang != language)
        if other > votes[language]:
            raise OutputRejectedError(
                "wrong_language", f"the answer reads as another language than {language} ({votes})"
            )
    return text


def drop_echoes(text: str, language: str, instructions: str) -> str:
    """``text`` without its sentences that repeat the prompt's instructions (five consecutive words);
    OutputRejectedError (``echo``) when no sentence is left."""
    sentences = split_sentences(text, language)
    kept = [s for s in sentences if not echoes(s, instructions)]
    if sentences and not kept:
        raise OutputRejectedError("echo", "the answer only repeats the prompt's instructions")
    return " ".join(kept)
