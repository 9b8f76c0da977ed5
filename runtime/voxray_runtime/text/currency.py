"""Money amounts: "$450", "USD 450", "€95", "AED 1,200", "₹8,500", "Rs. 500", "95 €", "A$20".

The amount is read in words followed by the currency's name in the target language,
with two-decimal amounts split into main and minor units ("four hundred fifty dollars
and twenty-five cents").  A scale may follow the amount ("$5m", "$2.5bn", "$3 million").

Grammar per language: English singular for exactly one; Spanish agreement in gender,
apocope and "de" after whole millions ("un millón de dólares", "doscientas libras");
Arabic follows the amount with the singular name ("ألف ومئتان درهم إماراتي") and puts
"واحد" after the name for one; Hindi and Urdu use the singular for one ("एक रुपया").
"$" is "peso" in Spanish for regions that write pesos with it (es-MX, es-AR...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .language import PESO_REGIONS, Locale
from .numerals import cardinal, decimal_words, spanish
from .numerals.parse import NUMBER, ParsedNumber, parse_number
from .script import NOT_AFTER_WORD, NOT_BEFORE_WORD


@dataclass(frozen=True, slots=True)
class CurrencyName:
    """Names of a currency and its minor unit; the flags mark Spanish feminine nouns."""

    one: str
    many: str
    minor_one: str
    minor_many: str
    feminine: bool = False
    minor_feminine: bool = False


def _same(name: str, minor: str) -> CurrencyName:
    """A name that does not change with the count (Arabic after a number, Hindi loans)."""
    return CurrencyName(name, name, minor, minor)


#: Written form -> currency key.
SYMBOLS: dict[str, str] = {
    "US$": "USD", "A$": "AUD", "AU$": "AUD", "AUD": "AUD", "$": "DOLLAR", "₨": "RUPEE",
    "€": "EUR", "£": "POUND", "₹": "RUPEE", "E£": "EGP",
    "USD": "USD", "EUR": "EUR", "GBP": "GBP", "AED": "AED", "SAR": "SAR", "INR": "INR",
    "PKR": "PKR", "EGP": "EGP", "Rs.": "RUPEE", "Rs": "RUPEE", "RS.": "RUPEE", "RS": "RUPEE",
    "रु.": "RUPEE", "रु": "RUPEE", "د.إ": "AED", "ر.س": "SAR", "ج.م": "EGP",
}  # fmt: skip

NAMES: dict[str, dict[str, CurrencyName]] = {
    "en": {
        "USD": CurrencyName("US dollar", "US dollars", "cent", "cents"),
        "AUD": CurrencyName("Australian dollar", "Australian dollars", "cent", "cents"),
        "DOLLAR": CurrencyName("dollar", "dollars", "cent", "cents"),
        "EUR": CurrencyName("euro", "euros", "cent", "cents"),
        "GBP": CurrencyName("British pound", "British pounds", "penny", "pence"),
        "POUND": CurrencyName("pound", "pounds", "penny", "pence"),
        "AED": CurrencyName("UAE dirham", "UAE dirhams", "fils", "fils"),
        "SAR": CurrencyName("Saudi riyal", "Saudi riyals", "halala", "halalas"),
        "INR": CurrencyName("Indian rupee", "Indian rupees", "paisa", "paise"),
        "RUPEE": CurrencyName("rupee", "rupees", "paisa", "paise"),
        "PKR": CurrencyName("Pakistani rupee", "Pakistani rupees", "paisa", "paisa"),
        "EGP": CurrencyName("Egyptian pound", "Egyptian pounds", "piastre", "piastres"),
    },
    "es": {
        "USD": CurrencyName("dólar estadounidense", "dólares estadounidenses", "centavo", "centavos"),
        "AUD": CurrencyName("dólar australiano", "dólares australianos", "centavo", "centavos"),
        "DOLLAR": CurrencyName("dólar", "dólares", "centavo", "centavos"),
        "PESO": CurrencyName("peso", "pesos", "centavo", "centavos"),
        "EUR": CurrencyName("euro", "euros", "céntimo", "céntimos"),
        "GBP": CurrencyName("libra esterlina", "libras esterlinas", "penique", "peniques", feminine=True),
        "POUND": CurrencyName("libra", "libras", "penique", "peniques", feminine=True),
        "AED": CurrencyName("dírham emiratí", "dírhams emiratíes", "fils", "fils"),
        "SAR": CurrencyName("rial saudí", "riales saudíes", "halala", "halalas", minor_feminine=True),
        "INR": CurrencyName("rupia india", "rupias indias", "paisa", "paisas", True, True),
        "RUPEE": CurrencyName("rupia", "rupias", "paisa", "paisas", True, True),
        "PKR": CurrencyName("rupia pakistaní", "rupias pakistaníes", "paisa", "paisas", True, True),
        "EGP": CurrencyName("libra egipcia", "libras egipcias", "piastra", "piastras", True, True),
    },
    "ar": {
        "USD": _same("دولار أمريكي", "سنت"),
        "AUD": _same("دولار أسترالي", "سنت"),
        "DOLLAR": _same("دولار", "سنت"),
        "EUR": _same("يورو", "سنت"),
        "GBP": _same("جنيه إسترليني", "بنس"),
        "POUND": _same("جنيه", "بنس"),
        "AED": _same("درهم إماراتي", "فلس"),
        "SAR": _same("ريال سعودي", "هللة"),
        "INR": _same("روبية هندية", "بيسة"),
        "RUPEE": _same("روبية", "بيسة"),
        "PKR": _same("روبية باكستانية", "بيسة"),
        "EGP": _same("جنيه مصري", "قرش"),
    },
    "hi": {
        "USD": _same("अमेरिकी डॉलर", "सेंट"),
        "AUD": _same("ऑस्ट्रेलियाई डॉलर", "सेंट"),
        "DOLLAR": _same("डॉलर", "सेंट"),
        "EUR": _same("यूरो", "सेंट"),
        "GBP": _same("ब्रिटिश पाउंड", "पेंस"),
        "POUND": _same("पाउंड", "पेंस"),
        "AED": _same("यूएई दिरहम", "फ़िल्स"),
        "SAR": _same("सऊदी रियाल", "हलाला"),
        "INR": CurrencyName("भारतीय रुपया", "भारतीय रुपये", "पैसा", "पैसे"),
        "RUPEE": CurrencyName("रुपया", "रुपये", "पैसा", "पैसे"),
        "PKR": CurrencyName("पाकिस्तानी रुपया", "पाकिस्तानी रुपये", "पैसा", "पैसे"),
        "EGP": _same("मिस्री पाउंड", "पियास्त्र"),
    },
    "ur": {
        "USD": _same("امریکی ڈالر", "سینٹ"),
        "AUD": _same("آسٹریلوی ڈالر", "سینٹ"),
        "DOLLAR": _same("ڈالر", "سینٹ"),
        "EUR": _same("یورو", "سینٹ"),
        "GBP": _same("برطانوی پاؤنڈ", "پینس"),
        "POUND": _same("پاؤنڈ", "پینس"),
        "AED": _same("اماراتی درہم", "فلس"),
        "SAR": _same("سعودی ریال", "ہللہ"),
        "INR": CurrencyName("بھارتی روپیہ", "بھارتی روپے", "پیسہ", "پیسے"),
        "RUPEE": CurrencyName("روپیہ", "روپے", "پیسہ", "پیسے"),
        "PKR": CurrencyName("پاکستانی روپیہ", "پاکستانی روپے", "پیسہ", "پیسے"),
        "EGP": _same("مصری پاؤنڈ", "پیاسٹر"),
    },
}

#: Scale words after an amount.  Letter suffixes must touch the number ("$5m").
SCALE_LETTERS: dict[str, int] = {"k": 10**3, "K": 10**3, "m": 10**6, "M": 10**6, "mn": 10**6, "bn": 10**9}
SCALE_WORDS: dict[str, dict[str, int]] = {
    "en": {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12},
    "es": {"mil millones": 10**9, "mil": 10**3, "millón": 10**6, "millones": 10**6, "billones": 10**12},
    "ar": {"ألف": 10**3, "مليون": 10**6, "مليار": 10**9},
    "hi": {"हज़ार": 10**3, "लाख": 10**5, "करोड़": 10**7, "अरब": 10**9},
    "ur": {"ہزار": 10**3, "لاکھ": 10**5, "کروڑ": 10**7, "ارب": 10**9},
}
_JOINERS: dict[str, str] = {"en": " and ", "es": " con ", "ar": " و", "hi": " और ", "ur": " اور "}


def _alternation(options: list[str]) -> str:
    return "|".join(re.escape(option) for option in sorted(options, key=len, reverse=True))


def _compile(language: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    symbols = _alternation(list(SYMBOLS))
    scale = (
        rf"(?:(?P<letter>{_alternation(list(SCALE_LETTERS))})"
        rf"|\s(?P<word>{_alternation(list(SCALE_WORDS[language]))})){NOT_BEFORE_WORD}"
    )
    prefix = re.compile(
        rf"(?<![\w$€£₹₨]){NOT_AFTER_WORD}(?P<cur>{symbols})\s?(?P<num>{NUMBER})(?:{scale})?(?![\d])"
    )
    suffix = re.compile(rf"(?<![\d.,])(?P<num>{NUMBER})(?:{scale})?\s?(?P<cur>{symbols})(?![\w$€£₹₨])")
    return prefix, suffix


_COMPILED = {language: _compile(language) for language in NAMES}


def _currency(symbol: str, locale: Locale) -> CurrencyName:
    key = SYMBOLS[symbol]
    if key == "DOLLAR" and locale.language == "es" and locale.region in PESO_REGIONS:
        key = "PESO"
    return NAMES[locale.language][key]


def _count(n: int, one: str, many: str, feminine: bool, language: str) -> str:
    if language == "es":
        words = spanish.cardinal(n, "feminine" if feminine else "apocopated")
        de = " de" if spanish.takes_de(n) else ""
        return f"{words}{de} {one if n == 1 else many}"
    if language == "ar" and n == 1:
        return f"{one} واحد"
    return f"{cardinal(n, language)} {one if n == 1 else many}"


def read_money(amount: Decimal, name: CurrencyName, language: str) -> str:
    """An amount of money in words, split into main and minor units when it has cents."""
    number = ParsedNumber.from_decimal(amount)
    if len(number.fraction) > 2:
        return f"{decimal_words(number.integer, number.fraction, language)} {name.many}"
    minor = int(number.fraction.ljust(2, "0")) if number.fraction else 0
    parts: list[str] = []
    if number.integer or not minor:
        parts.append(_count(number.integer, name.one, name.many, name.feminine, language))
    if minor:
        parts.append(_count(minor, name.minor_one, name.minor_many, name.minor_feminine, language))
    return _JOINERS[language].join(parts)


def expand_currency(text: str, locale: Locale) -> str:
    """Read every amount written with a currency symbol or code, before or after it."""
    language = locale.language

    def spoken(match: re.Match[str]) -> str:
        number = parse_number(match.group("num"), language)
        if number is None:
            return match.group()
        amount = number.value
        if match.group("letter"):
            amount *= SCALE_LETTERS[match.group("letter")]
        elif match.group("word"):
            amount *= SCALE_WORDS[language][match.group("word")]
        return f" {read_money(amount, _currency(match.group('cur'), locale), language)} "

    for pattern in _COMPILED[language]:
        text = pattern.sub(spoken, text)
    return text
