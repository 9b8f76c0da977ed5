"""Retention: the pure policy table-tested, then the sweeper and ``voxray retention`` on real files."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from voxray_runtime.cli import main as voxray
from voxray_runtime.storage.retention import (
    BATCH_MARKER,
    BatchMarker,
    Entry,
    decide,
    default_interval,
    parse_duration,
    run_forever,
    sweep,
    sweep_stored_speech,
)

NOW = 1_000_000.0
TTL = 3600.0
OLD = NOW - 2 * TTL
NEW = NOW - 60


@pytest.mark.parametrize(
    ("entry", "action", "why"),
    [
        (Entry("a.mp3", "file", OLD), "delete", "expired"),
        (Entry("a.mp3", "file", NEW), "keep", "younger"),
        (Entry("a.mp3", "file", NOW - TTL), "delete", "expired"),  # exactly the TTL
        (Entry("a.mp3", "file", NOW + 30), "keep", "younger"),  # clock skew: a future mtime is young
        (Entry("speech/2026-11-20/x.WAV", "file", OLD), "delete", "expired"),
        (Entry("manifest.jsonl", "file", OLD), "delete", "expired"),
        (Entry("summary.json", "file", OLD), "delete", "expired"),
        (Entry(".a.mp3.0a1b2c3d.tmp", "file", NEW), "keep", "younger"),  # a write in flight
        (Entry(".a.mp3.0a1b2c3d.tmp", "file", OLD), "delete", "dead writer"),
        (Entry("notes.txt", "file", OLD), "keep", "not a file voxray writes"),
        (Entry(".bashrc", "file", OLD), "keep", "not a file voxray writes"),
        (Entry("link.mp3", "symlink", OLD), "keep", "symlink"),
        (Entry("fifo", "other", OLD), "keep", "not a regular file"),
        (Entry("speech/old", "dir", OLD), "delete", "if empty"),
        (Entry("speech/new", "dir", NEW), "keep", "younger"),
        (Entry(BATCH_MARKER, "file", OLD), "delete", "stale marker"),
    ],
)
def test_policy_single_entries(entry: Entry, action: str, why: str) -> None:
    [verdict] = decide([entry], now=NOW, ttl_s=TTL)
    assert (verdict.action, why in verdict.reason) == (action, True), verdict.reason


def test_a_running_batch_protects_its_directory_tree_only() -> None:
    entries = [
        Entry(f"batch/{BATCH_MARKER}", "file", NOW - 5),
        Entry("batch/manifest.jsonl", "file", OLD),
        Entry("batch/post_01_female_en-US.mp3", "file", OLD),
        Entry("batch/en/post_02.mp3", "file", OLD),
        Entry("batch/en", "dir", OLD),
        Entry("batch", "dir", OLD),
        Entry("other/x.mp3", "file", OLD),
        Entry("batch2/x.mp3", "file", OLD),  # a sibling whose name starts the same is not protected
    ]
    verdicts = {v.entry.name: v for v in decide(entries, now=NOW, ttl_s=TTL)}
    for name in (
        "batch/manifest.jsonl",
        "batch/post_01_female_en-US.mp3",
        "batch/en/post_02.mp3",
        "batch/en",
        "batch",
    ):
        assert verdicts[name].action == "keep", name
        assert "batch is running in batch" in verdicts[name].reason
    assert verdicts["other/x.mp3"].action == "delete"
    assert verdicts["batch2/x.mp3"].action == "delete"


def test_a_marker_in_the_root_protects_everything_and_a_stale_one_nothing() -> None:
    live = [Entry(BATCH_MARKER, "file", NOW - 1), Entry("a.mp3", "file", OLD), Entry("d/b.mp3", "file", OLD)]
    assert {v.action for v in decide(live, now=NOW, ttl_s=TTL)} == {"keep"}
    stale = [Entry(BATCH_MARKER, "file", OLD), Entry("a.mp3", "file", OLD)]
    assert {v.action for v in decide(stale, now=NOW, ttl_s=TTL)} == {"delete"}


def test_ttl_has_a_floor() -> None:
    with pytest.raises(ValueError, match="at least 60"):
        decide([], now=NOW, ttl_s=10)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3600", 3600),
        ("90s", 90),
        ("15m", 900),
        ("24h", 86400),
        ("7d", 604800),
        ("1w", 604800),
        ("1.5h", 5400),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "-5m", "24 hours", "1y", "1e3"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_default_interval_bounds() -> None:
    assert default_interval(60) == 30
    assert default_interval(86400) == 3600
    assert default_interval(3600) == 360


# ---- the sweeper on real files -------------------------------------------------------------------------
def _file(path: Path, age_s: float, data: bytes = b"ID3") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    t = time.time() - age_s
    os.utime(path, (t, t))
    return path


def _age(path: Path, age_s: float) -> None:
    t = time.time() - age_s
    os.utime(path, (t, t), follow_symlinks=False)


def test_sweep_deletes_expired_files_only_inside(tmp_path: Path) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    victim = _file(outside / "victim.mp3", 10 * TTL)
    old = _file(out / "speech" / "2026-11-20" / "old.mp3", 2 * TTL, b"x" * 10)
    new = _file(out / "speech" / "2026-11-21" / "new.mp3", 10)
    inflight = _file(out / "speech" / "2026-11-21" / ".new2.mp3.0a1b2c3d.tmp", 5)
    foreign = _file(out / "README.txt", 10 * TTL)
    (out / "escape").symlink_to(outside, target_is_directory=True)
    (out / "victim-link.mp3").symlink_to(victim)
    _age(out / "escape", 10 * TTL)
    _age(out / "speech" / "2026-11-20", 2 * TTL)

    dry = sweep(out, TTL, dry_run=True)
    assert dry.deleted == ["speech/2026-11-20/old.mp3"]
    assert old.exists()

    report = sweep(out, TTL)
    assert report.deleted == ["speech/2026-11-20/old.mp3"]
    assert report.deleted_bytes == 10
    assert not old.exists()
    assert new.exists()
    assert inflight.exists()
    assert foreign.exists()
    assert victim.exists()
    assert (out / "escape").is_symlink()
    assert (out / "victim-link.mp3").is_symlink()
    assert report.kept_reasons["symlink"] == 2
    # the emptied directory had a fresh mtime after the unlink: it goes once it is older than the TTL
    assert (out / "speech" / "2026-11-20").is_dir()
    _age(out / "speech" / "2026-11-20", 2 * TTL)
    assert sweep(out, TTL).removed_dirs == ["speech/2026-11-20"]
    assert out.is_dir()


def test_stored_speech_sweep_touches_only_speech(tmp_path: Path) -> None:
    batch_file = _file(tmp_path / "post_01_female_en-US.mp3", 2 * TTL)
    stored = _file(tmp_path / "speech" / "d" / "x.mp3", 2 * TTL)
    report = sweep_stored_speech(tmp_path, TTL)
    assert report.deleted == ["d/x.mp3"]
    assert batch_file.exists()
    assert not stored.exists()


def test_stored_speech_dir_that_is_a_symlink_out_is_refused(tmp_path: Path) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    victim = _file(outside / "x.mp3", 2 * TTL)
    (out / "speech").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ValueError, match="outside the output directory"):
        sweep_stored_speech(out, TTL)
    assert victim.exists()


def test_a_running_batch_marker_protects_its_files(tmp_path: Path) -> None:
    old = _file(tmp_path / "batch" / "post_01.mp3", 2 * TTL)
    manifest = _file(tmp_path / "batch" / "manifest.jsonl", 2 * TTL)
    with BatchMarker(tmp_path / "batch", refresh_s=0.05) as marker:
        _age(marker.path, 30)
        deadline = time.monotonic() + 10
        while time.time() - marker.path.stat().st_mtime > 5:  # the driver keeps it fresh
            assert time.monotonic() < deadline, "the marker was not refreshed"
            time.sleep(0.05)
        report = sweep(tmp_path, TTL)
        assert report.deleted == []
        assert old.exists()
        assert manifest.exists()
    assert not marker.path.exists()
    assert sorted(sweep(tmp_path, TTL).deleted) == ["batch/manifest.jsonl", "batch/post_01.mp3"]


def test_cli_dry_run_then_sweep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _file(tmp_path / "speech" / "old.mp3", 2 * 86400)
    assert voxray(["retention", "--output-dir", str(tmp_path), "--ttl", "24h", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would delete speech/old.mp3" in out
    assert old.exists()
    assert voxray(["retention", "--output-dir", str(tmp_path), "--ttl", "24h"]) == 0
    assert "deleted speech/old.mp3" in capsys.readouterr().out
    assert not old.exists()
    assert voxray(["retention", "--output-dir", str(tmp_path), "--ttl", "10s"]) == 2
    assert "at least 60" in capsys.readouterr().err


async def test_run_forever_sweeps_until_cancelled(tmp_path: Path) -> None:
    old = _file(tmp_path / "speech" / "old.mp3", 2 * TTL)
    task = asyncio.create_task(run_forever(tmp_path, TTL, interval_s=0.05))
    try:
        deadline = time.monotonic() + 10
        while old.exists():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_background_sweeper_thread(tmp_path: Path) -> None:
    from voxray_runtime.storage.retention import RetentionSweeper

    old = _file(tmp_path / "speech" / "old.mp3", 2 * TTL)
    young = _file(tmp_path / "speech" / "young.mp3", 1)
    batch = _file(tmp_path / "post_01.mp3", 2 * TTL)
    sweeper = RetentionSweeper(tmp_path, TTL, interval_s=0.05)
    try:
        deadline = time.monotonic() + 10
        while sweeper.sweeps < 2:
            assert time.monotonic() < deadline, "the sweeper did not run"
            time.sleep(0.02)
    finally:
        sweeper.stop()
    assert not old.exists()
    assert young.exists()
    assert batch.exists()  # outside speech/: not stored audio
    with pytest.raises(ValueError, match="at least 60"):
        RetentionSweeper(tmp_path, 5)


def test_sweep_logged_logs_an_error_and_returns_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from voxray_runtime.storage.sweep import check_ttl, sweep_logged

    with pytest.raises(ValueError, match="at least 60 s"):
        check_ttl(59)
    check_ttl(60)
    with caplog.at_level("ERROR", logger="voxray_runtime.storage.retention"):
        assert sweep_logged(tmp_path, 3600, under="../outside") is None
    assert "retention sweep of" in caplog.text
    report = sweep_logged(tmp_path, 3600, under=None)
    assert report is not None
    assert report.deleted == []
    assert not report.errors
