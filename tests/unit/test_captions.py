"""Captions: written words aligned to spoken ones, cue rules, SRT/WebVTT read back by independent parsers,
right-to-left lines laid out by an independent bidi implementation (python-bidi, UAX #9)."""

from __future__ import annotations

import html
import itertools
from datetime import timedelta

import pytest
import srt
import webvtt
from bidi import get_display

from voxray_runtime.captions import CaptionStyle, Cue, TimedWord, align_written, build_cues, to_srt, to_vtt
from voxray_runtime.captions.bidi import rtl_line
from voxray_runtime.captions.cues import break_cost, split_lines
from voxray_runtime.text import normalize

_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u2066\u2067\u2068\u2069"))


def evenly(words: list[str], start: float = 0.0, each: float = 0.3, gap: float = 0.0) -> list[TimedWord]:
    """Words heard one after another, ``each`` seconds apiece."""
    out = []
    t = start
    for w in words:
        out.append(TimedWord(w, t, t + each))
        t += each + gap
    return out


def spoken(text: str, language: str, **kwargs: float) -> list[TimedWord]:
    return evenly(normalize(text, language).split(), **kwargs)


@pytest.mark.parametrize(
    ("text", "language", "token", "words"),
    [
        ("Dinner at 7:30 pm costs $450!", "en", "7:30", 2),  # seven thirty
        ("Dinner at 7:30 pm costs $450!", "en", "$450!", 4),  # four hundred fifty dollars
        ("La cena cuesta 25 € por persona.", "es", "25", 2),  # veinticinco euros: the € token is one word
        ("Check in at 3 PM 🏨 #LuxuryTravel", "en", "#LuxuryTravel", 2),
        ("कमरा 101 तैयार है।", "hi", "101", 2),  # एक सौ एक
    ],
)
def test_written_tokens_take_the_time_of_the_words_they_became(
    text: str, language: str, token: str, words: int
) -> None:
    heard = spoken(text, language)
    aligned = align_written(text, heard, language)
    assert "🏨" not in [w.text for w in aligned]
    (hit,) = [w for w in aligned if w.text == token]
    assert hit.end - hit.start == pytest.approx(0.3 * words, abs=0.31)
    # the written words cover the speech, in order, without overlap
    assert aligned[0].start == heard[0].start
    assert aligned[-1].end == heard[-1].end
    for a, b in itertools.pairwise(aligned):
        assert a.end <= b.start + 1e-9


def test_caption_text_is_the_text_as_written() -> None:
    text = "Book by 31/12 and save 20%: call +1 555 0100."
    words = align_written(text, spoken(text, "en"), "en")
    assert " ".join(w.text for w in words) == text


def test_a_misheard_word_does_not_shift_the_rest() -> None:
    text = "Our spa opens at 9 every morning."
    heard = spoken(text, "en")
    heard[2] = TimedWord("openz", heard[2].start, heard[2].end)  # an engine/normaliser disagreement
    words = align_written(text, heard, "en")
    assert [w.text for w in words][-1] == "morning."
    assert words[-1].start == heard[-1].start


LONG = (
    "Welcome to the Grand Azure Resort, where the ocean meets the sky and every sunset feels like a "
    "private show. Our rooftop restaurant serves fresh seafood every evening, and the spa offers "
    "massages, facials and a heated pool that stays open until midnight. Book now!"
)


@pytest.mark.parametrize("each", [0.25, 0.35, 0.5])
def test_cues_follow_the_style_rules(each: float) -> None:
    style = CaptionStyle()
    cues = build_cues(align_written(LONG, spoken(LONG, "en", each=each), "en"), "en")
    assert " ".join(c.text for c in cues) == LONG
    for cue in cues:
        assert 1 <= len(cue.lines) <= style.max_lines
        assert all(len(line) <= style.max_line_chars for line in cue.lines)
        assert cue.end - cue.start <= style.max_duration_s
        # a sentence never continues into the next cue's middle: sentence ends only at a cue's end
        assert not any(w[-1] in ".!?" for w in cue.text.split()[:-1])
    for a, b in itertools.pairwise(cues):
        assert a.end <= b.start
    # held to the minimum duration where the next cue leaves room
    assert all(c.end - c.start >= style.min_duration_s - 1e-9 for c in cues)


def test_reading_speed_is_respected_when_the_speech_allows() -> None:
    cues = build_cues(align_written(LONG, spoken(LONG, "en", each=0.3, gap=0.05), "en"), "en")
    assert max(len(c.text) / (c.end - c.start) for c in cues) <= 20.0 + 1e-6


