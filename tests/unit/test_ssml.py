"""SSML, the documented subset: segments out of good documents, errors with line and column out of bad
ones, and hostile documents refused before anything is built from them (pure)."""

from __future__ import annotations

import pytest

from voxray_runtime.text.segments import BreakSegment, PhonemeSegment, TextSegment
from voxray_runtime.text.ssml import PARAGRAPH_PAUSE_S, SENTENCE_PAUSE_S, SsmlError, SsmlLimits, parse_ssml


def speak(body: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", ":")}="{v}"' for k, v in attrs.items())
    return f'<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis"{extra}>{body}</speak>'


def en(text: str, rate: float = 1.0) -> TextSegment:
    return TextSegment(text, "en", None, rate)


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("Hello there.", [en("Hello there.")]),
        ('Hi <break time="500ms"/> there', [en("Hi"), BreakSegment(0.5), en("there")]),
        ('Hi <break time="1.5s"/> there', [en("Hi"), BreakSegment(1.5), en("there")]),
        ('Hi <break strength="strong"/> there', [en("Hi"), BreakSegment(1.0), en("there")]),
        ("Hi <break/> there", [en("Hi"), BreakSegment(0.75), en("there")]),  # medium by default
        ('Hi <break time="1s"/><break time="2s"/> there', [en("Hi"), BreakSegment(2.0), en("there")]),
        ("<s>One.</s><s>Two.</s>", [en("One."), BreakSegment(SENTENCE_PAUSE_S), en("Two.")]),
        ("<p>One.</p><p>Two.</p>", [en("One."), BreakSegment(PARAGRAPH_PAUSE_S), en("Two.")]),
        ('Welcome to <sub alias="the Four Seasons">4S</sub>.', [en("Welcome to the Four Seasons.")]),
        ('Room <say-as interpret-as="characters">B12</say-as>', [en("Room B one two")]),
        ('<say-as interpret-as="cardinal">1,204</say-as>', [en("one thousand two hundred four")]),
        ('the <say-as interpret-as="ordinal">3</say-as> floor', [en("the third floor")]),
        (
            '<say-as interpret-as="date" format="dmy">24/12/2026</say-as>',
            [en("the twenty-fourth of December twenty twenty-six")],
        ),
        (
            '<say-as interpret-as="date" format="mdy">12/24/2026</say-as>',
            [en("December twenty-fourth, twenty twenty-six")],
        ),
        (
            '<say-as interpret-as="date">2026-12-24</say-as>',
            [en("the twenty-fourth of December twenty twenty-six")],
        ),
        ('<say-as interpret-as="time">7:30 pm</say-as>', [en("seven thirty pee em")]),
        (
            '<say-as interpret-as="telephone">+1 555 0100</say-as>',
            [en("plus one, five five five, zero one zero zero")],
        ),
        ('<prosody rate="slow">Calm.</prosody>', [en("Calm.", 0.75)]),
        ('<prosody rate="150%">Quick.</prosody>', [en("Quick.", 1.5)]),
        ('<prosody rate="+20%">Brisk.</prosody>', [en("Brisk.", 1.2)]),
        ('<prosody rate="x-slow"><prosody rate="200%">Same.</prosody></prosody>', [en("Same.", 1.0)]),
        (
            'Say <phoneme alphabet="ipa" ph="kəˈsɑːr">Qasr</phoneme> now',
            [en("Say"), PhonemeSegment("kəˈsɑːr", "Qasr", "en"), en("now")],
        ),
        (
            'Hello <lang xml:lang="ar-EG">أهلا بكم</lang> again',
            [en("Hello"), TextSegment("أهلا بكم", "ar", "ar-EG"), en("again")],
        ),
        ("<!-- a comment --> Plain &amp; simple &#x41;.", [en("Plain & simple A.")]),
        ("", []),
    ],
)
def test_documents(body: str, segments: list[object]) -> None:
    assert parse_ssml(speak(body), "en") == segments


def test_speak_language_and_dialect_apply_to_all_text() -> None:
    assert parse_ssml(speak("مرحبا", xml_lang="ar-AE"), "en") == [TextSegment("مرحبا", "ar", "ar-AE")]
    assert parse_ssml("<speak>Hola</speak>", "es") == [TextSegment("Hola", "es")]
    got = parse_ssml('<speak><say-as interpret-as="cardinal">25</say-as></speak>', "ar")
    assert got == [TextSegment("خمسة وعشرون", "ar")]


