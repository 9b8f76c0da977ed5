"""One multi-node Ray cluster for this package: a head and two worker nodes, each its own raylet on this
machine (``ray start``), 1 CPU each, with custom resources ``vxr-head``, ``vxr-w1``, ``vxr-w2``.

The tests drive it only through subprocesses (``voxray batch --address``, ``voxray serve --address``),
as a user would: this pytest process never joins it, so it can coexist with the single-node session
Ray of tests/conftest.py (one ``ray.init`` per process). Every wait is bounded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .raynodes import RayNodes

WORKERS = ("w1", "w2")

ESPEAK_MODEL = """\
apiVersion: voxray.io/v1alpha1
kind: VoiceModel
metadata:
  name: espeak
spec:
  engine: espeak
  resources:
    cpu: 0.05
"""


@pytest.fixture(scope="package")
def nodes() -> Iterator[RayNodes]:
    cluster = RayNodes()
    try:
        cluster.add("head", head=True)
        for name in WORKERS:
            cluster.add(name)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def whole(nodes: RayNodes) -> Iterator[RayNodes]:
    """The cluster with every node up before and after the test (a node a test killed is started again)."""
    yield nodes
    for name in WORKERS:
        if nodes.nodes[name].raylet() is None:
            nodes.restart(name)


@pytest.fixture(scope="package")
def espeak_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("models") / "espeak.yaml"
    path.write_text(ESPEAK_MODEL, encoding="utf-8")
    return path
