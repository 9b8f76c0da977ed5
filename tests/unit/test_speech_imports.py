"""The speech job runs anywhere: the speech package and the API that builds its jobs import no Ray
(the Serve deployment wraps them; batch, evaluation and benchmarks use them in plain processes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "module",
    [
        "voxray_runtime.speech.job",
        "voxray_runtime.speech.assembly",
        "voxray_runtime.speech.worker",
        "voxray_runtime.speech.sessions",
        "voxray_runtime.speech.layout",
        "voxray_runtime.api.app",
    ],
)
def test_module_imports_no_ray(module: str) -> None:
    code = (
        f"import sys, {module}; print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'ray')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, check=True
    )
    assert proc.stdout.strip() == ""
