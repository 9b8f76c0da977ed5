"""normalize: currency amounts read with the currency's name in the target language."""

import pytest

from voxray_runtime.text import normalize


@pytest.mark.parametrize(
    ("language", "dialect", "text", "expected"),
    [
        ("en", None, "USD 450", "four hundred fifty US dollars"),
        ("en", None, "$450", "four hundred fifty dollars"),
        ("en", None, "€95", "ninety-five euros"),
        ("en", None, "£30", "thirty pounds"),
        ("en", None, "AED 1,200", "one thousand two hundred UAE dirhams"),
        ("en", None, "SAR 750", "seven hundred fifty Saudi riyals"),
        ("en", None, "₹8,500", "eight thousand five hundred rupees"),
        ("en", None, "Rs. 500", "five hundred rupees"),
        ("en", None, "PKR 2,000", "two thousand Pakistani rupees"),
        ("en", None, "EGP 300", "three hundred Egyptian pounds"),
        ("en", None, "450 USD", "four hundred fifty US dollars"),
        ("en", None, "$1", "one dollar"),
        ("en", None, "$12.50", "twelve dollars and fifty cents"),
        ("en", None, "$0.99", "ninety-nine cents"),
        ("en", None, "£1.01", "one pound and one penny"),
        ("en", None, "$5m", "five million dollars"),
        ("es", None, "€95", "noventa y cinco euros"),
        ("es", None, "€21", "veintiún euros"),
        ("es", None, "1,50 €", "un euro con cincuenta céntimos"),
        ("es", None, "£200", "doscientas libras"),
        ("es", None, "USD 450", "cuatrocientos cincuenta dólares estadounidenses"),
        ("es", None, "$1.000.000", "un millón de dólares"),
        ("es", "es-MX", "$450", "cuatrocientos cincuenta pesos"),
        ("ar", None, "AED 1,200", "ألف ومئتان درهم إماراتي"),
        ("ar", None, "SAR 750", "سبعمئة وخمسون ريال سعودي"),
        ("ar", None, "EGP 300", "ثلاثمئة جنيه مصري"),
        ("ar", None, "$1", "دولار واحد"),
        ("hi", None, "₹8,500", "आठ हज़ार पाँच सौ रुपये"),
        ("hi", None, "Rs. 500", "पाँच सौ रुपये"),
        ("hi", None, "₹1", "एक रुपया"),
        ("hi", None, "₹10.50", "दस रुपये और पचास पैसे"),
        ("hi", None, "USD 3", "तीन अमेरिकी डॉलर"),
        ("ur", None, "Rs. 500", "پانچ سو روپے"),
        ("ur", None, "PKR 2,000", "دو ہزار پاکستانی روپے"),
        ("ur", None, "$20", "بیس ڈالر"),
    ],
)
def test_currency(language: str, dialect: str | None, text: str, expected: str) -> None:
    assert normalize(text, language, dialect) == expected