@pytest.mark.parametrize(
    ("document", "line", "column", "message"),
    [
        ('<speak>\n  <voice name="x">hi</voice></speak>', 2, 3, "unsupported element <voice>"),
        ("<p>hi</p>", 1, 1, "root element must be <speak>"),
        ("<speak><speak/></speak>", 1, 8, "<speak> inside <speak>"),
        ('<speak><break time="20s"/></speak>', 1, 8, "longer than 10 s"),
        ('<speak><break time="soon"/></speak>', 1, 8, "500ms or 1.5s"),
        ('<speak><break strength="huge"/></speak>', 1, 8, "break strength 'huge'"),
        ("<speak><break>x</break></speak>", 1, 16, "holds no text"),
        ('<speak><prosody rate="9">x</prosody></speak>', 1, 8, "outside 0.25..4"),
        ('<speak><prosody pitch="high">x</prosody></speak>', 1, 8, "no attribute 'pitch'"),
        ("<speak><prosody>x</prosody></speak>", 1, 8, "needs rate"),
        ('<speak><say-as interpret-as="cardinal">abc</say-as></speak>', 1, 43, "not a whole number"),
        ('<speak><say-as interpret-as="currency">5</say-as></speak>', 1, 41, "interpret-as 'currency'"),
        ('<speak><say-as interpret-as="date">99/99</say-as></speak>', 1, 41, "cannot read '99/99'"),
        ('<speak><say-as interpret-as="time">25:00</say-as></speak>', 1, 41, "cannot read '25:00'"),
        ("<speak><sub>x</sub></speak>", 1, 14, "non-empty alias"),
        ('<speak><phoneme alphabet="x-sampa" ph="a">a</phoneme></speak>', 1, 44, "only ipa"),
        ("<speak><phoneme>a</phoneme></speak>", 1, 18, "needs ph"),
        ("<speak><lang>x</lang></speak>", 1, 8, "<lang> needs xml:lang"),
        ('<speak><lang xml:lang="fr">x</lang></speak>', 1, 8, "unsupported xml:lang 'fr'"),
        ('<speak><sub alias="a"><break/></sub></speak>', 1, 23, "<break> inside <sub>"),
        ("<speak>&nbsp;</speak>", 1, 8, "undefined entity"),
        ("<speak>unclosed", 1, 16, "not well-formed"),
        ("plain text", 1, 1, "not well-formed"),
    ],
)
def test_errors_name_line_and_column(document: str, line: int, column: int, message: str) -> None:
    with pytest.raises(SsmlError, match=message) as err:
        parse_ssml(document, "en")
    assert (err.value.line, err.value.column) == (line, column)
    assert str(err.value).startswith(f"SSML line {line}, column {column}: ")


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n<speak>&lol9;</speak>"
)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (BILLION_LAUGHS, "DTD"),
        ('<!DOCTYPE speak SYSTEM "file:///etc/passwd"><speak/>', "DTD"),
        ('<!DOCTYPE speak [<!ENTITY x SYSTEM "http://example.com/x">]><speak>&x;</speak>', "DTD"),
        ("<speak>" + "<s>" * 100 + "deep" + "</s>" * 100 + "</speak>", "nested deeper than 24"),
        ("<speak>" + "<break/>" * 3000 + "</speak>", "more than 2000 elements"),
        ("<speak>" + "x" * 60_000 + "</speak>", "longer than 50000 characters"),
        (f'<speak><sub alias="{"a" * 2000}">x</sub></speak>', "longer than 1000"),
    ],
)
def test_hostile_documents_are_refused(document: str, message: str) -> None:
    with pytest.raises(SsmlError, match=message):
        parse_ssml(document, "en")


def test_limits_are_settable() -> None:
    with pytest.raises(SsmlError, match="longer than 10 characters"):
        parse_ssml("<speak>hello world</speak>", "en", limits=SsmlLimits(max_chars=10))
    deep = "<speak><p><s>x</s></p></speak>"
    with pytest.raises(SsmlError, match="deeper than 2"):
        parse_ssml(deep, "en", limits=SsmlLimits(max_depth=2))
