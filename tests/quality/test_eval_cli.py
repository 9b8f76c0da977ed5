"""``voxray eval`` refuses bad arguments before loading any engine or checker (exit status 2)."""

from __future__ import annotations

import pytest

from voxray_runtime.cli import build_parser, main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "--avatars", "female_xx"], "unknown avatar"),
        (["eval", "--sections", "avatars,bogus"], "unknown section bogus"),
        (["eval", "--sentences", "v999"], "no evaluation sentence set"),
    ],
)
def test_bad_arguments_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_defaults() -> None:
    args = build_parser().parse_args(["eval"])
    assert (args.avatars, args.sections, args.sentences, args.quick, args.threads) == (
        None,
        None,
        "v1",
        False,
        2,
    )
