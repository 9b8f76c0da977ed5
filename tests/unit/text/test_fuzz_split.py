"""Properties of split_sentences on arbitrary text: nothing lost, nothing too long."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from voxray_runtime.text import SUPPORTED_LANGUAGES, split_sentences

_PIECES = st.sampled_from(
    [".", "!", "?", "…", "؟", "۔", "।", "॥", "،", "؛", ",", ";", ":", "—", "–", "\"", "'", ")", "(", "¿", "¡",
     "Dr.", "St.", "p. ej.", "د.", "डॉ.", "J.", "1.", "3.14", " ", "  ", "\n", "\r\n", "\u2028", "\x1c", "\t"]
)  # fmt: skip
_WORDS = st.text(alphabet="abcXYZ مرحبا नमस्ते ہے", min_size=1, max_size=12)
TEXTS = st.one_of(st.lists(_PIECES | _WORDS, max_size=30).map("".join), st.text(max_size=120))


@given(
    text=TEXTS,
    language=st.sampled_from(SUPPORTED_LANGUAGES),
    max_chars=st.integers(min_value=1, max_value=80),
)
@example(text="a\x1cb", language="en", max_chars=5)  # a separator str.splitlines knows
def test_split_keeps_every_character_and_bounds_chunks(text: str, language: str, max_chars: int) -> None:
    chunks = split_sentences(text, language, max_chars)
    assert "".join("".join(chunks).split()) == "".join(text.split())
    for chunk in chunks:
        assert chunk
        assert chunk == chunk.strip()
        assert "\n" not in chunk
        assert len(chunk) <= max_chars or " " not in chunk
