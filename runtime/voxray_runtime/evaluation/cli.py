"""``voxray eval``: synthesize the evaluation sentences, check them, write quality.{md,json}.

Exit status: 0 when the report was written, 2 for bad arguments or missing checker packages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from voxray_runtime.evaluation.corpus import DEFAULT_VERSION, CorpusError, load_sentence_set

#: sentences per language in a --quick run
QUICK_SENTENCES = 2


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--avatars",
        default=None,
        help="comma-separated avatars (female_en-US,male_ar-EG...); default: all 18",
    )
    p.add_argument(
        "--sections",
        default=None,
        help="comma-separated sections: avatars, controls, fallback, quantization (default: all)",
    )
    p.add_argument("--sentences", default=DEFAULT_VERSION, help="sentence set version (default: %(default)s)")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"only the first {QUICK_SENTENCES} sentences per language (a smoke run, not report figures)",
    )
    p.add_argument("--threads", type=int, default=2, help="threads for engines and checkers (default 2)")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("quality-report"),
        help="folder for quality.md and quality.json (default: %(default)s)",
    )


def cmd_eval(args: argparse.Namespace) -> int:
    from voxray_runtime.evaluation import report, runner
    from voxray_runtime.evaluation.checkers import CheckerUnavailableError
    from voxray_runtime.voices import ALL_AVATARS, VoiceError, parse_avatar

    try:
        sentences = load_sentence_set(args.sentences)
        avatars = (
            [parse_avatar(a) for a in args.avatars.split(",") if a.strip()] if args.avatars else ALL_AVATARS
        )
        sections = [s.strip() for s in args.sections.split(",")] if args.sections else list(runner.SECTIONS)
    except (CorpusError, VoiceError) as exc:
        print(f"voxray eval: {exc}", file=sys.stderr)
        return 2
    unknown = [s for s in sections if s not in runner.SECTIONS]
    if unknown:
        print(
            f"voxray eval: unknown section {', '.join(unknown)}; sections: {', '.join(runner.SECTIONS)}",
            file=sys.stderr,
        )
        return 2
    if args.quick:
        sentences = sentences.head(QUICK_SENTENCES)
    opts = runner.Options(sentences, avatars, sections, threads=args.threads, quick=args.quick)
    try:
        data: dict[str, Any] = runner.run(opts)
    except CheckerUnavailableError as exc:
        print(f"voxray eval: {exc}", file=sys.stderr)
        return 2
    md, js = report.write(args.out, data)
    print(f"report: {md} and {js}")
    return 0


def register(sub: Any) -> None:
    """Add ``eval`` to the ``voxray`` subcommands."""
    p = sub.add_parser(
        "eval", help="speech quality: Whisper round trip, pitch, speaker similarity, quantization"
    )
    add_arguments(p)
    p.set_defaults(func=cmd_eval)
