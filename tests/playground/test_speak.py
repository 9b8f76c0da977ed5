"""Speak in the browser: a true voice streams and plays, a fallback says so with its reason, and the
server's messages reach the page; the whole flow works from the keyboard alone."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.playground.conftest import choose_voice, download, wait_played, wait_ready
from voxray_runtime.audio.analysis import decode_mp3, rms

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

TWO_SENTENCES = "Welcome to our hotel by the sea. Breakfast is served on the terrace from seven."


def test_a_true_voice_streams_plays_and_downloads(page: Any, serve_url: str) -> None:
    page.goto(f"{serve_url}/")
    wait_ready(page)
    choose_voice(page, "speak", "en", "en-GB", "female")
    page.fill("#speak-text", TWO_SENTENCES)
    assert page.inner_text("#speak-count").startswith(f"{len(TWO_SENTENCES)} / ")
    page.click("#speak-button")
    duration = wait_played(page)
    assert duration > 1.0
    clip = page.locator("#speak-result [data-testid=clip]")
    assert clip.get_attribute("data-avatar") == "female_en-GB"
    assert clip.get_attribute("data-fallback") == "false"
    assert page.locator("#speak-result [data-testid=fallback-badge]").count() == 0
    assert "true voice" in clip.inner_text()
    assert "kokoro" in clip.inner_text()
    # it played before the answer had ended: the first sound came before the whole clip was decoded
    page.wait_for_function("() => document.querySelector('#speak-result .clip').dataset.ttfsMs")
    assert float(clip.get_attribute("data-ttfs-ms")) > 0
    link = page.locator("#speak-result [data-testid=download]")
    assert re.fullmatch(r"welcome-to-our-hotel-by-the_female_en-GB\.mp3", link.get_attribute("download"))
    name, data = download(page, "#speak-result [data-testid=download]")
    assert name == link.get_attribute("download")
    pcm, rate = decode_mp3(data)
    assert abs(len(pcm) / rate - duration) < 0.3
    assert rms(pcm) > 0.01
    # the session's history has it, with its own player
    page.click("#tab-history")
    assert page.locator("[data-testid=history-item]").count() >= 1
    assert "female_en-GB" in page.inner_text("#panel-history")


def test_a_fallback_voice_says_so_with_its_reason(page: Any, serve_url: str) -> None:
    listed = httpx.get(f"{serve_url}/v1/voices", timeout=30).json()["voices"]
    reason = next(v["fallback_reason"] for v in listed if v["avatar"] == "male_ar-EG")
    assert reason
    page.goto(f"{serve_url}/")
    wait_ready(page)
    choose_voice(page, "speak", "ar", "ar-EG", "male")
    # before speaking, the picker already says it is no true voice
    assert "fallback" in page.inner_text("#speak-voice")
    page.fill("#speak-text", "مرحبا بكم في فندقنا. يقدم الفطور في الساعة السابعة.")
    page.click("#speak-button")
    wait_played(page)
    clip = page.locator("#speak-result [data-testid=clip]")
    assert clip.get_attribute("data-fallback") == "true"
    badge = page.locator("#speak-result .voice-used [data-testid=fallback-badge]")
    assert badge.is_visible()
    assert badge.inner_text() == "fallback"
    assert badge.get_attribute("title") == reason
    assert reason in clip.inner_text()


def test_the_servers_messages_for_empty_and_too_long_text(page: Any, serve_url: str) -> None:
    page.goto(f"{serve_url}/")
    wait_ready(page)
    page.fill("#speak-text", "   ")
    page.click("#speak-button")
    alert = page.locator("#speak-result [role=alert]")
    alert.wait_for(state="visible")
    assert "Empty text: the text is empty" in alert.inner_text()
    assert page.get_attribute("#speak-text", "aria-invalid") == "true"

    limit = int(page.inner_text("#speak-count").split("/")[1].split()[0])
    page.fill("#speak-text", "Hello there. " * (limit // 13 + 1))
    assert "over the model's limit" in page.inner_text("#speak-count")
    page.click("#speak-button")
    page.wait_for_function(
        "() => document.querySelector('#speak-result [role=alert]')?.textContent.includes('limit')"
    )
    text = alert.inner_text()
    assert "Text too long" in text
    assert f"the limit is {limit}" in text


def test_keyboard_only(page: Any, serve_url: str) -> None:
    page.goto(f"{serve_url}/")
    wait_ready(page)
    # the tabs: arrow keys move between panels
    page.focus("#tab-speak")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-compare", "aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tab-compare"
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("#tab-speak", "aria-selected") == "true"
    # Tab from the panel's tab into the form, type, change the dialect by keyboard, reach Speak, Enter
    seen = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        seen.append(focused)
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", f"no visible focus on #{focused}"
        if focused == "speak-text":
            page.keyboard.type("Good morning. The pool opens at eight.")
        if focused == "speak-button":
            break
    assert "speak-text" in seen
    assert seen[-1] == "speak-button", seen
    page.keyboard.press("Enter")
    wait_played(page)
    assert page.locator("#speak-result [data-testid=clip]").get_attribute("data-avatar") == "female_en-GB"
    # the change was announced to screen readers
    page.wait_for_function("() => document.getElementById('status').textContent.length > 0")
