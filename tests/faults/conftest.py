"""Fixtures of the fault tests. The Prometheus-unreachable test drives the real operator (kopf) against the
API server emulator: its fixtures (``cluster``, ``dashboard``, ``kuberay``, ``operator``) are the operator
integration suite's, loaded from tests/operator/integration rather than copied."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_INTEGRATION = Path(__file__).resolve().parent.parent / "operator" / "integration"
if str(_INTEGRATION) not in sys.path:
    sys.path.insert(0, str(_INTEGRATION))  # its conftest imports opkit and kubesim as top-level modules
_spec = importlib.util.spec_from_file_location(
    "voxray_operator_integration_fixtures", _INTEGRATION / "conftest.py"
)
assert _spec is not None
assert _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

cluster = _fixtures.cluster
dashboard = _fixtures.dashboard
kuberay = _fixtures.kuberay
operator = _fixtures.operator
