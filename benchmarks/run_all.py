"""`make bench`: every benchmark, one after another; each writes benchmarks/results/<name>.{json,md}."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "bench_runtime.py",
    "bench_kokoro_peer.py",
    "bench_batch.py",
    "bench_batch_steps.py",
    "bench_operator.py",
    "bench_load.py",
    "bench_admission.py",
    "bench_playground.py",
    "bench_text.py",
    "bench_generation.py",
    "bench_transcription.py",
]


def main() -> int:
    only = set(filter(None, os.environ.get("BENCH", "").split(",")))
    failed = []
    for name in BENCHES:
        if only and name.removeprefix("bench_").removesuffix(".py") not in only:
            continue
        path = HERE / name
        if not path.exists():
            continue
        print(f"== {name}", flush=True)
        if subprocess.call([sys.executable, str(path)]) != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
