"""Beyond loopback the server wants a key: the page asks for one, shows the 401 message for a wrong one,
keeps a good one in sessionStorage only, and offers store=true only to a key with the store scope."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import SecureApp
from tests.playground.conftest import wait_played, wait_ready

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]


def sign_in(page: Any, key: str) -> None:
    page.fill("#api-key", key)
    page.keyboard.press("Enter")


def test_the_page_asks_for_a_key_and_shows_the_401(page: Any, secure_app: SecureApp) -> None:
    page.goto(f"{secure_app.url}/")
    page.wait_for_selector("#auth", state="visible")
    assert page.is_hidden("#app")
    assert page.evaluate("document.activeElement.id") == "api-key"
    assert page.get_attribute("#api-key", "type") == "password"

    wrong = "vxk-not-a-key"
    sign_in(page, wrong)
    error = page.locator("#auth-error")
    error.wait_for(state="visible")
    expected = httpx.get(
        f"{secure_app.url}/v1/me", headers={"Authorization": f"Bearer {wrong}"}, timeout=30
    ).json()["detail"]
    assert expected in error.inner_text()
    assert "Check the API key" in error.inner_text()
    assert page.is_hidden("#app")

    sign_in(page, secure_app.keys["alice"])
    wait_ready(page)
    assert page.inner_text("#who") == "Signed in as alice (models: speak-alt)"
    # alice has no store scope: the toggle is off, and says why
    assert page.is_disabled("#speak-store")
    assert "needs the 'store' scope" in page.inner_text("#speak-store-hint")
    # only the models alice may use are offered
    assert page.eval_on_selector_all("#speak-model option", "os => os.map(o => o.value)") == ["", "speak-alt"]
    # the key lives in this tab's sessionStorage, nowhere else
    assert page.evaluate("sessionStorage.getItem('voxray.apiKey')") == secure_app.keys["alice"]
    assert page.evaluate("localStorage.length") == 0
    assert page.context.cookies() == []
    page.reload()
    wait_ready(page)
    page.click("#forget-key")
    page.wait_for_selector("#auth", state="visible")
    assert page.evaluate("sessionStorage.length") == 0


def test_store_writes_the_file_and_shows_its_path(page: Any, secure_app: SecureApp) -> None:
    page.goto(f"{secure_app.url}/")
    page.wait_for_selector("#auth", state="visible")
    sign_in(page, secure_app.keys["writer"])
    wait_ready(page)
    assert page.inner_text("#speak-count").endswith("/ 200 characters")  # the secure app's text limit
    page.fill("#speak-text", "Your table is ready.")
    page.check("#speak-store")
    page.click("#speak-button")
    stored = page.locator("#speak-result [data-testid=stored-path]")
    stored.wait_for(state="visible")
    rel = stored.inner_text()
    assert rel.startswith("speech/")
    assert rel.endswith(".mp3")
    assert (secure_app.output_dir / rel).stat().st_size > 1000
    # without store, the same key hears it
    page.uncheck("#speak-store")
    page.click("#speak-button")
    wait_played(page, min_s=0.5)
