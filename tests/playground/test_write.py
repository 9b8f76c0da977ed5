"""Write in the browser: a post streamed from the packaged TextModel through real Serve (behind an API
key), its figures, Stop, the messages for bad input, and "Speak this" into the Speak panel."""

from __future__ import annotations

from typing import Any

import pytest

from tests.playground.browser import axe_source
from tests.playground.conftest import WriteApp, axe_violations, wait_played, wait_ready
from voxray_runtime.generation.prompts import post_messages

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

BRIEF = "A small family hotel by the sea in Lisbon, with a rooftop terrace and fresh pastries at breakfast."


def _open_write(page: Any, app: WriteApp) -> None:
    page.goto(f"{app.url}/")
    page.wait_for_selector("#auth", state="visible")
    page.fill("#api-key", app.key)
    page.press("#api-key", "Enter")
    wait_ready(page)
    page.click("#tab-write")
    page.wait_for_selector("#write-form", state="visible")


def test_write_streams_a_post_and_speaks_it(page: Any, write_app: WriteApp) -> None:
    _open_write(page, write_app)
    options = page.eval_on_selector_all("#write-model option", "os => os.map(o => o.value)")
    assert options == ["gemma-3-270m-q4_k_m"]
    page.fill("#write-brief", BRIEF)
    assert page.inner_text("#write-count").startswith(f"{len(BRIEF)} ")
    page.fill("#write-max-tokens", "24")
    page.fill("#write-seed", "7")
    # count the pieces the page appends to the post as the stream delivers them
    page.evaluate(
        """() => { window.pieces = 0;
            new MutationObserver((r) => { window.pieces += r.length; })
                .observe(document.getElementById('write-post'), {childList: true, characterData: true}); }"""
    )
    with page.expect_request("**/v1/chat/completions") as sent:
        page.click("#write-button")
    req = sent.value
    assert req.headers["authorization"] == f"Bearer {write_app.key}"
    body = req.post_data_json
    # the content pipeline's own wording for one post
    assert body["messages"] == [m.wire() for m in post_messages(BRIEF, number=1, max_tokens=24)]
    assert (body["max_tokens"], body["seed"], body["temperature"], body["stream"]) == (24, 7, 0.7, True)
    page.wait_for_function("() => document.getElementById('write-facts').textContent.includes('tokens/s')")
    post = page.inner_text("#write-post").strip()
    assert post
    assert page.evaluate("window.pieces") >= 3
    facts = page.inner_text("#write-facts")
    assert "first token after" in facts
    assert float(page.get_attribute("#write-facts", "data-tokens-per-second")) > 0
    assert page.get_attribute("#write-result", "aria-busy") is None

    # the Write panel with its post passes the accessibility scan too, light and dark
    page.evaluate(axe_source() + "\n;undefined")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert not axe_violations(page), scheme

    page.click("#write-speak")
    assert page.get_attribute("#tab-speak", "aria-selected") == "true"
    assert page.input_value("#speak-text") == post
    assert page.evaluate("document.activeElement.id") == "speak-text"
    assert page.inner_text("#speak-count").startswith(f"{len(post)} ")
    page.click("#speak-button")
    wait_played(page, min_s=0.3)


def test_stop_and_the_messages_for_bad_input(page: Any, write_app: WriteApp) -> None:
    _open_write(page, write_app)
    # an empty brief: the page says so, naming the brief, before anything is sent
    page.fill("#write-brief", "   ")
    page.click("#write-button")
    error = page.locator("#write-error")
    error.wait_for(state="visible")
    assert error.inner_text().startswith("Brief: the brief is empty")
    assert page.get_attribute("#write-brief", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "write-brief"
    # more tokens than the model allows: the server's problem+json, naming max_tokens
    page.fill("#write-brief", BRIEF)
    page.fill("#write-max-tokens", "100000")
    page.click("#write-button")
    page.wait_for_function("() => document.getElementById('write-error').textContent.includes('max_tokens')")
    text = error.inner_text()
    assert text.startswith("max_tokens too large: max_tokens 100000 exceeds"), text
    assert "256" in text
    assert page.get_attribute("#write-max-tokens", "aria-invalid") == "true"
    assert page.get_attribute("#write-brief", "aria-invalid") is None
    # Stop: the stream is aborted after its first text; what was written stays
    page.fill("#write-max-tokens", "200")
    page.click("#write-button")
    page.wait_for_function("() => document.getElementById('write-post').textContent.length > 0")
    page.click("#write-stop")
    page.wait_for_function("() => document.getElementById('write-facts').textContent.startsWith('Stopped')")
    assert error.is_hidden()
    assert page.inner_text("#write-post")
    assert page.is_enabled("#write-button")
    assert page.is_disabled("#write-stop")


def test_without_a_text_model_the_panel_says_so(page: Any, serve_url: str) -> None:
    page.goto(f"{serve_url}/")
    wait_ready(page)
    page.click("#tab-write")
    assert "serves no text model" in page.inner_text("#write-none")
    assert page.locator("#write-form").count() == 0
    # the voice model pins list voice models only
    pins = page.eval_on_selector_all("#speak-model option", "os => os.map(o => o.value)")
    assert "gemma-3-270m-q4_k_m" not in pins
