"""normalize: numbers in running text, percentages, ordinals, units and abbreviations."""

import pytest

from voxray_runtime.text import normalize


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "20%", "twenty percent"),
        ("en", "12.5%", "twelve point five percent"),
        ("es", "20%", "veinte por ciento"),
        ("ar", "٢٠٪", "عشرون بالمئة"),
        ("ar", "٪٢٠", "عشرون بالمئة"),
        ("hi", "20%", "बीस प्रतिशत"),
        ("ur", "20%", "بیس فیصد"),
        ("en", "3.14", "three point one four"),
        ("es", "3,5", "tres coma cinco"),
        ("ar", "3.14", "ثلاثة فاصلة أربعة عشر"),
        ("hi", "2.5", "दो दशमलव पाँच"),
        ("ur", "2.5", "دو اعشاریہ پانچ"),
        ("en", "1,200", "one thousand two hundred"),
        ("es", "1.200", "mil doscientos"),
        ("es", "1,200", "mil doscientos"),
        ("hi", "1,00,000", "एक लाख"),
        ("ur", "1,00,00,000", "ایک کروڑ"),
        ("en", "5,000,000 people", "five million people"),
        ("en", "In 2027", "In twenty twenty-seven"),
        ("en", "since 1905", "since nineteen oh five"),
        ("en", "in 2000", "in two thousand"),
        ("hi", "1947 में", "उन्नीस सौ सैंतालीस में"),
        ("ur", "1947 میں", "انیس سو سینتالیس میں"),
        ("es", "en 2027", "en dos mil veintisiete"),
        ("en", "1st, 2nd, 3rd, 21st and 100th", "first, second, third, twenty-first and one hundredth"),
        ("es", "1º, 1ª y 3er", "primero, primera y tercer"),
        ("en", "pages 10-20", "pages ten to twenty"),
        ("hi", "10-20 लोग", "दस से बीस लोग"),
        ("en", "-5°C", "minus five degrees Celsius"),
        ("en", "agent 007", "agent zero zero seven"),
        ("en", "mp3", "mp three"),
        ("en", "Call 555-123-4567", "Call five five five, one two three, four five six seven"),
    ],
)
def test_numbers_in_text(language: str, text: str, expected: str) -> None:
    assert normalize(text, language) == expected


@pytest.mark.parametrize(
    ("language", "dialect", "text", "expected"),
    [
        ("en", None, "Dr. Smith", "Doctor Smith"),
        ("en", None, "Mr. & Mrs. Lee", "Mister and Missus Lee"),
        ("en", None, "approx. 5 km", "approximately five kilometres"),
        ("en", "en-US", "5 km", "five kilometers"),
        ("en", None, "1 kg vs. 3 kg", "one kilogram versus three kilograms"),
        ("en", None, "2 hrs and 10 min", "two hours and ten minutes"),
        ("en", None, "e.g. tea", "for example tea"),
        ("en", None, "apples, pears, etc. Then", "apples, pears, et cetera. Then"),
        ("en", None, "No. 7", "number seven"),
        ("en", None, "St. John lives on Main St.", "Saint John lives on Main Street."),
        ("es", None, "Sr. Pérez y Sra. Gómez", "señor Pérez y señora Gómez"),
        ("es", None, "Dr. Ruiz", "doctor Ruiz"),
        ("es", None, "p. ej. agua", "por ejemplo agua"),
        ("es", None, "pan & vino", "pan y vino"),
        ("es", None, "1 h y 21 km", "una hora y veintiún kilómetros"),
        ("ar", None, "أحمد & علي", "أحمد و علي"),
        ("ar", None, "د. أحمد", "دكتور أحمد"),
        ("hi", None, "राम & श्याम", "राम और श्याम"),
        ("hi", None, "5 km", "पाँच किलोमीटर"),
        ("ur", None, "علی & احمد", "علی اور احمد"),
        ("ur", None, "2 kg", "دو کلوگرام"),
    ],
)
def test_abbreviations_and_units(language: str, dialect: str | None, text: str, expected: str) -> None:
    assert normalize(text, language, dialect) == expected


@pytest.mark.parametrize("language", ["en", "ar", "es", "hi", "ur"])
def test_no_digits_or_symbols_survive(language: str) -> None:
    text = "Ref #42: 3 items @ $4.50 = $13.50 (+10%) on 2026-12-31 at 19:00 😀 https://x.io/a"
    normalized = normalize(text, language)
    assert not any(char.isdigit() for char in normalized)
    assert not set("#@$%+=/😀") & set(normalized)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Dr. Smith paid $1,299.99 on 14 February 2027 at 7:30 pm!!! #LuxuryTravel 😍"),
        ("es", "El Sr. García pagó €95 el 31/12/2026 a las 19:00, p. ej. 20% menos."),
        ("ar", "السعر AED 1,200 في ١٤/٠٢/٢٠٢٧ الساعة 7:30 م، أي خصم ٢٠٪ #سفر_فاخر"),
        ("hi", "कीमत ₹8,500 है। 1,00,000 लोग 7:30 pm को आए, 20% छूट 🙏"),
        ("ur", "قیمت Rs. 500 ہے۔ ۱۴ فروری ۲۰۲۷ کو 7:30 pm پر ۲۰٪ رعایت"),
    ],
)
def test_normalizing_twice_changes_nothing(language: str, text: str) -> None:
    once = normalize(text, language)
    assert normalize(once, language) == once
