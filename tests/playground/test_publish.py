"""Publish-ready speech in the browser: captions under the player with the spoken word highlighted as it
plays, SRT and WebVTT downloads and the loudness; right-to-left captions with Latin words and digits
isolated; SSML spoken, and an SSML mistake shown with its line and column; brand voices listed apart."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.playground.conftest import BRAND_AVATAR, choose_voice, download, wait_played, wait_ready

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

TEXT = "Welcome to our hotel by the sea. Breakfast is served on the terrace from seven."
CAPTIONS = "#speak-result [data-testid=captions]"
SRT_CUE = re.compile(r"^1\r?\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\r?\n\S", re.MULTILINE)


def _speak_captioned(page: Any, text: str) -> None:
    page.check("#speak-captions")
    page.fill("#speak-text", text)
    page.click("#speak-button")
    page.wait_for_selector(f"{CAPTIONS} .word")


def test_captions_highlight_the_spoken_word_and_download(page: Any, serve_url: str) -> None:
    page.goto(f"{serve_url}/")
    wait_ready(page)
    choose_voice(page, "speak", "en", "en-GB", "female")
    _speak_captioned(page, TEXT)
    block = page.locator(CAPTIONS)
    assert block.get_attribute("aria-live") == "off"
    title = page.locator(f"#{block.get_attribute('aria-labelledby')}")
    assert title.inner_text() == "Captions"
    words = page.eval_on_selector_all(
        f"{CAPTIONS} .word",
        "ss => ss.map(s => [s.textContent, Number(s.dataset.start), Number(s.dataset.end)])",
    )
    assert " ".join(w for w, _, _ in words) == TEXT
    assert all(s < e for _, s, e in words)
    assert [s for _, s, _ in words] == sorted(s for _, s, _ in words)
    # it plays by itself: the highlight moves forward through the words, one word at a time
    wait_played(page)
    page.wait_for_function(f"() => Number(document.querySelector('{CAPTIONS}').dataset.reached) >= 4")
    assert page.locator(f"{CAPTIONS} .word.now").count() <= 1
    # seeking into a word highlights that word
    page.evaluate("document.querySelector('#speak-result audio').pause()")
    i = len(words) // 2
    page.evaluate(
        "t => { const a = document.querySelector('#speak-result audio'); a.currentTime = t; }",
        (words[i][1] + words[i][2]) / 2,
    )
    page.wait_for_function(f"() => document.querySelector('{CAPTIONS}').dataset.current === '{i}'")
    assert page.locator(f"{CAPTIONS} .word.now").inner_text() == words[i][0]
    assert re.search(
        r"Loudness: -\d+\.\d LUFS integrated · true peak -\d+\.\d dBTP", page.inner_text("#speak-result")
    )
    name, srt = download(page, "#speak-result [data-testid=download-srt]")
    assert name == "welcome-to-our-hotel-by-the_female_en-GB.srt"
    assert SRT_CUE.search(srt.decode("utf-8"))
    assert "Welcome" in srt.decode("utf-8")
    name, vtt = download(page, "#speak-result [data-testid=download-vtt]")
    assert name == "welcome-to-our-hotel-by-the_female_en-GB.vtt"
    assert vtt.decode("utf-8").startswith("WEBVTT")
    assert "Breakfast" in vtt.decode("utf-8")


def test_arabic_captions_read_right_to_left(page: Any, serve_url: str) -> None:
    page.goto(f"{serve_url}/")
    wait_ready(page)
    choose_voice(page, "speak", "ar", "ar-EG", "male")
    _speak_captioned(page, "مرحبا بكم. شبكة WiFi مجانية منذ 2026.")
    text = page.locator("#speak-result [data-testid=caption-text]")
    assert text.get_attribute("dir") == "rtl"
    assert text.get_attribute("lang") == "ar-EG"
    directions = page.eval_on_selector_all(
        f"{CAPTIONS} .word", "ss => ss.map(s => [s.textContent, s.getAttribute('dir')])"
    )
    for word, direction in directions:
        latin_or_digits = re.search(r"[A-Za-z0-9]", word) is not None
        assert (direction == "ltr") is latin_or_digits, (word, direction)
    assert any(d == "ltr" for _, d in directions)


def test_ssml_is_spoken_and_its_mistakes_shown(page: Any, serve_url: str) -> None:
    page.goto(f"{serve_url}/")
    wait_ready(page)
    choose_voice(page, "speak", "en", "en-GB", "female")
    assert page.is_hidden("#speak-ssml-example")
    page.check("#speak-type-ssml")
    page.click("#speak-ssml-example")
    assert page.input_value("#speak-text").startswith("<speak>")
    page.click("#speak-button")
    assert wait_played(page) > 1.0
    # a tag left open: the API's message names the line and column, the text area points there
    page.fill("#speak-text", "<speak>\n  <p>Welcome to the hotel.\n</speak>")
    page.click("#speak-button")
    alert = page.locator("#speak-result [role=alert]")
    alert.wait_for(state="visible")
    assert re.search(r"Invalid SSML: SSML line 3, column \d+: not well-formed", alert.inner_text())
    assert page.get_attribute("#speak-text", "aria-invalid") == "true"
    assert page.evaluate("document.getElementById('speak-text').selectionStart") > len("<speak>\n  <p>")


def test_brand_voices_are_listed_apart_and_speak(page: Any, brand_url: str) -> None:
    page.goto(f"{brand_url}/")
    wait_ready(page)
    brand = page.eval_on_selector_all(
        "#speak-brand optgroup[label='Brand voices'] option", "os => os.map(o => o.value)"
    )
    assert brand == [BRAND_AVATAR]
    # the built-in pickers keep the built-in avatar of that locale
    choose_voice(page, "speak", "en", "en-GB", "female")
    assert "female_en-GB" in page.inner_text("#speak-voice")
    page.select_option("#speak-brand", BRAND_AVATAR)
    assert BRAND_AVATAR in page.inner_text("#speak-voice")
    assert page.is_disabled("#speak-gender")
    _speak_captioned(page, "Good evening. Your table is ready.")
    assert page.get_attribute("#speak-result [data-testid=clip]", "data-avatar") == BRAND_AVATAR
    # Compare: the brand voices in a group of their own
    page.click("#tab-compare")
    group = page.locator("[data-group=brand]")
    assert group.get_attribute("aria-label") == "Brand voices"
    assert group.locator(f"#compare-{BRAND_AVATAR}").count() == 1
    assert page.locator(f"[data-group=en] #compare-{BRAND_AVATAR}").count() == 0
