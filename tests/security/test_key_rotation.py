"""Keys change while the app serves (a Secret updated in place): a revoked key stops working and a new
one starts working within the reload interval, without a restart."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest
import yaml

from tests.conftest import SecureApp

pytestmark = pytest.mark.ray


def _status(app: SecureApp, key: str) -> int:
    return httpx.get(f"{app.url}/v1/voices", headers={"X-API-Key": key}, timeout=30).status_code


def test_revoked_keys_stop_and_new_keys_start_working(app: SecureApp) -> None:
    revoked = app.keys["revocable"]
    assert _status(app, revoked) == 200
    new_key = f"vxk-new-{secrets.token_urlsafe(24)}"
    doc = yaml.safe_load(app.keys_file.read_text())
    doc["keys"] = [k for k in doc["keys"] if k["id"] != "revocable"] + [{"id": "rotated-in", "key": new_key}]
    tmp = app.keys_file.with_suffix(".new")
    tmp.write_text(yaml.safe_dump(doc))
    tmp.replace(app.keys_file)  # as a Secret volume update swaps the file
    deadline = time.monotonic() + 30
    while _status(app, revoked) != 401 or _status(app, new_key) != 200:
        assert time.monotonic() < deadline, "the changed keys file was not picked up"
        time.sleep(0.5)
    assert _status(app, app.keys["writer"]) == 200
