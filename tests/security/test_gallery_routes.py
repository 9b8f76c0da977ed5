"""The batch gallery routes over real HTTP on the secure app: authenticated, per-key models respected,
read-only, and nothing outside the output directory can be read (traversal, symlinks). The Playground's
page and assets are public, under their own CSP, while every API route keeps the strict one."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from tests.conftest import SecureApp
from tests.security.conftest import assert_problem, key_headers
from voxray_runtime.api.headers import CSP_NONE, CSP_PAGE
from voxray_runtime.audio.analysis import decode_mp3
from voxray_runtime.audio.encode import encode

pytestmark = pytest.mark.ray

RUN = "gallery-http"


def _entry(name: str, model: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "model": model, "avatar": "female_en-US", "index": 1, "id": "post_01", **extra}


@pytest.fixture(scope="module")
def run(secure_app: SecureApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, bytes]]:
    """A finished run in the secure app's output directory: one real MP3 per model, a failure, a
    symlink that leads outside; and a secret file outside the output directory."""
    directory = secure_app.output_dir / RUN
    directory.mkdir(parents=True)
    t = np.arange(24000) / 24000
    files = {
        "post_01_female_en-US.mp3": encode(
            (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 24000, "mp3", 64
        ),
        "alt/post_01_male_en-US.mp3": encode(
            (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), 24000, "mp3", 64
        ),
    }
    models = {"post_01_female_en-US.mp3": "speak", "alt/post_01_male_en-US.mp3": "speak-alt"}
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.mp3").write_bytes(b"ID3 not for you")
    (outside / "manifest.jsonl").write_text(json.dumps(_entry("secret.mp3", "speak")) + "\n")
    for name, data in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(data)
    (directory / "leak.mp3").symlink_to(outside / "secret.mp3")
    entries = [_entry(n, models[n], duration_s=1.0, engine="espeak") for n in files]
    entries.append(_entry("leak.mp3", "speak"))
    (directory / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    failure = {
        "name": "post_02_female_en-US.mp3",
        "model": "speak",
        "error_type": "RuntimeError",
        "error": "boom",
    }
    summary = {
        "total": 4,
        "failed": 1,
        "missing": 1,
        "batch": {"models": ["speak", "speak-alt"]},
        "failures": [failure],
    }
    (directory / "summary.json").write_text(json.dumps(summary))
    (secure_app.output_dir / "linked-run").symlink_to(outside, target_is_directory=True)
    yield files
    shutil.rmtree(directory)
    (secure_app.output_dir / "linked-run").unlink()


def _get(app: SecureApp, path: str, key: str | None = "writer", **params: str) -> httpx.Response:
    headers = key_headers(app, key) if key else {}
    return httpx.get(f"{app.url}{path}", params=params, headers=headers, timeout=30)


def test_runs_are_listed_and_read(app: SecureApp, run: dict[str, bytes]) -> None:
    body = _get(app, "/v1/batches").json()
    ids = [r["id"] for r in body["runs"]]
    assert RUN in ids
    assert "linked-run" not in ids  # a symlinked directory is never followed
    info = next(r for r in body["runs"] if r["id"] == RUN)
    assert (info["state"], info["files"], info["failed"], info["total"]) == ("failed", 3, 1, 4)
    detail = _get(app, "/v1/batches/manifest", run=RUN).json()
    assert [e["name"] for e in detail["entries"]] == sorted([*run, "leak.mp3"])
    assert detail["failures"][0]["error"] == "boom"
    assert detail["summary"]["total"] == 4


def test_a_file_is_served_as_written(app: SecureApp, run: dict[str, bytes]) -> None:
    name = "alt/post_01_male_en-US.mp3"
    r = _get(app, "/v1/batches/file", run=RUN, name=name)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/mpeg"
    assert r.headers["content-security-policy"] == CSP_NONE.decode()
    assert r.content == run[name]
    pcm, rate = decode_mp3(r.content)
    assert rate == 24000
    assert 0.9 < len(pcm) / rate < 1.2


def test_the_gallery_needs_a_key(app: SecureApp, run: dict[str, bytes]) -> None:
    for path, params in (("/v1/batches", {}), ("/v1/batches/manifest", {"run": RUN})):
        assert_problem(_get(app, path, None, **params), 401)
    r = _get(app, "/v1/batches/file", None, run=RUN, name="post_01_female_en-US.mp3")
    assert_problem(r, 401)
    assert r.content != run["post_01_female_en-US.mp3"]


def test_a_key_limited_to_one_model_sees_only_its_files(app: SecureApp, run: dict[str, bytes]) -> None:
    """alice may use speak-alt only."""
    detail = _get(app, "/v1/batches/manifest", "alice", run=RUN).json()
    assert [e["name"] for e in detail["entries"]] == ["alt/post_01_male_en-US.mp3"]
    assert detail["failures"] == []
    assert detail["summary"] is None  # it speaks of models alice may not use
    assert detail["models"] == ["speak-alt"]
    assert (
        _get(app, "/v1/batches/file", "alice", run=RUN, name="alt/post_01_male_en-US.mp3").status_code == 200
    )
    r = _get(app, "/v1/batches/file", "alice", run=RUN, name="post_01_female_en-US.mp3")
    assert_problem(r, 404, "lists no file")


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"run": RUN, "name": "../../keys.yaml"}, 400, "name"),
        ({"run": RUN, "name": "/etc/passwd"}, 400, "name"),
        ({"run": RUN, "name": "alt/../../secure/keys.yaml"}, 400, "name"),
        ({"run": RUN, "name": "manifest.jsonl"}, 400, "name"),
        ({"run": "..", "name": "keys.yaml"}, 400, "run"),
        ({"run": "../secure", "name": "x.mp3"}, 400, "run"),
        ({"run": "/etc", "name": "x.mp3"}, 400, "run"),
        ({"run": RUN, "name": "leak.mp3"}, 404, None),  # listed, but a symlink leading outside
        ({"run": "linked-run", "name": "secret.mp3"}, 404, None),  # a run that is a symlink outside
        ({"run": RUN, "name": "nothing.mp3"}, 404, None),
        ({"run": "speech", "name": "x.mp3"}, 404, None),
    ],
)
def test_nothing_outside_the_output_directory_can_be_read(
    app: SecureApp, run: dict[str, bytes], params: dict[str, str], status: int, field: str | None
) -> None:
    body = assert_problem(_get(app, "/v1/batches/file", **params), status)
    assert body["error"]["param"] == field
    assert "not for you" not in json.dumps(body)


def test_the_gallery_is_read_only(app: SecureApp, run: dict[str, bytes]) -> None:
    for method in ("POST", "PUT", "DELETE"):
        r = httpx.request(
            method,
            f"{app.url}/v1/batches/file",
            params={"run": RUN, "name": "leak.mp3"},
            headers=key_headers(app),
        )
        assert_problem(r, 405)
    assert (app.output_dir / RUN / "leak.mp3").is_symlink()


def test_the_caller_is_described(app: SecureApp) -> None:
    me = _get(app, "/v1/me", "alice").json()
    assert me == {
        "id": "alice",
        "kind": "api_key",
        "models": ["speak-alt"],
        "scopes": ["speech"],
        "auth_required": True,
    }
    assert _get(app, "/v1/me", "writer").json()["scopes"] == ["speech", "store"]
    assert_problem(_get(app, "/v1/me", None), 401)


def test_models_carry_their_text_limit(app: SecureApp) -> None:
    models = _get(app, "/v1/models").json()["data"]
    assert {m["id"]: m["max_text_chars"] for m in models} == {"speak": 200, "speak-alt": 200}


def test_the_page_is_public_under_its_own_csp(app: SecureApp) -> None:
    for path in ("/", "/playground"):
        r = httpx.get(f"{app.url}{path}", timeout=30)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        assert csp == CSP_PAGE.decode()
        assert "unsafe-inline" not in csp
        assert "script-src 'self'" in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert 'src="playground/js/main.js"' in r.text
        assert "<script>" not in r.text and "style=" not in r.text  # noqa: PT018
    r = httpx.get(f"{app.url}/playground/js/main.js", timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert_problem(httpx.get(f"{app.url}/playground/js/nothing.js", timeout=30), 404)
    assert_problem(httpx.get(f"{app.url}/playground/../v1/voices", timeout=30), 401)
    # under a route prefix without its slash, the page moves to the prefix with one
    r = httpx.get(app.url, timeout=30)
    assert r.status_code in (307, 308)
    assert r.headers["location"].endswith("/secure/")
    assert httpx.get(app.url, timeout=30, follow_redirects=True).headers["content-security-policy"] == (
        CSP_PAGE.decode()
    )
    # the API keeps the strict policy
    r = httpx.get(f"{app.url}/v1/voices", headers=key_headers(app), timeout=30)
    assert r.headers["content-security-policy"] == CSP_NONE.decode()
