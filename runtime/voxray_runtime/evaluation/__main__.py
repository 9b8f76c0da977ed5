"""``python -m voxray_runtime.evaluation``: the same as ``voxray eval``."""

from __future__ import annotations

import argparse
import sys

from voxray_runtime.evaluation.cli import add_arguments, cmd_eval


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m voxray_runtime.evaluation", description=__doc__)
    add_arguments(parser)
    return cmd_eval(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
