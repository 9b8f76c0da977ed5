"""The built-in ``voxray`` subcommands (``voxray_runtime.cli`` assembles the parser), and the helper the
packages' own commands (batch, generate, eval) add themselves with."""

from __future__ import annotations

import argparse
from typing import Any


def add_command(subparsers: Any, name: str, *, help: str, description: str | None) -> argparse.ArgumentParser:
    """A ``voxray NAME`` subparser whose ``--help`` shows ``description`` as written (a module's
    docstring, typically)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    return parser
