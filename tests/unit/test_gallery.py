"""The batch gallery's pure decisions: run ids, a run's state, what a caller limited to some models sees."""

from __future__ import annotations

from typing import Any

import pytest

from voxray_runtime.api.headers import is_public
from voxray_runtime.batch.gallery import (
    MARKER_STALE_S,
    GalleryError,
    check_run_id,
    run_models,
    run_state,
    visible,
)


@pytest.mark.parametrize(
    ("summary", "marker_age", "state"),
    [
        (None, None, "interrupted"),
        ({"failed": 0, "missing": 0}, None, "complete"),
        ({"failed": 2, "missing": 0}, None, "failed"),
        ({"failed": 0, "missing": 1}, None, "failed"),
        (None, 1.0, "running"),
        ({"failed": 0, "missing": 0}, 1.0, "running"),  # a rerun over an old summary
        (None, MARKER_STALE_S + 1, "interrupted"),  # the driver died: its marker went stale
        ({"failed": 0}, MARKER_STALE_S + 1, "complete"),
    ],
)
def test_run_state(summary: dict[str, Any] | None, marker_age: float | None, state: str) -> None:
    assert run_state(summary, marker_age) == state


@pytest.mark.parametrize("run", [".", "demo", "batches/hotel-2026", "a.b_c-d"])
def test_run_ids_accepted(run: str) -> None:
    assert check_run_id(run) == run


@pytest.mark.parametrize(
    ("run", "why"),
    [
        ("..", "'..'"),
        ("../etc", "'..'"),
        ("demo/../..", "'..'"),
        ("/etc", "absolute"),
        ("", "empty"),
        ("a/b/c", "deep"),
        (".hidden", "hidden"),
        ("a\\..\\b", "backslash"),
        ("nul", "reserved"),
        ("x\x00y", "forbidden"),
    ],
)
def test_run_ids_refused(run: str, why: str) -> None:
    with pytest.raises(GalleryError) as info:
        check_run_id(run)
    assert info.value.status == 400
    assert info.value.field == "run"
    assert why in info.value.detail


ROWS = [{"name": "a.mp3", "model": "kokoro"}, {"name": "b.mp3", "model": "espeak"}, {"name": "c.mp3"}]


@pytest.mark.parametrize(
    ("allowed", "names"),
    [
        (None, ["a.mp3", "b.mp3", "c.mp3"]),
        (frozenset({"kokoro"}), ["a.mp3"]),
        (frozenset({"kokoro", "espeak"}), ["a.mp3", "b.mp3"]),
        (frozenset(), []),
    ],
)
def test_visible_rows_follow_the_callers_models(allowed: frozenset[str] | None, names: list[str]) -> None:
    assert [r["name"] for r in visible(ROWS, allowed)] == names


def test_run_models_prefer_the_summary() -> None:
    assert run_models({"batch": {"models": ["kokoro", "espeak"]}}, ROWS) == ["kokoro", "espeak"]
    assert run_models(None, ROWS) == ["espeak", "kokoro"]
    assert run_models({"batch": {}}, []) == []


@pytest.mark.parametrize(
    ("path", "public"),
    [
        ("/", True),
        ("/playground", True),
        ("/playground/js/main.js", True),
        ("/healthz", True),
        ("/readyz", True),
        ("/v1/voices", False),
        ("/v1/batches", False),
        ("/v1/batches/file", False),
        ("/playgroundx", False),
        ("/docs", False),
        ("/openapi.json", False),
    ],
)
def test_public_paths(path: str, public: bool) -> None:
    assert is_public(path) is public
