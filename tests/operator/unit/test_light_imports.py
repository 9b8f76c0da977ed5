"""The operator's pure layers (and the runtime modules they read) stay light: no ray, numpy, torch, kopf or
Kubernetes client."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.operator.unit.support import REPO_ROOT
from voxray_operator.builders import workload

HEAVY = ("ray", "numpy", "torch", "onnxruntime", "kopf", "kubernetes_asyncio", "kubernetes")


@pytest.mark.parametrize(
    "module",
    [
        "voxray_operator.api",
        "voxray_operator.builders",
        "voxray_operator.status",
        "voxray_operator.status.batch",
        "voxray_operator.builders.textservice",
        "voxray_operator.builders.generate",
        "voxray_operator.builders.serveconfig",
        "voxray_operator.builders.workload",
        "voxray_runtime.serve.options",
        "voxray_operator.cli",
        "voxray_operator.crdgen",
        "voxray_operator.config",
    ],
)
def test_module_imports_nothing_heavy(module: str) -> None:
    code = (
        f"import sys, {module}; "
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}); "
        "print(','.join(heavy))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO_ROOT, check=True
    )
    assert proc.stdout.strip() == ""


def test_runtime_environment_names_match_the_runtime() -> None:
    weights = pytest.importorskip("voxray_runtime.engines.weights")
    assert workload.ENV_CACHE_DIR == weights.ENV_CACHE_DIR
    assert workload.ENV_PVC_MOUNT == weights.ENV_PVC_MOUNT
    assert str(weights.DEFAULT_PVC_MOUNT) == workload.MODELS_MOUNT


def test_batch_input_dir_matches_the_runtime() -> None:
    items = pytest.importorskip("voxray_runtime.batch.items")
    from voxray_operator.builders import rayjob

    assert "VOXRAY_BATCH_INPUT_DIR" in rayjob._runtime_env("speechbatch:tts/b")
    assert items.configmap_path("posts", "k").parts[-2:] == ("posts", "k")


def test_batch_audit_names_match_the_runtime() -> None:
    audit = pytest.importorskip("voxray_runtime.batch.audit")
    from voxray_operator.builders import rayjob

    assert rayjob.ACTOR_ENV == audit.ACTOR_ENV
    actor = rayjob.batch_actor("posts", "tts")
    assert audit.batch_actor("posts", "tts", env={audit.ACTOR_ENV: actor}) == "speechbatch:tts/posts"
