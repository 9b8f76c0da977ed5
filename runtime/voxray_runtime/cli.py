"""The ``voxray`` command line: serve, voices, batch, and plugins (``render`` from the operator package).

Subcommands beyond the built-in ones come from the ``voxray.cli`` entry point group: each entry point
is a ``register(subparsers)`` function. That keeps the runtime free of operator imports. The built-in
commands live in ``voxray_runtime.commands`` (serve, voices) and in their packages (batch, generate,
retention, eval).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Sequence

from voxray_runtime.commands.serve import add_serve_arguments, cmd_serve
from voxray_runtime.commands.voices import cmd_voices
from voxray_runtime.spec.documents import SpecError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voxray", description="Multilingual text-to-speech on Ray.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="start local Ray and the Serve app (OpenAI-compatible speech API)")
    add_serve_arguments(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("voices", help="print the voice table: every avatar and the voice it resolves to")
    p.add_argument(
        "-f", "--file", action="append", help="VoiceModel YAML (repeatable); default: bundled models"
    )
    p.set_defaults(func=cmd_voices)

    try:
        from voxray_runtime.batch.cli import register as register_batch

        register_batch(sub)
    except ImportError:  # the batch driver needs the runtime extra; serve/voices stay usable
        pass
    from voxray_runtime.generation.cli import register as register_generate

    register_generate(sub)
    from voxray_runtime.commands.retention import register as register_retention

    register_retention(sub)
    from voxray_runtime.evaluation.cli import register as register_eval

    register_eval(sub)
    for ep in importlib.metadata.entry_points(group="voxray.cli"):
        try:
            ep.load()(sub)
        except ImportError:  # the plugin's extra is not installed
            continue
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SpecError as exc:
        print(f"voxray {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
