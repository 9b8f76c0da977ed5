"""normalize: dates (day/month order by dialect) and clock times in every language."""

import pytest

from voxray_runtime.text import normalize


@pytest.mark.parametrize(
    ("language", "dialect", "text", "expected"),
    [
        ("en", None, "14 February 2027", "the fourteenth of February twenty twenty-seven"),
        ("en", None, "February 14, 2027", "February fourteenth, twenty twenty-seven"),
        ("en", None, "on 1st Jan", "on the first of January"),
        ("en", None, "31/12/2026", "the thirty-first of December twenty twenty-six"),
        ("en", None, "31/12", "the thirty-first of December"),
        ("en", None, "2026-12-31", "the thirty-first of December twenty twenty-six"),
        ("en", "en-GB", "01/02/2027", "the first of February twenty twenty-seven"),
        ("en", "en-US", "01/02/2027", "January second, twenty twenty-seven"),
        ("en", "en-US", "12/31/2026", "December thirty-first, twenty twenty-six"),
        ("en", "en-US", "12/31", "December thirty-first"),
        ("en", "en-AU", "31/12", "the thirty-first of December"),
        ("es", None, "14 de febrero de 2027", "catorce de febrero de dos mil veintisiete"),
        ("es", None, "31/12/2026", "treinta y uno de diciembre de dos mil veintiséis"),
        ("es", None, "2026-12-31", "treinta y uno de diciembre de dos mil veintiséis"),
        ("ar", None, "٣١/١٢/٢٠٢٦", "واحد وثلاثون ديسمبر ألفان وستة وعشرون"),
        ("hi", None, "31/12/2026", "इकतीस दिसंबर दो हज़ार छब्बीस"),
        ("hi", None, "14 फ़रवरी 2027", "चौदह फ़रवरी दो हज़ार सत्ताईस"),
        ("ur", None, "31/12/2026", "اکتیس دسمبر دو ہزار چھبیس"),
        ("ur", None, "۱۴ فروری ۲۰۲۷", "چودہ فروری دو ہزار ستائیس"),
    ],
)
def test_dates(language: str, dialect: str | None, text: str, expected: str) -> None:
    assert normalize(text, language, dialect) == expected


def test_impossible_dates_and_fractions_are_not_dates() -> None:
    assert normalize("32/13", "en") == "thirty-two thirteen"
    assert normalize("24/7", "en") == "twenty-four seven"


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "7:30 pm", "seven thirty pee em"),
        ("en", "7:05 am", "seven oh five ay em"),
        ("en", "7pm", "seven pee em"),
        ("en", "19:00", "nineteen hundred"),
        ("en", "19:45", "nineteen forty-five"),
        ("en", "7:00", "seven o'clock"),
        ("en", "00:00", "midnight"),
        ("en", "Dinner at 7 p.m. Then bed.", "Dinner at seven pee em. Then bed."),
        ("es", "7:30 pm", "siete y media de la tarde"),
        ("es", "1:15 pm", "una y cuarto de la tarde"),
        ("es", "19:00", "diecinueve horas"),
        ("es", "21:45", "veintiuna horas y cuarenta y cinco minutos"),
        ("ar", "7:30 pm", "الساعة السابعة والنصف مساءً"),
        ("ar", "19:00", "الساعة السابعة مساءً"),
        ("ar", "10:05 ص", "الساعة العاشرة وخمس دقائق صباحًا"),
        ("ar", "8:45", "الساعة التاسعة إلا ربعًا"),
        ("ar", "الساعة 7:30 م", "الساعة السابعة والنصف مساءً"),
        ("hi", "7:30 pm", "शाम साढ़े सात बजे"),
        ("hi", "19:00", "शाम सात बजे"),
        ("hi", "1:30", "डेढ़ बजे"),
        ("hi", "2:30", "ढाई बजे"),
        ("hi", "10:15", "सवा दस बजे"),
        ("hi", "4:45", "पौने पाँच बजे"),
        ("hi", "9:10 am", "सुबह नौ बजकर दस मिनट"),
        ("hi", "शाम 7:30 बजे", "शाम साढ़े सात बजे"),
        ("ur", "7:30 pm", "شام ساڑھے سات بجے"),
        ("ur", "19:00", "شام سات بجے"),
        ("ur", "9:10 am", "صبح نو بج کر دس منٹ"),
    ],
)
def test_times(language: str, text: str, expected: str) -> None:
    assert normalize(text, language) == expected


@pytest.mark.parametrize("dialect", [None, "en-US", "en-GB", "en-AU"])
def test_written_day_first_date_keeps_its_order_and_one_article(dialect: str | None) -> None:
    assert (
        normalize("Valid until the 15th of August.", "en", dialect) == "Valid until the fifteenth of August."
    )
