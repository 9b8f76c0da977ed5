"""Hypothesis profiles for the property-based tests under tests/unit.

``voxray`` (the default) is bounded and reproducible: a fixed number of examples, a
deadline per example, derandomized generation and no example database, so every run,
local or CI, explores the same inputs in a few seconds.  ``HYPOTHESIS_PROFILE=thorough``
explores far more (random, still without a database) when hunting for new findings.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

settings.register_profile(
    "voxray",
    max_examples=200,
    deadline=timedelta(milliseconds=1000),
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=5000,
    deadline=timedelta(milliseconds=2000),
    derandomize=False,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "voxray"))
