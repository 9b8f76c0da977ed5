"""number_to_words: cardinals in every language, and the word tables behind them."""

import unicodedata

import pytest

from voxray_runtime.text import SUPPORTED_LANGUAGES, number_to_words
from voxray_runtime.text.numerals.hindi import BELOW_HUNDRED as HINDI_BELOW_HUNDRED
from voxray_runtime.text.numerals.urdu import BELOW_HUNDRED as URDU_BELOW_HUNDRED


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "zero"),
        (11, "eleven"),
        (13, "thirteen"),
        (19, "nineteen"),
        (21, "twenty-one"),
        (45, "forty-five"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (101, "one hundred one"),
        (1000, "one thousand"),
        (1234, "one thousand two hundred thirty-four"),
        (100000, "one hundred thousand"),
        (10000000, "ten million"),
        (2500000000, "two billion five hundred million"),
        (-7, "minus seven"),
    ],
)
def test_english(n: int, expected: str) -> None:
    assert number_to_words(n, "en") == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "cero"),
        (11, "once"),
        (15, "quince"),
        (16, "dieciséis"),
        (21, "veintiuno"),
        (22, "veintidós"),
        (31, "treinta y uno"),
        (45, "cuarenta y cinco"),
        (99, "noventa y nueve"),
        (100, "cien"),
        (101, "ciento uno"),
        (500, "quinientos"),
        (1000, "mil"),
        (1234, "mil doscientos treinta y cuatro"),
        (21000, "veintiún mil"),
        (100000, "cien mil"),
        (1000000, "un millón"),
        (2000000, "dos millones"),
        (10000000, "diez millones"),
        (1000000000, "mil millones"),
        (1000000000000, "un billón"),
    ],
)
def test_spanish(n: int, expected: str) -> None:
    assert number_to_words(n, "es") == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "صفر"),
        (1, "واحد"),
        (2, "اثنان"),
        (3, "ثلاثة"),
        (11, "أحد عشر"),
        (12, "اثنا عشر"),
        (19, "تسعة عشر"),
        (21, "واحد وعشرون"),
        (45, "خمسة وأربعون"),
        (99, "تسعة وتسعون"),
        (100, "مئة"),
        (101, "مئة وواحد"),
        (200, "مئتان"),
        (1000, "ألف"),
        (2000, "ألفان"),
        (3000, "ثلاثة آلاف"),
        (11000, "أحد عشر ألفًا"),
        (1234, "ألف ومئتان وأربعة وثلاثون"),
        (100000, "مئة ألف"),
        (200000, "مئتا ألف"),
        (1000000, "مليون"),
        (10000000, "عشرة ملايين"),
        (1000000000, "مليار"),
    ],
)
def test_arabic(n: int, expected: str) -> None:
    assert number_to_words(n, "ar") == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "शून्य"),
        (11, "ग्यारह"),
        (15, "पंद्रह"),
        (19, "उन्नीस"),
        (21, "इक्कीस"),
        (45, "पैंतालीस"),
        (99, "निन्यानवे"),
        (100, "एक सौ"),
        (101, "एक सौ एक"),
        (1000, "एक हज़ार"),
        (1234, "एक हज़ार दो सौ चौंतीस"),
        (100000, "एक लाख"),
        (125000, "एक लाख पच्चीस हज़ार"),
        (10000000, "एक करोड़"),
        (1000000000, "एक अरब"),
    ],
)
def test_hindi(n: int, expected: str) -> None:
    assert number_to_words(n, "hi") == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "صفر"),
        (11, "گیارہ"),
        (19, "انیس"),
        (21, "اکیس"),
        (45, "پینتالیس"),
        (99, "ننانوے"),
        (100, "ایک سو"),
        (101, "ایک سو ایک"),
        (1000, "ایک ہزار"),
        (1234, "ایک ہزار دو سو چونتیس"),
        (100000, "ایک لاکھ"),
        (10000000, "ایک کروڑ"),
        (1000000000, "ایک ارب"),
    ],
)
def test_urdu(n: int, expected: str) -> None:
    assert number_to_words(n, "ur") == expected


@pytest.mark.parametrize("table", [HINDI_BELOW_HUNDRED, URDU_BELOW_HUNDRED], ids=["hi", "ur"])
def test_indic_tables_cover_0_to_99_with_distinct_words(table: tuple[str, ...]) -> None:
    assert len(table) == 100
    assert len(set(table)) == 100


def test_urdu_words_use_urdu_letters_not_arabic_lookalikes() -> None:
    arabic_lookalikes = set("\u064a\u0643\u0647\u0649")  # ي ك ه ى
    assert not [word for word in URDU_BELOW_HUNDRED if arabic_lookalikes & set(word)]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_words_are_nfc_and_never_contain_digits(language: str) -> None:
    for n in (*range(1000), 10**5, 10**7, 10**9, 123456789):
        words = number_to_words(n, language)
        assert unicodedata.is_normalized("NFC", words)
        assert not any(char.isdigit() for char in words)
