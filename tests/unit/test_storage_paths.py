"""Output paths: one resolver for every writer; names never leave the output directory, files are 0640."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from voxray_runtime.storage.atomic import DIR_MODE, FILE_MODE, atomic_write_bytes
from voxray_runtime.storage.naming import NamingError
from voxray_runtime.storage.paths import (
    SymlinkEscapeError,
    UnsafePathError,
    check_output_name,
    resolve_output_path,
    write_output,
)


@pytest.mark.parametrize(
    "name",
    [
        "post_01_female_en-US.mp3",
        "speech/2026-11-21/female_en-GB-0a1b2c3d4e5f.mp3",
        "en-GB/post 01.mp3",
        "عربي/ملف.mp3",
        "x" * 251 + ".mp3",
        "/".join(["d"] * 16) + "/f.mp3",
        "console.mp3",
        "nullable.wav",
    ],
)
def test_safe_names_pass_unchanged(name: str) -> None:
    assert check_output_name(name) == name


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("/etc/passwd", "absolute"),
        ("../escape.mp3", "'..'"),
        ("a/../../escape.mp3", "'..'"),
        ("a/./b.mp3", "'.'"),
        ("a//b.mp3", "empty"),
        ("dir/", "empty"),
        (".hidden.mp3", "hidden"),
        (".post.mp3.0a1b2c3d.tmp", "hidden"),
        ("nul\x00.mp3", "forbidden"),
        ("line\nbreak.mp3", "forbidden"),
        ("bell\x07.mp3", "forbidden"),
        ("del\x7f.mp3", "forbidden"),
        ("back\\slash.mp3", "forbidden"),
        ("C:/windows.mp3", "refuse"),
        ("what?.mp3", "refuse"),
        ("pipe|.mp3", "refuse"),
        ("CON", "reserved"),
        ("nul.mp3", "reserved"),
        ("sub/Com1.txt.mp3", "reserved"),
        ("LPT9.wav", "reserved"),
        ("trailing.", "ending with '.'"),
        ("x" * 256, "longer than 255"),
        ("é" * 128 + ".mp3", "longer than 255"),
        ("/".join(["d" * 200] * 6), "longer than 1024"),
        ("/".join(["d"] * 17) + "/f.mp3", "deeper"),
        (" lead.mp3", "spaces"),
    ],
)
def test_unsafe_names_are_refused(name: str, why: str) -> None:
    with pytest.raises(UnsafePathError, match=why):
        check_output_name(name)


def test_unsafe_is_a_naming_error() -> None:
    assert issubclass(UnsafePathError, NamingError)
    assert issubclass(UnsafePathError, ValueError)


def test_resolves_inside_the_output_dir(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert resolve_output_path(out, "a/b.mp3") == (out / "a" / "b.mp3").resolve()
    assert not out.exists()  # resolving creates nothing


def test_symlink_inside_pointing_outside_is_an_escape(tmp_path: Path) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "link").symlink_to(outside, target_is_directory=True)
    (out / "file.mp3").symlink_to(outside / "victim.mp3")
    with pytest.raises(SymlinkEscapeError, match="outside the output directory"):
        resolve_output_path(out, "link/x.mp3")
    with pytest.raises(SymlinkEscapeError, match="outside the output directory"):
        resolve_output_path(out, "file.mp3")
    with pytest.raises(UnsafePathError):
        write_output(out, "link/x.mp3", b"data")
    assert list(outside.iterdir()) == []


def test_symlink_inside_pointing_inside_is_fine(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "real").mkdir(parents=True)
    (out / "alias").symlink_to(out / "real", target_is_directory=True)
    assert resolve_output_path(out, "alias/x.mp3") == (out / "real" / "x.mp3").resolve()


def test_output_dir_that_is_itself_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "volume"
    real.mkdir()
    out = tmp_path / "audio-output"
    out.symlink_to(real, target_is_directory=True)
    path = write_output(out, "speech/x.mp3", b"ID3")
    assert path == real.resolve() / "speech" / "x.mp3"
    assert (real / "speech" / "x.mp3").read_bytes() == b"ID3"
    # and an escape from a symlinked output dir is still an escape
    (real / "up").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(UnsafePathError):
        resolve_output_path(out, "up/x.mp3")


def test_a_name_that_resolves_to_the_root_itself_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "self").symlink_to(out, target_is_directory=True)
    with pytest.raises(UnsafePathError):
        resolve_output_path(out, "self")


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_modes_do_not_depend_on_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        path = write_output(tmp_path / "out", "a/b/c.mp3", b"x" * 100)
        atomic_write_bytes(path, b"again")  # a replacement keeps the mode
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == FILE_MODE == 0o640
    for d in (tmp_path / "out", tmp_path / "out" / "a", tmp_path / "out" / "a" / "b"):
        assert stat.S_IMODE(d.stat().st_mode) == DIR_MODE == 0o750


def test_existing_directories_keep_their_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o775)
    os.chmod(shared, 0o775)
    write_output(shared, "x.mp3", b"1")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o775


def test_write_through_a_dangling_symlink_destination_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "x.mp3").symlink_to(tmp_path / "not-yet")
    with pytest.raises(UnsafePathError):
        write_output(out, "x.mp3", b"1")
    assert not (tmp_path / "not-yet").exists()
