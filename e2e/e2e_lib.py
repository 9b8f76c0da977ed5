"""Helpers of the e2e suite: kubectl against the kind cluster, polling."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "e2e" / "kind.sh"
CLUSTER = os.environ.get("CLUSTER_NAME", "voxray-e2e")
CONTEXT = f"kind-{CLUSTER}"
NAMESPACE = "voxray-e2e"
OPERATOR_NAMESPACE = "voxray-system"


def kubectl(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["kubectl", "--context", CONTEXT, *args], capture_output=True, text=True, check=False, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def get(kind: str, name: str, namespace: str = NAMESPACE) -> dict[str, Any] | None:
    result = kubectl("-n", namespace, "get", kind, name, "-o", "json", check=False)
    if result.returncode != 0:
        if "NotFound" in result.stderr:
            return None
        raise AssertionError(result.stderr)
    data = json.loads(result.stdout)
    return data if isinstance(data, dict) else None


def wait_for(what: str, predicate: Callable[[], Any], timeout: float, interval: float = 3.0) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
