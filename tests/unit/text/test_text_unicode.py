"""normalize: Unicode clean-up, digits in other scripts, punctuation and whitespace."""

import pytest

from voxray_runtime.text import normalize


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("ar", "\u200fمرحبا\u200e بكم", "مرحبا بكم"),
        ("ar", "\u202bمرحبا\u202c \u2066بكم\u2069", "مرحبا بكم"),
        ("ar", "مرحـــبا", "مرحبا"),
        ("ar", "مرحبا بكم في دبي", "مرحبا بكم في دبي"),
        ("ar", "١٢٣", "مئة وثلاثة وعشرون"),
        ("ar", "٣٫٥", "ثلاثة فاصلة خمسة"),
        ("ar", "١٬٢٠٠", "ألف ومئتان"),
        ("ur", "۴۵", "پینتالیس"),
        ("ur", "۱۲۳۴۵", "بارہ ہزار تین سو پینتالیس"),
        ("ur", "۱۹۴۷", "انیس سو سینتالیس"),
        ("ur", "يك كتاب", "یک کتاب"),
        ("hi", "४५", "पैंतालीस"),
        ("hi", "यह ठीक है | अच्छा", "यह ठीक है। अच्छा"),
        ("en", "１２３", "one hundred twenty-three"),
        ("en", "ﬁne ﬂow", "fine flow"),
        ("en", "zero\u200bwidth soft\u00adhyphen\ufeff", "zerowidth softhyphen"),
        ("en", "𝐁𝐨𝐥𝐝", "Bold"),
        ("en", "cafe\u0301", "café"),
        ("en", "“Hi” ‘there’ don’t", "\"Hi\" 'there' don't"),
        ("en", "Wait... what", "Wait… what"),
        ("en", "a  \t b\n\n\n c", "a b\nc"),
        ("en", "<p>Hello&nbsp;<b>world</b></p>", "Hello world"),
        ("en", "**Bold** and [a link](https://x.io/a)", "Bold and a link"),
    ],
)
def test_clean_up(language: str, text: str, expected: str) -> None:
    assert normalize(text, language) == expected


@pytest.mark.parametrize("language", ["hi", "ur"])
def test_zwnj_is_kept_where_it_shapes_words(language: str) -> None:
    word = "می\u200cخواہم" if language == "ur" else "क्\u200cष"
    assert normalize(word, language) == word


def test_zwnj_is_dropped_in_latin_text() -> None:
    assert normalize("ab\u200ccd", "en") == "abcd"
