"""Schema truth: our CRDs vs the pydantic models and examples; our children vs KubeRay's CRDs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.operator.schema.kuberay_schema import kuberay_dir
from tests.operator.unit.support import REPO_ROOT


@pytest.fixture(scope="session")
def kuberay_schemas() -> Path:
    folder = kuberay_dir(REPO_ROOT)
    if not (folder / "ray.io_rayservices.yaml").is_file():
        pytest.skip(
            f"KubeRay CRD schemas not found at {folder} (shared/schemas/kuberay beside the repository)"
        )
    return folder
