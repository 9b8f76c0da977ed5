"""Debian's chromium driven by Playwright for Python (never Playwright's own browser download), and the
axe-core engine the accessibility test injects. Shared by the browser tests and ``make bench``."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

#: flags for a quiet, offline, headless run in a container (no sandbox: CI runs as root)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # the tests click, then wait: a slow first chunk must not outlive the click's user activation
    "--autoplay-policy=no-user-gesture-required",
]
AXE_VERSION = "4.14.1"


class BrowserMissingError(RuntimeError):
    """chromium or axe-core is not installed (``make install`` installs both)."""


def chromium_path() -> str:
    """``VOXRAY_CHROMIUM``, else Debian's ``/usr/bin/chromium``, else ``chromium`` on the PATH."""
    for candidate in (os.environ.get("VOXRAY_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise BrowserMissingError(
        "chromium is not installed: make system-deps (apt-get install chromium chromium-driver) "
        "installs it; set VOXRAY_CHROMIUM to use another Chromium build"
    )


def launch(playwright: Any) -> Any:
    """A headless Chromium browser (Playwright ``Browser``)."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def axe_source() -> str:
    """axe.min.js as ``make test-tools`` installed it (``VOXRAY_AXE_JS`` overrides the path)."""
    path = Path(os.environ.get("VOXRAY_AXE_JS") or Path(sys.prefix) / "share/voxray/axe-core/axe.min.js")
    if not path.is_file():
        raise BrowserMissingError(
            f"axe-core is not installed at {path}: make test-tools (scripts/fetch_axe.sh)"
        )
    text = path.read_text(encoding="utf-8")
    if f"axe v{AXE_VERSION}" not in text[:200]:
        raise BrowserMissingError(f"{path} is not axe-core {AXE_VERSION}; rerun scripts/fetch_axe.sh")
    return text