def test_a_short_sentence_is_held_for_the_minimum_duration() -> None:
    words = [TimedWord("Hi!", 0.0, 0.2), TimedWord("Welcome.", 2.0, 2.5)]
    cues = build_cues(words, "en")
    assert [c.text for c in cues] == ["Hi!", "Welcome."]
    assert cues[0].end == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("words", "language", "index", "cost"),
    [
        (["We", "rest.", "Then"], "en", 1, 0.0),
        (["sun,", "sea"], "en", 0, 1.0),
        (["rooms", "and", "suites"], "en", 0, 2.0),
        (["habitaciones", "con", "vistas"], "es", 0, 2.0),
        (["होटल", "में", "कमरा"], "hi", 1, 2.0),
        (["big", "blue", "sea"], "en", 0, 5.0),
    ],
)
def test_break_cost(words: list[str], language: str, index: int, cost: float) -> None:
    assert break_cost(words, index, language) == cost


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("Short line.", ("Short line.",)),
        (
            "Our rooftop restaurant serves fresh seafood, every evening until late.",
            ("Our rooftop restaurant serves fresh seafood,", "every evening until late."),
        ),
        (
            "The spa offers massages and facials with a heated pool outside",
            ("The spa offers massages and facials", "with a heated pool outside"),
        ),
    ],
)
def test_lines_break_at_phrases(text: str, lines: tuple[str, ...]) -> None:
    got = split_lines(text.split(), "en", CaptionStyle(max_line_chars=45))
    assert got == lines


CUES = [
    Cue(0.0, 1.5, ("Dinner at 7:30 pm", "costs $450 <3 & more")),
    Cue(1.6, 3.25, ("Book now -> here",)),
    Cue(3661.5, 3663.0, ("An hour later.",)),
]


def test_srt_reads_back_with_an_independent_parser() -> None:
    parsed = list(srt.parse(to_srt(CUES, "en")))
    assert [p.index for p in parsed] == [1, 2, 3]
    assert [p.content for p in parsed] == ["\n".join(c.lines) for c in CUES]
    assert parsed[2].start == timedelta(hours=1, minutes=1, seconds=1, milliseconds=500)
    assert parsed[1].end == timedelta(seconds=3, milliseconds=250)


def test_vtt_reads_back_with_an_independent_parser() -> None:
    text = to_vtt(CUES, "en")
    assert text.startswith("WEBVTT\n")
    parsed = webvtt.from_string(text)
    assert [c.start for c in parsed] == ["00:00:00.000", "00:00:01.600", "01:01:01.500"]
    assert "&lt;3 &amp; more" in parsed[0].raw_text
    assert html.unescape(parsed[0].text) == "Dinner at 7:30 pm\ncosts $450 <3 & more"


def test_an_arrow_in_the_text_never_breaks_a_cue() -> None:
    cue = Cue(0.0, 1.0, ("a --> b",))
    assert "a --> b" not in to_srt([cue], "en")
    assert len(list(srt.parse(to_srt([cue], "en")))) == 1


@pytest.mark.parametrize(
    ("line", "right_end", "intact"),
    [
        # a line that starts with a Latin word is still right to left: the Latin word sits at the right
        ("WiFi مجاني في كل الغرف", "WiFi", "WiFi"),
        ("2026 عام جديد في الفندق", "2026", "2026"),
        ("اتصل على +971 4 123 4567 الآن", "لصتا", "+971 4 123 4567"),
        ("الساعة 10:30 مع WiFi 6 مجاناً.", "ةعاسلا", "WiFi 6"),
        ("ہوٹل میں WiFi 6 اور 24/7 سروس", "لٹوہ", "24/7"),
    ],
)
def test_rtl_lines_display_right_to_left(line: str, right_end: str, intact: str) -> None:
    shown = get_display(rtl_line(line)).translate(_MARKS)
    assert intact in shown  # a Latin run or a number keeps its own order
    assert shown.rstrip().endswith(right_end)  # the line reads from the right


def test_rtl_marks_are_idempotent_and_only_for_rtl_languages() -> None:
    assert rtl_line(rtl_line("مرحبا WiFi")) == rtl_line("مرحبا WiFi")
    cue = Cue(0.0, 1.0, ("مرحبا WiFi",))
    assert "\u200f" in to_srt([cue], "ar")
    assert "\u200f" in to_vtt([cue], "ur")
    assert "\u200f" not in to_srt([Cue(0.0, 1.0, ("hello",))], "en")
