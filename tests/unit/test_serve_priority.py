"""Engine replicas' CPU priority (voxray_runtime.serve.priority): nothing changes unless asked."""

from __future__ import annotations

import os

import pytest

from voxray_runtime.serve.priority import ENGINE_NICENESS_ENV, lower_engine_priority


@pytest.mark.parametrize(
    "environ", [{}, {ENGINE_NICENESS_ENV: "0"}, {ENGINE_NICENESS_ENV: "-3"}, {ENGINE_NICENESS_ENV: "x"}]
)
def test_nothing_changes_unless_a_positive_step_is_set(environ: dict[str, str]) -> None:
    before = os.getpriority(os.PRIO_PROCESS, 0)
    assert lower_engine_priority(environ) == 0
    assert os.getpriority(os.PRIO_PROCESS, 0) == before
