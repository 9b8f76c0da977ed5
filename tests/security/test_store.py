"""store=true through the real app: names are checked by the storage layer's one resolver, and a link in
the volume that leads outside is a server-side storage error (507), never a write outside."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import SecureApp
from tests.security.conftest import assert_problem, key_headers

pytestmark = pytest.mark.ray


def _store(app: SecureApp, name: str) -> httpx.Response:
    body = {"text": "Late checkout is confirmed.", "language": "en", "store": True, "name": name}
    return httpx.post(f"{app.url}/v1/speech", json=body, headers=key_headers(app), timeout=60)


def test_reserved_names_are_refused_naming_the_field(app: SecureApp) -> None:
    problem = assert_problem(_store(app, "CON"), 400, "reserved")
    assert problem["errors"][0]["field"] == "name"


def test_a_link_out_of_the_volume_is_a_storage_error(app: SecureApp, tmp_path: Path) -> None:
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    directory = app.output_dir / "speech" / day
    directory.mkdir(parents=True, exist_ok=True)
    outside = tmp_path / "outside.mp3"
    (directory / "trap.mp3").symlink_to(outside)
    problem = assert_problem(_store(app, "trap"), 507, "operator")
    assert str(tmp_path) not in problem["detail"]
    assert not outside.exists()
    r = _store(app, "fine-name")
    assert r.status_code == 200, r.text
    assert Path(r.json()["path"]).parent == directory.resolve()


def test_retention_deletes_stored_speech_past_its_ttl(app: SecureApp) -> None:
    """The app runs with retentionSeconds 3600: its sweeps delete what is older, keep the rest."""
    deadline = time.monotonic() + 30
    while app.expired_file.exists():
        assert time.monotonic() < deadline, "stored speech past its TTL was not deleted"
        time.sleep(0.2)
    assert app.recent_file.exists()
