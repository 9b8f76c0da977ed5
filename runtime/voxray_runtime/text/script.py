"""Regular-expression fragments shared by the normalisation passes.

Python's ``\\w`` leaves out combining marks, so "भारत" would match as "भ" + "रत" and
vowelled Arabic would break apart; :data:`WORD` adds the Arabic and Devanagari marks,
the generic combining diacritics and ZWNJ/ZWJ.
"""

from __future__ import annotations

MARKS = (
    "\u0300-\u036f"  # combining diacritics
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"  # Arabic
    "\u0900-\u0903\u093a-\u093c\u093e-\u094f\u0951-\u0957\u0962\u0963"  # Devanagari
    "\u200c\u200d"  # ZWNJ, ZWJ
)
#: One character of a word, in any supported script.
WORD = rf"[\w{MARKS}]"
#: Not preceded / not followed by a word character.
NOT_AFTER_WORD = rf"(?<!{WORD})"
NOT_BEFORE_WORD = rf"(?!{WORD})"
#: A letter (no digit, no underscore).
LETTER = r"[^\W\d_]"
