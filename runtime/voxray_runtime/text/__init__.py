"""Text front-end: normalisation, number words and sentence chunking for synthesis.

Supported languages are English ("en"), Arabic ("ar"), Spanish ("es"), Hindi ("hi") and
Urdu ("ur"); regional conventions come from an optional dialect tag ("en-US", "ar-EG").
Every function is pure.

>>> prepare("Dinner at 7:30 pm costs $450!!! 🍽️ #LuxuryTravel", "en")
['Dinner at seven thirty pee em costs four hundred fifty dollars!', 'Luxury Travel']
"""

from __future__ import annotations

from .frontend import normalize, prepare
from .language import SUPPORTED_LANGUAGES, TextError
from .numerals import number_to_words
from .split import split_sentences

__all__ = [
    "SUPPORTED_LANGUAGES",
    "TextError",
    "normalize",
    "number_to_words",
    "prepare",
    "split_sentences",
]
