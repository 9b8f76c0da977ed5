"""The public pipeline: :func:`normalize` text for one language, :func:`prepare` it in chunks.

Normalisation is a fixed sequence of pure passes, each ``(text, locale) -> text``:

1. markup (HTML tags and entities, Markdown) and Unicode clean-up;
2. social-media noise (links, mentions, hashtags, emoji, "!!!");
3. abbreviations and "&";
4. phone numbers and signs, money, dates, times, units of measure;
5. every remaining number, percentages, ordinals, ranges, "+", "=";
6. a final tidy-up that drops unspeakable symbols and fixes spacing.

Order matters: money, dates and times must be read before the plain number pass, which
would otherwise read their parts one by one.
"""

from __future__ import annotations

from collections.abc import Callable

from . import abbreviations, cleanup, currency, dates, quantities, social, times, units
from .language import Locale, resolve_locale
from .split import split_sentences

Pass = Callable[[str, Locale], str]

PASSES: tuple[Pass, ...] = (
    cleanup.strip_markup,
    cleanup.clean_unicode,
    social.clean_social,
    abbreviations.expand_abbreviations,
    quantities.expand_signs,
    currency.expand_currency,
    dates.expand_dates,
    times.expand_times,
    units.expand_units,
    quantities.expand_quantities,
    cleanup.finalize,
)


def normalize(text: str, language: str, dialect: str | None = None) -> str:
    """Turn raw text into clean, speakable text in ``language``.

    Numbers, money, dates, times, units and abbreviations are spelled out in the target
    language; links, emoji, markup and invisible characters are removed.  Line breaks
    are kept (collapsed to one) as sentence boundaries; other whitespace collapses to a
    single space.  ``dialect`` ("en-US", "es-MX"...) adjusts regional conventions.
    Raises :class:`~voxray_runtime.text.TextError` for an unsupported language.
    """
    locale = resolve_locale(language, dialect)
    for step in PASSES:
        text = step(text, locale)
    return text


def prepare(text: str, language: str, dialect: str | None = None, max_chars: int = 300) -> list[str]:
    """Normalise ``text`` and split it into sentence chunks of at most ``max_chars``.

    Chunks with nothing to say (no letter or digit) are dropped.
    """
    chunks = split_sentences(normalize(text, language, dialect), language, max_chars)
    return [chunk for chunk in chunks if any(char.isalnum() for char in chunk)]
