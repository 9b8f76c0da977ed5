"""The Playground in a real headless Chromium against the session's real Serve app.

chromium missing is a failure, not a skip: ``make install`` provides it, so CI must run these tests.
Every page records console errors and uncaught exceptions (a CSP violation shows up as one), and the
test fails on any of them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.playground.browser import BrowserMissingError, launch

#: what the browser may say without it being the page's fault: an API answer that is an error (the
#: tests provoke them) is logged by Chromium as a failed resource load
EXPECTED_CONSOLE = ("Failed to load resource: the server responded with a status of",)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One Chromium for the Playground's tests, closed after them: while Playwright's sync API is
    active it marks an event loop as running on the main thread, which would break every later
    ``asyncio.run`` (and pytest-asyncio test) of the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            b = launch(p)
        except BrowserMissingError as exc:
            pytest.fail(str(exc))
        yield b
        b.close()


class PageErrors(list[str]):
    def check(self) -> None:
        assert not self, f"the page logged errors: {list(self)}"


def open_page(browser: Any, **context: Any) -> tuple[Any, Any, PageErrors]:
    ctx = browser.new_context(**({"viewport": {"width": 1280, "height": 900}} | context))
    page = ctx.new_page()
    errors = PageErrors()

    def on_console(msg: Any) -> None:
        if msg.type == "error" and not msg.text.startswith(EXPECTED_CONSOLE):
            errors.append(f"console: {msg.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.set_default_timeout(90_000)
    return ctx, page, errors


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx, pg, errors = open_page(browser)
    yield pg
    ctx.close()
    errors.check()


def download(page: Any, selector: str) -> tuple[str, bytes]:
    """Click a download link as a person would; the suggested file name and the bytes saved."""
    with page.expect_download() as info:
        page.click(selector)
    saved = info.value
    path = saved.path()
    return saved.suggested_filename, Path(path).read_bytes()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (axe injected first: browser.axe_source)."""
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def wait_ready(page: Any) -> None:
    page.wait_for_selector("#tab-speak", state="visible")
    page.wait_for_function("() => document.querySelector('#speak-voice .voice-line') !== null")


def choose_voice(page: Any, prefix: str, language: str, dialect: str, gender: str) -> None:
    page.select_option(f"#{prefix}-language", language)
    page.select_option(f"#{prefix}-dialect", dialect)
    page.select_option(f"#{prefix}-gender", gender)


def wait_played(page: Any, scope: str = "#speak-result", min_s: float = 1.0) -> float:
    """Wait until the clip's audio element has decoded a finite duration over ``min_s``; returns it."""
    page.wait_for_function(
        """([scope, min]) => {
            const a = document.querySelector(scope + ' audio');
            return a && Number.isFinite(a.duration) && a.duration > min;
        }""",
        arg=[scope, min_s],
    )
    return float(page.evaluate(f"document.querySelector('{scope} audio').duration"))


@dataclass(frozen=True)
class WriteApp:
    url: str
    key: str


@pytest.fixture(scope="package")
def write_app(serve_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WriteApp]:
    """The Playground of an app serving the packaged TextModel beside a voice, as ``voxray serve`` does,
    with authentication required: the session's main app serves no text model (its tests pin its
    listing), and this one is small: espeak-ng and Gemma 3 270M with a short context and one thread.
    Deleted after the Playground's tests, so that its replicas' CPUs are free for the apps of later
    test packages (the session's Ray has two)."""
    from ray import serve

    from voxray_runtime.commands.local import wait_ready as _wait_ready
    from voxray_runtime.models import default_models, default_text_models
    from voxray_runtime.serve.app import build_app

    d = tmp_path_factory.mktemp("write")
    key = f"vxk-{secrets.token_urlsafe(24)}"
    keys_file = d / "keys.yaml"
    keys_file.write_text(yaml.safe_dump({"keys": [{"id": "writer", "key": key}]}))
    (gemma,) = default_text_models()
    text_spec = gemma.spec.to_wire() | {
        "contextLength": 512,
        "resources": {"cpu": 0.05},
        "serving": {"maxConcurrentSequences": 2, "maxQueue": 4, "maxTokens": 256, "threads": 1},
    }
    args = {
        "models": [
            {"name": m.name, "spec": m.spec.to_wire()} for m in default_models() if m.name == "espeak"
        ],
        "text_models": [{"name": gemma.name, "spec": text_spec}],
        "output_dir": str(d / "out"),
        "ingress_num_cpus": 0.0,
        "security": {"auth": "required", "apiKeysFile": str(keys_file)},
    }
    serve.run(build_app(args), name="playground-write", route_prefix="/write", blocking=False)
    url = f"{serve_base}/write"
    _wait_ready(f"{url}/readyz", 300)
    yield WriteApp(url, key)
    serve.delete("playground-write")


#: a brand voice (a custom avatar of a VoiceModel's spec.avatars) beside the built-in ones
BRAND_AVATAR = "concierge_female_en-GB"


@pytest.fixture(scope="module")
def brand_url(serve_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Playground of an app serving a Kokoro VoiceModel with a brand voice (``spec.avatars``), as a
    brand would deploy it: small (one thread, a twentieth of a CPU), and deleted after the module that
    uses it: the session's two CPUs are fully booked once the write app is up."""
    from ray import serve

    from voxray_runtime.commands.local import wait_ready as _wait_ready
    from voxray_runtime.models import default_models
    from voxray_runtime.serve.app import build_app

    (kokoro,) = [m for m in default_models() if m.name == "kokoro"]
    spec = kokoro.spec.to_wire() | {
        "resources": {"cpu": 0.05},
        "serving": {"maxOngoingRequests": 4, "maxBatchSize": 1, "threads": 1},
        "avatars": [
            {
                "name": BRAND_AVATAR,
                "language": "en",
                "dialect": "en-GB",
                "gender": "female",
                "blend": {"bf_emma": 0.7, "bf_isabella": 0.3},
            }
        ],
    }
    args = {
        "models": [{"name": "brand", "spec": spec}],
        "output_dir": str(tmp_path_factory.mktemp("brand")),
        "ingress_num_cpus": 0.0,
        "security": {"auth": "disabled"},
    }
    serve.run(build_app(args), name="playground-brand", route_prefix="/brand", blocking=False)
    url = f"{serve_base}/brand"
    _wait_ready(f"{url}/readyz", 300)
    yield url
    serve.delete("playground-brand")
