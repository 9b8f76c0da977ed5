"""The chat messages voxray sends a TextModel: one hospitality post from the brief, and its translation
into each further language. Pure.

Posts are written to be spoken: plain sentences, no markup, hashtags, emoji, links or lists, and
translations in a dialect-neutral standard form (Modern Standard Arabic, neutral international Spanish...),
because one text is spoken by every dialect's voices. ``PROMPT_VERSION`` is recorded with each post so
that a change of wording here regenerates what an earlier version wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

#: bump when the wording below changes: records written by another version are regenerated
PROMPT_VERSION = 2
#: one user message carries the instructions and the request: Gemma has no system role (its chat
#: formats fold or drop a system message), and every OpenAI-compatible server takes a user message

#: the language a post is written in, as the model is told (dialect-neutral standard forms)
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "ar": "Arabic",
    "es": "Spanish",
    "hi": "Hindi",
    "ur": "Urdu",
}
#: what "dialect-neutral" means per language (one text is spoken by every dialect's voices)
NEUTRAL_FORMS: dict[str, str] = {
    "en": "neutral international English (no regional slang or spellings)",
    "ar": "Modern Standard Arabic in Arabic script (no regional dialect)",
    "es": "neutral international Spanish (no regional slang)",
    "hi": "standard Hindi in Devanagari script",
    "ur": "standard Urdu in Urdu (Perso-Arabic) script",
}
#: angles rotated over the posts of a batch, so that posts on one brief differ from each other
ANGLES: tuple[str, ...] = (
    "a warm welcome to arriving guests",
    "the rooms and the comfort of a stay",
    "food and drink: breakfast, the restaurant or the bar",
    "relaxing: the spa, the pool or quiet corners",
    "the neighbourhood and what to see nearby",
    "a seasonal offer or an event",
    "the people who look after the guests",
    "a practical tip for a smooth stay",
)
DEFAULT_TONE = "warm, welcoming and professional"
#: rough tokens per word of generated text (the sentence budget is derived from maxTokens)
TOKENS_PER_WORD = 2.0

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str

    def wire(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


def language_name(language: str) -> str:
    """The language's English name; ValueError for a language voxray does not speak."""
    try:
        return LANGUAGE_NAMES[language]
    except KeyError:
        raise ValueError(
            f"unsupported language {language!r}; supported: {', '.join(LANGUAGE_NAMES)}"
        ) from None


def word_budget(max_tokens: int) -> int:
    """Most words a post may have so that it ends within ``max_tokens`` (at least 12)."""
    return max(12, int(max_tokens / TOKENS_PER_WORD * 0.8))


def length_hint(max_tokens: int) -> str:
    words = word_budget(max_tokens)
    sentences = "two or three" if words < 60 else "three to five"
    return f"{sentences} short sentences, at most {words} words"


def post_messages(
    brief: str,
    *,
    number: int,
    language: str = "en",
    max_tokens: int = 160,
    tone: str = DEFAULT_TONE,
) -> list[Message]:
    """Messages asking for post ``number`` (1-based) on ``brief``, in ``language``.

    The total count is left out on purpose: raising spec.generate.count keeps the posts already written.
    """
    if not brief.strip():
        raise ValueError("the brief is empty")
    if number < 1:
        raise ValueError(f"post numbers start at 1 (got {number})")
    name = language_name(language)
    angle = ANGLES[(number - 1) % len(ANGLES)]
    system = (
        f"Write a short hotel post in {NEUTRAL_FORMS[language]}, to be read aloud: plain sentences, "
        "no title, list, hashtags or emoji."
    )
    user = (
        f"Hotel: {brief.strip()}\n"
        f"Post number {number} in {name}, about {angle}. Tone: {tone}. Length: {length_hint(max_tokens)}."
        "\n\nPost:"
    )
    return [Message("user", f"{system}\n\n{user}")]


def translation_messages(text: str, *, source: str, target: str) -> list[Message]:
    """Messages asking for ``text`` (in ``source``) translated into ``target``, dialect-neutral."""
    if not text.strip():
        raise ValueError("nothing to translate: the text is empty")
    if source == target:
        raise ValueError(f"source and target language are both {source}")
    src, dst = language_name(source), language_name(target)
    system = (
        f"You translate hotel posts from {src} into {dst}, to be read aloud by a text-to-speech voice. "
        f"Write {NEUTRAL_FORMS[target]}. Keep the meaning, the tone and the length; keep names of places "
        "and people as they are. Reply with the translation only: no notes, no quotation marks, "
        f"no {src} text."
    )
    user = f"Translate into {dst}:\n\n{text.strip()}"
    return [Message("user", f"{system}\n\n{user}")]


def prompt_text(messages: Sequence[Message]) -> str:
    """The messages as one string (what the audit event measures and hashes)."""
    return "\n\n".join(f"{m.role}: {m.content}" for m in messages)
