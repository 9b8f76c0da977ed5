"""Atomic writes: whole file or old file, never a partial one; stray temp files are cleaned."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voxray_runtime.storage import atomic
from voxray_runtime.storage.atomic import atomic_write_bytes, clean_temp_files, is_temp_name, temp_name_for


def test_writes_creates_parents_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "x.mp3"
    atomic_write_bytes(target, b"one")
    assert target.read_bytes() == b"one"
    atomic_write_bytes(target, b"two" * 1000)
    assert target.read_bytes() == b"two" * 1000
    assert [p.name for p in target.parent.iterdir()] == ["x.mp3"]


def test_failure_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.mp3"
    atomic_write_bytes(target, b"old")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.mp3"]


def test_temp_names_are_hidden_siblings(tmp_path: Path) -> None:
    tmp = temp_name_for(tmp_path / "post_01_female_en-US.mp3")
    assert tmp.parent == tmp_path
    assert tmp.name.startswith(".post_01_female_en-US.mp3.")
    assert is_temp_name(tmp.name)


@pytest.mark.parametrize(
    ("name", "is_temp"),
    [
        (".post_01.mp3.0a1b2c3d.tmp", True),
        ("post_01.mp3", False),
        (".post_01.mp3.tmp", False),
        (".post_01.mp3.nothex00.tmp", False),
        ("post_01.mp3.0a1b2c3d.tmp", False),
    ],
)
def test_is_temp_name(name: str, is_temp: bool) -> None:
    assert is_temp_name(name) is is_temp


def test_clean_removes_only_temp_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    keep = [tmp_path / "a.mp3", tmp_path / "sub" / "b.mp3", tmp_path / "notes.tmp"]
    stray = [tmp_path / ".a.mp3.0123abcd.tmp", tmp_path / "sub" / ".b.mp3.deadbeef.tmp"]
    for p in keep + stray:
        p.write_bytes(b"x")
    removed = clean_temp_files(tmp_path)
    assert sorted(removed) == sorted(stray)
    assert all(p.exists() for p in keep)
    assert not any(p.exists() for p in stray)
    assert clean_temp_files(tmp_path / "missing") == []


def test_written_file_is_durable_bytes(tmp_path: Path) -> None:
    data = os.urandom(1 << 20)
    atomic_write_bytes(tmp_path / "big.bin", data)
    assert (tmp_path / "big.bin").read_bytes() == data
