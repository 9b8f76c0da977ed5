"""The ``batch`` subcommand's arguments (pure: nothing runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from voxray_runtime.batch.cli import register, run_batch


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voxray")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_register_adds_batch_with_its_options() -> None:
    argv = "batch -f b.yaml --limit 3 --out o --address 127.0.0.1:6379 --concurrency 2 -m a.yaml b.yaml"
    args = _parser().parse_args([*argv.split(), "--models", "c.yaml"])
    assert args.func is run_batch
    assert (args.file, args.limit, args.out, args.address, args.concurrency) == (
        Path("b.yaml"),
        3,
        "o",  # a URI, parsed by the batch (storage.location), not a Path
        "127.0.0.1:6379",
        2,
    )
    assert args.models == [Path("a.yaml"), Path("b.yaml"), Path("c.yaml")]
    assert (args.design, args.progress, args.threads, args.cpus) == ("actors", "auto", None, None)
    assert _parser().parse_args(["batch", "-f", "b.yaml", "--cpus", "1.5"]).cpus == 1.5


def test_file_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["batch"])
    assert "-f/--file" in capsys.readouterr().err


def test_example_spec_is_valid_and_plans_1800_files(repo_root: Path, tmp_path: Path) -> None:
    from voxray_runtime.batch.cli import load_speechbatch
    from voxray_runtime.batch.plan import build_plan
    from voxray_runtime.models import default_models

    name, spec = load_speechbatch(repo_root / "examples" / "speechbatch-hospitality.yaml")
    assert name == "hospitality-posts"
    assert (spec.output.path, spec.output.format, spec.output.bitrate_kbps) == ("audio-output", "mp3", 64)
    plan = build_plan(spec, models=default_models(), output_dir=tmp_path)
    assert len(plan.work) == 1800
    assert plan.work[0].name == "post_01_female_en-US.mp3"
    assert plan.work[-1].name == "post_100_male_ur.mp3"
    assert len(build_plan(spec, models=default_models(), output_dir=tmp_path, limit=5).work) == 90
