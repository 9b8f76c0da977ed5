"""The Playground's assets ship in the runtime package: every file is covered by the package-data globs
(a non-editable install carries it), the page loads nothing from elsewhere, and no asset holds inline
script or style (the page CSP forbids them)."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

from tests.playground.browser import CHROMIUM_ARGS
from voxray_runtime.api.routes.playground import ASSETS_DIR, CONTENT_TYPES, assets

REPO = Path(__file__).resolve().parents[2]


def test_every_asset_is_package_data() -> None:
    globs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][
        "voxray_runtime"
    ]
    files = [p.relative_to(ASSETS_DIR.parent).as_posix() for p in ASSETS_DIR.rglob("*") if p.is_file()]
    assert files
    for f in files:
        assert any(fnmatch.fnmatch(f, g) and f.count("/") == g.count("/") for g in globs), f
        assert Path(f).suffix in CONTENT_TYPES, f  # served, not silently dropped
    assert set(assets()) == {Path(f).relative_to("playground").as_posix() for f in files}


def test_no_other_origin_and_no_inline_code() -> None:
    for name, (body, _kind) in assets().items():
        text = body.decode("utf-8")
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), name
        if name.endswith(".html"):
            assert "style=" not in text, name
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), name
            assert not re.search(r"\son[a-z]+=", text), name  # no inline event handlers
        if name.endswith(".js"):
            assert "innerHTML" not in text, name  # text goes in as text, never as markup
            assert "localStorage" not in text, name  # the key lives in sessionStorage only


def test_the_browser_tests_never_use_playwrights_own_browser() -> None:
    assert "--headless" in CHROMIUM_ARGS
    makefile = (REPO / "Makefile").read_text()
    assert "playwright install" not in makefile
    assert "chromium" in re.search(r"SYSTEM_PACKAGES :=(.*)", makefile).group(1)  # type: ignore[union-attr]
