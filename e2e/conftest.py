"""Opt-in end-to-end suite on a real Kubernetes API server (kind): ``make e2e`` (VOXRAY_E2E=1).

Skipped, with the reason, unless VOXRAY_E2E=1 and docker (with a running engine), kind, kubectl and helm
are all there. The session creates the cluster through e2e/kind.sh and deletes it afterwards;
VOXRAY_E2E_KEEP=1 keeps it (and SKIP_BUILD=1 / a reused cluster makes the next run quick).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from e2e_lib import CLUSTER, CONTEXT, SCRIPT

TOOLS = ("docker", "kind", "kubectl", "helm")


def skip_reason() -> str | None:
    if os.environ.get("VOXRAY_E2E") != "1":
        return "e2e is opt-in: run `make e2e` (VOXRAY_E2E=1) where docker and kind work"
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"e2e needs {', '.join(TOOLS)}; missing: {', '.join(missing)}"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        return (
            "e2e needs a Docker engine; `docker info` failed: "
            + (info.stderr.strip().splitlines() or ["?"])[-1]
        )
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = skip_reason()
    for item in items:
        item.add_marker(pytest.mark.e2e)
        # building the images and starting Ray on kind take minutes: far beyond the unit-test timeout
        item.add_marker(pytest.mark.timeout(3600))
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def cluster() -> Iterator[str]:
    """The kind cluster with KubeRay, the chart and the metric stub installed; its kube context."""
    env = dict(os.environ, CLUSTER_NAME=CLUSTER)
    subprocess.run(["bash", str(SCRIPT), "up"], check=True, env=env, timeout=3600)
    try:
        yield CONTEXT
    finally:
        subprocess.run(["bash", str(SCRIPT), "logs"], check=False, env=env, timeout=300)
        if os.environ.get("VOXRAY_E2E_KEEP") != "1":
            subprocess.run(["bash", str(SCRIPT), "down"], check=False, env=env, timeout=600)
