"""Accessibility (axe-core injected into the page: no serious or critical violations in any panel, light
and dark) and layout (360 px wide to desktop, light and dark: nothing overflows sideways). The layout
test also takes the README's screenshots and the SRT of the captioned clip they show:
``VOXRAY_SCREENSHOT_DIR=docs/playground`` (``make screenshots``) writes them there, otherwise into a
temporary directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.playground.browser import axe_source
from tests.playground.conftest import axe_violations, choose_voice, download, wait_played, wait_ready

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

PANELS = ["speak", "compare", "history", "batches", "write"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 360, "height": 780}}


def _speak_once(page: Any, serve_url: str) -> None:
    """The page with one captioned clip spoken in a fallback voice (so its card, player, badge and
    captions are on it), paused on its fifth word (highlighted)."""
    page.goto(f"{serve_url}/")
    wait_ready(page)
    choose_voice(page, "speak", "en", "en-AU", "female")
    page.check("#speak-captions")
    page.fill("#speak-text", "G'day, and welcome to the harbour suite. Breakfast is served from seven.")
    page.click("#speak-button")
    wait_played(page)
    page.evaluate(
        """() => {
            const a = document.querySelector('#speak-result audio');
            const w = document.querySelectorAll('#speak-result .word')[4];
            a.pause();
            a.currentTime = (Number(w.dataset.start) + Number(w.dataset.end)) / 2;
        }"""
    )
    page.wait_for_function(
        "() => document.querySelector('#speak-result [data-testid=captions]').dataset.current === '4'"
    )


def test_no_serious_accessibility_violations(page: Any, serve_url: str) -> None:
    _speak_once(page, serve_url)
    # injected through the DevTools protocol: the page's CSP (scripts from 'self' only) stays on
    page.evaluate(axe_source() + "\n;undefined")
    assert page.evaluate("typeof axe.run") == "function"
    found = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for panel in PANELS:
            page.click(f"#tab-{panel}")
            page.wait_for_selector(f"#panel-{panel}", state="visible")
            if panel == "batches":
                page.wait_for_function(
                    "() => document.getElementById('batch-summary').textContent.length > 0"
                )
            found[f"{panel} ({scheme})"] = axe_violations(page)
    assert not any(found.values()), found


def _shots_dir(tmp_path: Path) -> Path:
    where = os.environ.get("VOXRAY_SCREENSHOT_DIR")
    out = Path(where) if where else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_layout_and_screenshots(page: Any, serve_url: str, tmp_path: Path) -> None:
    _speak_once(page, serve_url)
    shots = _shots_dir(tmp_path)
    # the captions of the clip in the pictures, as the page downloads them (the README quotes them)
    name, srt = download(page, "#speak-result [data-testid=download-srt]")
    assert name.endswith("_female_en-AU.srt")
    (shots / "playground-captions.srt").write_bytes(srt)
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for panel in PANELS:
                page.click(f"#tab-{panel}")
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"], (size, panel, width)
            page.click("#tab-speak")
            page.evaluate("document.activeElement.blur()")
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") is (scheme == "dark")
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert (background == "rgb(17, 19, 24)") is (scheme == "dark")
            page.screenshot(path=str(shots / f"playground-{size}-{scheme}.png"), full_page=True)
