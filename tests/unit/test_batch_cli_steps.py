"""The named steps of ``voxray batch`` that need no Ray: flag checks, and the exit status and message
of a run stopped by an interruption or a known error."""

from __future__ import annotations

import argparse

import pytest

from voxray_runtime.batch.cli import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    add_arguments,
    check_flags,
    stopped_status,
)
from voxray_runtime.batch.raypool import WorkerStartError
from voxray_runtime.generation.client import TextModelError
from voxray_runtime.storage.paths import UnsafePathError


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["-f", "batch.yaml", *argv])


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        ((), None),
        (("--concurrency", "2", "--threads", "1", "--cpus", "0.5"), None),
        (("--concurrency", "0"), "--concurrency must be positive"),
        (("--threads", "-1"), "--threads must be positive"),
        (("--cpus", "0"), "--cpus must be positive"),
    ],
)
def test_check_flags(argv: tuple[str, ...], problem: str | None) -> None:
    assert check_flags(_args(*argv)) == problem


@pytest.mark.parametrize(
    ("exc", "status", "said"),
    [
        (KeyboardInterrupt(), EXIT_INTERRUPTED, "interrupted: rerun the same command to resume"),
        (TextModelError("down"), EXIT_FAILED, "error: the TextModel failed: down; rerun"),
        (WorkerStartError("no CPUs"), EXIT_FAILED, "error: no CPUs; rerun the same command to resume"),
        (UnsafePathError("a/../b"), EXIT_FAILED, "error: unsafe output path: a/../b"),
    ],
)
def test_stopped_status(
    exc: BaseException, status: int, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stopped_status(exc) == status
    assert said in capsys.readouterr().err


def test_stopped_status_raises_what_it_does_not_know() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        stopped_status(RuntimeError("boom"))
