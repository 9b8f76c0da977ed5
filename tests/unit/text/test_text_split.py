"""split_sentences and prepare: sentence boundaries per script and chunking long text."""

import pytest

from voxray_runtime.text import normalize, prepare, split_sentences


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("hi", "पहला वाक्य। दूसरा वाक्य॥ तीसरा", ["पहला वाक्य।", "दूसरा वाक्य॥", "तीसरा"]),
        ("ur", "پہلا جملہ۔ کیا یہ دوسرا ہے؟ہاں", ["پہلا جملہ۔", "کیا یہ دوسرا ہے؟", "ہاں"]),
        ("ar", "هل أنت بخير؟ نعم؛ شكرا. مع السلامة", ["هل أنت بخير؟", "نعم؛ شكرا.", "مع السلامة"]),
        ("en", "Dr. Smith paid 3.5 dollars. Then he left!", ["Dr. Smith paid 3.5 dollars.", "Then he left!"]),
        ("en", "J. K. Rowling wrote it. Yes.", ["J. K. Rowling wrote it.", "Yes."]),
        ("en", "Use e.g. tea. Or not.", ["Use e.g. tea.", "Or not."]),
        ("en", "Wait… what? No.", ["Wait… what?", "No."]),
        ("en", "line one\nline two\n\n", ["line one", "line two"]),
        ("en", "1. First item", ["1. First item"]),
        ("en", '"Stop." She left.', ['"Stop."', "She left."]),
        ("es", "¿Vienes? ¡Sí! El Sr. López también.", ["¿Vienes?", "¡Sí!", "El Sr. López también."]),
        ("en", "   ", []),
    ],
)
def test_sentence_boundaries(language: str, text: str, expected: list[str]) -> None:
    assert split_sentences(text, language) == expected


def _long_text(sentence: str, size: int) -> str:
    text = ""
    while len(text) < size:
        text += sentence
    return text


@pytest.mark.parametrize(
    ("language", "unit"),
    [
        ("en", "the quick brown fox, who was tired; jumped over the lazy dog and kept running "),
        ("hi", "यह एक बहुत लंबा वाक्य है, जो बिना रुके चलता रहता है और कभी खत्म नहीं होता "),
        ("ar", "هذه جملة طويلة جدا، تستمر بلا توقف ولا تنتهي أبدا "),
    ],
)
@pytest.mark.parametrize("max_chars", [50, 120, 300])
def test_chunking_a_4000_character_text_keeps_every_word(language: str, unit: str, max_chars: int) -> None:
    text = _long_text(unit, 4000)
    chunks = split_sentences(text, language, max_chars=max_chars)
    assert all(0 < len(chunk) <= max_chars for chunk in chunks)
    assert all(chunk == chunk.strip() for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_chunks_prefer_clause_marks() -> None:
    text = "word " * 20 + "clause, " + "word " * 5
    first = split_sentences(text, "en", max_chars=130)[0]
    assert first.endswith("clause,")


def test_a_word_longer_than_max_chars_is_kept_whole() -> None:
    assert split_sentences("a " + "x" * 30 + " b", "en", max_chars=10) == ["a", "x" * 30, "b"]


def test_prepare_returns_a_long_text_complete() -> None:
    text = _long_text("On 14 February 2027 we paid $450, about 20% less!!! 😀 Next stop: Dubai. ", 5000)
    chunks = prepare(text, "en", max_chars=200)
    assert all(len(chunk) <= 200 for chunk in chunks)
    assert " ".join(chunks).split() == normalize(text, "en").split()


def test_prepare_drops_chunks_with_nothing_to_say() -> None:
    assert prepare("😀!!! \n 🎉 \n Hello there. …", "en") == ["Hello there."]


def test_prepare_normalizes_then_splits() -> None:
    assert prepare("कीमत ₹8,500 है। धन्यवाद 🙏", "hi") == ["कीमत आठ हज़ार पाँच सौ रुपये है।", "धन्यवाद"]
