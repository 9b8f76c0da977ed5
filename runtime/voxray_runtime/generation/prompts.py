"""What voxray sends a TextModel: one hospitality post from the brief, and its translation into each
further language. Pure.

Two prompt styles, chosen from what the model is (:data:`PromptStyle`):

- ``completion`` (a base model, like the packaged Gemma 3 270M, whose GGUF has no chat template): a
  few-shot document the model continues. For a post, three short example posts for other hotels, then
  ``Hotel: <brief>`` / ``Topic: <angle>`` / ``Post:``; for a translation, two parallel sentence pairs in
  the two languages (each in its own script), then the text and the target language's label. Stop
  sequences end the answer at the blank line or the next label, so the model writes one text only.
  A base model asked with instructions in a chat turn mostly repeats the instructions back.
- ``chat`` (an instruction-tuned model): one user message with the instructions and the request.

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
PROMPT_VERSION = 3
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
#: ``completion``: a few-shot document continued by a base model; ``chat``: instructions in a chat turn
PromptStyle = Literal["completion", "chat"]
PROMPT_STYLES: tuple[PromptStyle, ...] = ("completion", "chat")

#: example posts of the completion document, for other hotels (brief, angle, post); written in English
EXAMPLE_POSTS: tuple[tuple[str, str, str], ...] = (
    (
        "a small family inn in the Alps, with a wood-fired sauna",
        ANGLES[0],
        "Welcome to our little inn in the mountains. After a day on the slopes, warm up in our wood-fired "
        "sauna. Our family looks forward to making you feel at home.",
    ),
    (
        "a modern city hotel near the central station, with a rooftop bar",
        ANGLES[2],
        "Arriving by train? Our hotel is only two minutes from the central station. In the evening, join us "
        "at the rooftop bar and enjoy the view over the city lights.",
    ),
    (
        "a quiet beach resort with a seafood restaurant",
        ANGLES[4],
        "Our chef serves fresh seafood every evening, caught that morning by local fishermen. Book a table "
        "on the terrace and listen to the waves while you dine.",
    ),
)
#: the parallel sentences of the translation document, in every language voxray speaks (own script)
EXAMPLE_SENTENCES: dict[str, tuple[str, str]] = {
    "en": (
        "Welcome to our hotel. We hope you enjoy your stay.",
        "Breakfast is served from seven until ten in the garden.",
    ),
    "es": (
        "Bienvenido a nuestro hotel. Esperamos que disfrute de su estancia.",
        "El desayuno se sirve de siete a diez en el jardín.",
    ),
    "ar": (
        "مرحبا بكم في فندقنا. نتمنى لكم إقامة ممتعة.",
        "يقدم الإفطار من السابعة حتى العاشرة في الحديقة.",
    ),
    "hi": (
        "हमारे होटल में आपका स्वागत है। हमें आशा है कि आपका प्रवास सुखद होगा।",
        "नाश्ता बगीचे में सात बजे से दस बजे तक परोसा जाता है।",
    ),
    "ur": (
        "ہمارے ہوٹل میں خوش آمدید۔ ہمیں امید ہے کہ آپ کا قیام خوشگوار ہوگا۔",
        "ناشتہ باغ میں سات بجے سے دس بجے تک پیش کیا جاتا ہے۔",
    ),
}
POST_HEADER = "Short posts that hotels read aloud to their guests."


@dataclass(frozen=True)
class Prompt:
    """One request to a TextModel: chat ``messages`` (style chat) or a ``document`` to continue (style
    completion), with the ``stop`` sequences that end the answer."""

    style: PromptStyle
    messages: tuple[Message, ...] = ()
    document: str = ""
    stop: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The prompt as one string (what the audit event measures and hashes)."""
        return self.document if self.style == "completion" else prompt_text(self.messages)


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


def post_document(brief: str, *, number: int, language: str = "en") -> str:
    """The few-shot document a base model continues with post ``number`` on ``brief``."""
    if not brief.strip():
        raise ValueError("the brief is empty")
    if number < 1:
        raise ValueError(f"post numbers start at 1 (got {number})")
    name = language_name(language)
    label = "Post:" if language == "en" else f"Post ({name}):"
    shots = "".join(f"Hotel: {b}\nTopic: {a}\nPost: {p}\n\n" for b, a, p in EXAMPLE_POSTS)
    angle = ANGLES[(number - 1) % len(ANGLES)]
    return f"{POST_HEADER}\n\n{shots}Hotel: {' '.join(brief.split())}\nTopic: {angle}\n{label}"


def translation_document(text: str, *, source: str, target: str) -> str:
    """The few-shot parallel-text document a base model continues with ``text`` in ``target``."""
    if not text.strip():
        raise ValueError("nothing to translate: the text is empty")
    if source == target:
        raise ValueError(f"source and target language are both {source}")
    src, dst = language_name(source), language_name(target)
    pairs = zip(EXAMPLE_SENTENCES[source], EXAMPLE_SENTENCES[target], strict=True)
    shots = "".join(f"{src}: {a}\n{dst}: {b}\n\n" for a, b in pairs)
    return f"{shots}{src}: {' '.join(text.split())}\n{dst}:"


def post_prompt(
    brief: str, *, number: int, language: str = "en", max_tokens: int = 160, style: PromptStyle = "completion"
) -> Prompt:
    """The request for post ``number`` on ``brief`` in the given style."""
    if style == "chat":
        return Prompt(
            "chat", tuple(post_messages(brief, number=number, language=language, max_tokens=max_tokens))
        )
    return Prompt(
        "completion",
        document=post_document(brief, number=number, language=language),
        stop=("\n\n", "\nHotel:"),
    )


def translation_prompt(text: str, *, source: str, target: str, style: PromptStyle = "completion") -> Prompt:
    """The request for ``text`` translated from ``source`` into ``target`` in the given style."""
    if style == "chat":
        return Prompt("chat", tuple(translation_messages(text, source=source, target=target)))
    doc = translation_document(text, source=source, target=target)
    # the model tends to go on with another pair, or a second line under the same label
    stop = ("\n\n", f"\n{language_name(source)}:", f"\n{language_name(target)}:")
    return Prompt("completion", document=doc, stop=stop)
