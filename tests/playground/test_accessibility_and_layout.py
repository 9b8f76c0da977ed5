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
from tests.playground.conftest import choose_voice, open_page, wait_played, wait_ready

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

PANELS = ["speak", "compare", "history", "batches"]
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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(browser: Any, serve_url: str, scheme: str) -> None:
    ctx, page, errors = open_page(browser, color_scheme=scheme)
    try:
        page.goto(f"{serve_url}/")
        wait_ready(page)
        # injected through the DevTools protocol: the page's CSP (scripts from 'self' only) stays on
        page.evaluate(axe_source() + "\n;undefined")
        assert page.evaluate("typeof axe.run") == "function"
        found = {}
        for panel in PANELS:
            page.click(f"#tab-{panel}")
            page.wait_for_selector(f"#panel-{panel}", state="visible")
            if panel == "batches":
                page.wait_for_function(
                    "() => document.getElementById('batch-summary').textContent.length > 0"
                )
            found[panel] = _violations(page)
        assert not any(found.values()), found
    finally:
        ctx.close()
    errors.check()


def _shots_dir(tmp_path: Path) -> Path:
    where = os.environ.get("VOXRAY_SCREENSHOT_DIR")
    out = Path(where) if where else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_layout_and_screenshots(browser: Any, serve_url: str, tmp_path: Path, size: str, scheme: str) -> None:
    ctx, page, errors = open_page(browser, viewport=VIEWPORTS[size], color_scheme=scheme)
    try:
        page.goto(f"{serve_url}/")
        wait_ready(page)
        choose_voice(page, "speak", "en", "en-AU", "female")
        page.fill("#speak-text", "G'day, and welcome to the harbour suite. Breakfast is served from seven.")
        page.click("#speak-button")
        wait_played(page)
        page.evaluate("document.querySelector('#speak-result audio').pause()")
        for panel in PANELS:
            page.click(f"#tab-{panel}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= VIEWPORTS[size]["width"], (panel, width)
        page.click("#tab-speak")
        page.evaluate("document.activeElement.blur()")
        page.screenshot(path=str(_shots_dir(tmp_path) / f"playground-{size}-{scheme}.png"), full_page=True)
        dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        assert dark is (scheme == "dark")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(17, 19, 24)") is (scheme == "dark")
    finally:
        ctx.close()
    errors.check()
