"""``voxray retention``: sweep an output directory once (the rules: ``storage/retention.py``)."""

from __future__ import annotations

import argparse
import os
import sys

from voxray_runtime.commands import add_command
from voxray_runtime.storage import retention
from voxray_runtime.storage.expiry import MIN_TTL_S, parse_duration
from voxray_runtime.storage.sweep import sweep


def cmd_retention(args: argparse.Namespace) -> int:
    """Sweep once; prints what was (or would be) deleted and a summary line. Exit 2 on bad arguments."""
    try:
        ttl = parse_duration(args.ttl)
        if ttl < MIN_TTL_S:
            raise ValueError(f"--ttl must be at least {MIN_TTL_S:g} s")
        from voxray_runtime.storage.location import ObjectPrefix, parse_location

        if isinstance(parse_location(args.output_dir, field="--output-dir"), ObjectPrefix):
            raise ValueError("--output-dir: an object store expires objects by the bucket's lifecycle rule")
        report = sweep(args.output_dir, ttl, under=args.under, dry_run=args.dry_run)
    except ValueError as exc:  # UnsafePathError (a bad --under) included
        print(f"voxray retention: {exc}", file=sys.stderr)
        return 2
    verb = "would delete" if args.dry_run else "deleted"
    for name in report.deleted:
        print(f"{verb} {name}")
    for name in report.removed_dirs:
        print(f"removed empty directory {name}")
    for reason, count in sorted(report.kept_reasons.items()):
        print(f"kept {count}: {reason}")
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    print(report.line())
    return 1 if report.errors else 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``retention`` subcommand to the voxray CLI."""
    p = add_command(
        subparsers,
        "retention",
        help="delete generated audio older than a TTL from an output directory",
        description=retention.__doc__,
    )
    p.add_argument(
        "--output-dir",
        default=os.environ.get("VOXRAY_OUTPUT_DIR", "audio-output"),
        help="the output directory (default: $VOXRAY_OUTPUT_DIR or audio-output)",
    )
    p.add_argument("--ttl", required=True, help="age after which files are deleted: 3600, 90m, 24h, 7d")
    p.add_argument("--under", default=None, help="sweep only this sub-directory (e.g. speech)")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    p.set_defaults(func=cmd_retention)
