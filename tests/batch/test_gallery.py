"""The gallery reads batch runs back from a real output directory, and nothing outside it: traversal in
run ids and file names, symlinked runs, files and summaries that lead outside are all refused."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.gallery import GalleryError, find_runs, read_run, run_file
from voxray_runtime.storage.retention import BATCH_MARKER


def entry(name: str, model: str = "kokoro", **extra: Any) -> dict[str, Any]:
    return {"name": name, "model": model, "avatar": "female_en-GB", "index": 1, "id": "post_01", **extra}


def make_run(directory: Path, entries: list[dict[str, Any]], summary: dict[str, Any] | None = None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(e) + "\n" for e in entries)
    (directory / "manifest.jsonl").write_text(lines + '{"name": "half a li', encoding="utf-8")
    for e in entries:
        (directory / e["name"]).parent.mkdir(parents=True, exist_ok=True)
        (directory / e["name"]).write_bytes(b"ID3" + e["name"].encode())
    if summary is not None:
        (directory / "summary.json").write_text(json.dumps(summary), encoding="utf-8")


@pytest.fixture
def out(tmp_path: Path) -> Path:
    root = tmp_path / "audio-output"
    make_run(
        root,
        [entry("post_01_female_en-GB.mp3"), entry("post_01_male_ar-EG.mp3", "espeak")],
        {"total": 2, "failed": 0, "missing": 0, "batch": {"models": ["kokoro", "espeak"]}, "failures": []},
    )
    make_run(root / "hotel", [entry("a.mp3"), entry("sub/b.mp3", "espeak")])
    (root / "speech" / "2026-01-01").mkdir(parents=True)
    (root / "speech" / "2026-01-01" / "x.mp3").write_bytes(b"ID3")
    (root / "speech" / "manifest.jsonl").write_text(json.dumps(entry("x.mp3")) + "\n")
    return root


def test_runs_are_found_and_read(out: Path) -> None:
    runs = {r.id: r for r in find_runs(out)}
    assert set(runs) == {".", "hotel"}  # stored speech is no batch run
    root = runs["."]
    assert root.state == "complete"
    assert sorted(root.entries) == ["post_01_female_en-GB.mp3", "post_01_male_ar-EG.mp3"]
    assert root.models == ["kokoro", "espeak"]
    assert runs["hotel"].state == "interrupted"  # a manifest without summary or live driver
    assert runs["hotel"].models == ["espeak", "kokoro"]


def test_a_caller_sees_the_runs_of_its_models(out: Path) -> None:
    make_run(out / "piper-only", [entry("p.mp3", "piper-joe")])
    assert {r.id for r in find_runs(out, frozenset({"piper-joe"}))} == {"piper-only"}
    assert {r.id for r in find_runs(out, frozenset({"espeak"}))} == {".", "hotel"}
    path, kind = run_file(out, "hotel", "sub/b.mp3", frozenset({"espeak"}))
    assert path == (out / "hotel" / "sub" / "b.mp3").resolve()
    assert kind == "audio/mpeg"
    with pytest.raises(GalleryError) as info:
        run_file(out, "hotel", "a.mp3", frozenset({"espeak"}))  # kokoro's file
    assert info.value.status == 404


def test_a_running_batch_shows_its_progress(out: Path) -> None:
    progress = {"total": 10, "done": 3, "failed": 0}
    (out / "hotel" / BATCH_MARKER).write_text(json.dumps({"pid": 1, "progress": progress}))
    run = read_run(out, "hotel")
    assert run is not None
    assert run.state == "running"
    assert run.marker is not None
    assert run.marker["progress"] == progress
    old = time.time() - 3600
    os.utime(out / "hotel" / BATCH_MARKER, (old, old))
    assert read_run(out, "hotel").state == "interrupted"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("run", "name", "status", "field"),
    [
        ("hotel", "../post_01_female_en-GB.mp3", 400, "name"),
        ("hotel", "/etc/passwd", 400, "name"),
        ("hotel", "sub/../../summary.json", 400, "name"),
        ("hotel", "manifest.jsonl", 400, "name"),  # not audio
        ("..", "a.mp3", 400, "run"),
        ("hotel/..", "a.mp3", 400, "run"),
        ("hotel", "c.mp3", 404, None),  # not in the manifest
        ("speech", "x.mp3", 404, None),  # stored speech is not a run
        ("nothing", "a.mp3", 404, None),
    ],
)
def test_traversal_and_unlisted_files_are_refused(
    out: Path, run: str, name: str, status: int, field: str | None
) -> None:
    with pytest.raises(GalleryError) as info:
        run_file(out, run, name, None)
    assert (info.value.status, info.value.field) == (status, field), info.value.detail


def test_symlinks_out_of_the_output_directory_are_never_followed(out: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    make_run(secret, [entry("leak.mp3")], {"total": 1, "failed": 0, "batch": {"models": ["kokoro"]}})
    (secret / "passwd.mp3").write_bytes(b"root:x:0:0")
    # a symlinked run directory: not listed, not readable
    (out / "linked").symlink_to(secret, target_is_directory=True)
    assert "linked" not in {r.id for r in find_runs(out)}
    assert read_run(out, "linked") is None
    with pytest.raises(GalleryError) as info:
        run_file(out, "linked", "leak.mp3", None)
    assert info.value.status == 404
    # a listed file that is a symlink leading outside
    make_run(out / "trap", [entry("passwd.mp3")])
    (out / "trap" / "passwd.mp3").unlink()
    (out / "trap" / "passwd.mp3").symlink_to(secret / "passwd.mp3")
    with pytest.raises(GalleryError) as info:
        run_file(out, "trap", "passwd.mp3", None)
    assert info.value.status == 404
    # a summary that is a symlink to a file outside is not read
    (out / "trap" / "summary.json").symlink_to(secret / "summary.json")
    trap = read_run(out, "trap")
    assert trap is not None
    assert trap.summary is None
    # a symlinked output directory itself is fine: the resolved root is the boundary
    alias = tmp_path / "alias"
    alias.symlink_to(out, target_is_directory=True)
    assert {r.id for r in find_runs(alias)} >= {".", "hotel"}
    assert run_file(alias, ".", "post_01_female_en-GB.mp3", None)[0].read_bytes().startswith(b"ID3")


def test_the_driver_marker_carries_progress_the_gallery_reads(out: Path) -> None:
    from voxray_runtime.batch.report import Counters, Reporter
    from voxray_runtime.storage.retention import BatchMarker

    counters = Counters(total=4)
    with BatchMarker(out / "hotel", manifest="manifest.jsonl") as marker:
        reporter = Reporter(counters, mode="none", on_progress=marker.progress)
        counters.rendered_audio["a.mp3"] = 1.5
        reporter.update(force=True)
        run = read_run(out, "hotel")
        assert run is not None
        assert run.state == "running"
        assert run.marker is not None
        assert (run.marker["progress"]["total"], run.marker["progress"]["done"]) == (4, 1)
    assert read_run(out, "hotel").state == "interrupted"  # type: ignore[union-attr]
