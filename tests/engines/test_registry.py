"""load_engine dispatch and the license table."""

from __future__ import annotations

import subprocess
import sys
from typing import get_args

from voxray_runtime.engines import ENGINE_LICENSES, Engine, load_engine
from voxray_runtime.spec.voicemodel import Engine as EngineName
from voxray_runtime.spec.voicemodel import VoiceModelSpec


def test_every_engine_has_a_license() -> None:
    assert set(ENGINE_LICENSES) == set(get_args(EngineName))
    assert all(ENGINE_LICENSES.values())


def test_load_engine_returns_an_engine() -> None:
    engine = load_engine(VoiceModelSpec(engine="espeak"))
    assert isinstance(engine, Engine)
    assert engine.info.name == "espeak"


def test_importing_the_package_loads_no_engine_runtime() -> None:
    """Engine modules load on demand: an espeak-only replica never pays for onnxruntime or torch."""
    code = (
        "import sys, voxray_runtime.engines\n"
        "print(sorted(m for m in ('onnxruntime', 'torch', 'transformers', 'piper') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
