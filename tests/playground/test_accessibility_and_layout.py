"""Accessibility (axe-core injected into the page: no serious or critical violations in any panel, light
and dark) and layout (360 px wide to desktop, light and dark: nothing overflows sideways). The layout
test also takes the README's screenshots: ``VOXRAY_SCREENSHOT_DIR=docs/playground`` (``make
screenshots``) writes them there, otherwise into a temporary directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.playground.browser import axe_source
from tests.playground.conftest import choose_voice, wait_played, wait_ready

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

PANELS = ["speak", "compare", "history", "batches", "write"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 360, "height": 780}}


def _violations(page: Any) -> list[dict[str, Any]]:
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def _speak_once(page: Any, serve_url: str) -> None:
    """The page with one clip spoken in a fallback voice (so its card, player and badge are on it)."""
    page.goto(f"{serve_url}/")
    wait_ready(page)
    choose_voice(page, "speak", "en", "en-AU", "female")
    page.fill("#speak-text", "G'day, and welcome to the harbour suite. Breakfast is served from seven.")
    page.click("#speak-button")
    wait_played(page)
    page.evaluate("document.querySelector('#speak-result audio').pause()")


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
            found[f"{panel} ({scheme})"] = _violations(page)
    assert not any(found.values()), found


def _shots_dir(tmp_path: Path) -> Path:
    where = os.environ.get("VOXRAY_SCREENSHOT_DIR")
    out = Path(where) if where else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_layout_and_screenshots(page: Any, serve_url: str, tmp_path: Path) -> None:
    _speak_once(page, serve_url)
    shots = _shots_dir(tmp_path)
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
