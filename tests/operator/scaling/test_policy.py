"""Table tests of the pure scaling policy (HPA semantics: tolerance, stabilisation, steps, bounds, zero)."""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from voxray_operator.scaling.policy import (
    Decision,
    Recommendation,
    ScalingConfig,
    ScalingHistory,
    ScalingInput,
    decide,
)
from voxray_operator.status import Reason
from voxray_runtime.spec.voicemodel import VoiceModelSpec

NOW = 1_000_000.0


def cfg(**kw: Any) -> ScalingConfig:
    base: dict[str, Any] = {
        "min_replicas": 1,
        "max_replicas": 10,
        "target_utilization": 0.8,
        "tolerance": 0.1,
        "scale_up_stabilization_seconds": 0,
        "scale_down_stabilization_seconds": 0,
        "max_scale_up_step": 4,
        "max_scale_down_step": 1,
    }
    base.update(kw)
    return ScalingConfig(**base)


def hist(*recs: tuple[float, int], zero_since: float | None = None) -> ScalingHistory:
    """Recommendations given as (seconds ago, replicas)."""
    return ScalingHistory(tuple(Recommendation(NOW - ago, n) for ago, n in recs), zero_since)


@dataclass(frozen=True)
class Case:
    id: str
    current: int
    util: float | None
    want: int
    reason: str
    config: ScalingConfig = field(default_factory=cfg)
    history: ScalingHistory = field(default_factory=ScalingHistory)
    message_has: str = ""


CASES = [
    # tolerance band
    Case("at-target", 4, 0.8, 4, Reason.WITHIN_TOLERANCE),
    Case("band-upper-edge", 4, 0.88, 4, Reason.WITHIN_TOLERANCE),
    Case("band-lower-edge", 4, 0.72, 4, Reason.WITHIN_TOLERANCE),
    Case("just-above-band", 4, 0.89, 5, Reason.SCALE_UP),
    Case("tolerance-zero", 4, 0.81, 5, Reason.SCALE_UP, cfg(tolerance=0)),
    Case("other-target", 3, 0.5, 3, Reason.WITHIN_TOLERANCE, cfg(target_utilization=0.5)),
    # scale up, step limits, max
    Case("full-load", 4, 1.0, 5, Reason.SCALE_UP),
    Case("double-load", 4, 1.6, 8, Reason.SCALE_UP),
    Case("huge-load-step-limited", 4, 4.0, 8, Reason.SCALE_UP, message_has="step limit 4"),
    Case("small-up-step", 4, 1.6, 6, Reason.SCALE_UP, cfg(max_scale_up_step=2)),
    Case("clamped-by-max", 8, 1.6, 10, Reason.SCALE_UP, message_has="replicas.max 10"),
    Case("at-max", 10, 1.0, 10, Reason.AT_MAX),
    Case("max-one", 1, 2.0, 1, Reason.AT_MAX, cfg(max_replicas=1)),
    # scale down, step limits, min
    Case("down-one-step", 4, 0.4, 3, Reason.SCALE_DOWN, message_has="step limit 1"),
    Case("down-bigger-step", 4, 0.4, 2, Reason.SCALE_DOWN, cfg(max_scale_down_step=3)),
    Case("at-min", 2, 0.1, 2, Reason.AT_MIN, cfg(min_replicas=2)),
    Case("low-load-one-replica", 1, 0.1, 1, Reason.STEADY),
    Case("zero-load-min-one", 1, 0.0, 1, Reason.AT_MIN),
    Case("negative-sample-is-zero", 4, -0.5, 3, Reason.SCALE_DOWN),
    # bounds enforced first, even without metrics
    Case("below-min-no-metrics", 0, None, 2, Reason.BELOW_MIN, cfg(min_replicas=2)),
    Case("below-min-with-load", 1, 2.0, 3, Reason.BELOW_MIN, cfg(min_replicas=3)),
    Case("above-max", 12, 0.1, 10, Reason.ABOVE_MAX),
    Case("above-max-no-metrics", 12, None, 10, Reason.ABOVE_MAX),
    # missing metrics hold
    Case("no-metrics-hold", 3, None, 3, Reason.METRICS_UNAVAILABLE),
    Case("nan-is-missing", 3, float("nan"), 3, Reason.METRICS_UNAVAILABLE),
    Case("inf-is-missing", 3, float("inf"), 3, Reason.METRICS_UNAVAILABLE),
    # zero replicas
    Case("zero-allowed-no-window", 1, 0.0, 0, Reason.SCALE_DOWN, cfg(min_replicas=0)),
    Case(
        "zero-needs-whole-window",
        1,
        0.0,
        1,
        Reason.AT_MIN,
        cfg(min_replicas=0, scale_down_stabilization_seconds=300),
        hist((100, 0), zero_since=NOW - 200),
    ),
    Case(
        "zero-after-whole-window",
        1,
        0.0,
        0,
        Reason.SCALE_DOWN,
        cfg(min_replicas=0, scale_down_stabilization_seconds=300),
        hist((290, 0), (100, 0), zero_since=NOW - 300),
    ),
    Case(
        "zero-blocked-by-window-recommendation",
        1,
        0.0,
        1,
        Reason.STABILIZING,
        cfg(min_replicas=0, scale_down_stabilization_seconds=300),
        hist((100, 1), zero_since=NOW - 400),
    ),
    Case("zero-min-but-load", 2, 0.2, 1, Reason.SCALE_DOWN, cfg(min_replicas=0)),
    Case("at-zero-no-metrics", 0, None, 0, Reason.METRICS_UNAVAILABLE, cfg(min_replicas=0)),
    Case("at-zero-idle", 0, 0.0, 0, Reason.STEADY, cfg(min_replicas=0)),
    Case("at-zero-wakes", 0, 0.5, 1, Reason.SCALE_UP, cfg(min_replicas=0)),
    # stabilisation windows (HPA: lowest in the up window, highest in the down window)
    Case(
        "up-held-by-window",
        4,
        1.6,
        4,
        Reason.STABILIZING,
        cfg(scale_up_stabilization_seconds=60),
        hist((30, 4)),
    ),
    Case(
        "up-partially-held",
        4,
        1.6,
        6,
        Reason.SCALE_UP,
        cfg(scale_up_stabilization_seconds=60),
        hist((30, 6), (10, 7)),
        message_has="stabilised from 8",
    ),
    Case(
        "up-window-expired",
        4,
        1.6,
        8,
        Reason.SCALE_UP,
        cfg(scale_up_stabilization_seconds=60),
        hist((61, 4)),
    ),
    Case(
        "down-held-by-window",
        6,
        0.4,
        6,
        Reason.STABILIZING,
        cfg(scale_down_stabilization_seconds=300),
        hist((100, 6)),
    ),
    Case(
        "down-window-expired",
        6,
        0.4,
        5,
        Reason.SCALE_DOWN,
        cfg(scale_down_stabilization_seconds=300),
        hist((301, 6)),
    ),
    Case(
        "down-to-highest-in-window",
        6,
        0.4,
        5,
        Reason.SCALE_DOWN,
        cfg(scale_down_stabilization_seconds=300, max_scale_down_step=3),
        hist((100, 5), (50, 4)),
        message_has="stabilised from 3",
    ),
    Case(
        "down-window-ignores-up-history",
        6,
        0.4,
        5,
        Reason.SCALE_DOWN,
        cfg(scale_up_stabilization_seconds=600, scale_down_stabilization_seconds=60),
        hist((300, 8)),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_decision_table(case: Case) -> None:
    d = decide(
        ScalingInput(case.current, case.util, NOW, case.config, case.history, metrics_reason="no data")
    )
    assert (d.desired, d.reason) == (case.want, case.reason), d.message
    assert d.current == case.current
    assert case.message_has in d.message
    assert d.direction == (
        "up" if d.desired > case.current else "down" if d.desired < case.current else "none"
    )


def test_missing_metrics_records_nothing_and_says_why() -> None:
    h = hist((10, 3))
    d = decide(
        ScalingInput(3, None, NOW, cfg(scale_up_stabilization_seconds=60), h, metrics_reason="timeout")
    )
    assert d.history.recommendations == h.recommendations
    assert "timeout" in d.message
    assert d.recommendation is None


def test_missing_sample_breaks_a_zero_run() -> None:
    c = cfg(min_replicas=0, scale_down_stabilization_seconds=60)
    d = decide(ScalingInput(1, None, NOW, c, hist(zero_since=NOW - 1000)))
    assert d.history.zero_since is None
    d2 = decide(ScalingInput(1, 0.0, NOW + 10, c, d.history))
    assert d2.desired == 1  # the run starts again: a whole window of zeros is needed
    assert d2.history.zero_since == NOW + 10


def test_positive_sample_breaks_a_zero_run() -> None:
    c = cfg(min_replicas=0)
    d = decide(ScalingInput(1, 0.3, NOW, c, hist(zero_since=NOW - 1000)))
    assert d.history.zero_since is None


def test_history_round_trips_through_json() -> None:
    c = cfg(scale_down_stabilization_seconds=300)
    d = decide(ScalingInput(4, 0.4, NOW, c, hist((100, 6), (20, 5), zero_since=NOW - 5)))
    text = json.dumps(d.history.to_json())
    assert ScalingHistory.from_json(json.loads(text)) == d.history


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "x",
        3,
        [],
        {},
        {"v": 99, "r": [[1, 2]]},
        {"v": 1, "r": "nope"},
        {"v": 1, "r": [[1, "a"], [1], "x"]},
    ],
)
def test_unreadable_history_is_empty(garbage: object) -> None:
    h = ScalingHistory.from_json(garbage)
    assert h.recommendations == ()
    assert h.zero_since is None


def test_history_keeps_valid_entries_of_a_partly_bad_document() -> None:
    h = ScalingHistory.from_json({"v": 1, "r": [[5.0, 2], [1, -1], [6, True], [7, 3]], "z": "x"})
    assert [(r.at, r.replicas) for r in h.recommendations] == [(5.0, 2), (7.0, 3)]


def test_history_stays_small() -> None:
    """Newest timestamp per distinct value: at most max+1 entries whatever the run length."""
    c = cfg(max_replicas=6, scale_up_stabilization_seconds=3600, scale_down_stabilization_seconds=3600)
    rng = random.Random(7)
    h = ScalingHistory()
    cur = 3
    for i in range(2000):
        d = decide(ScalingInput(cur, rng.uniform(0, 2), NOW + i * 5, c, h))
        h, cur = d.history, d.desired
    assert len(h.recommendations) <= c.max_replicas + 1


def test_old_recommendations_are_pruned() -> None:
    c = cfg(scale_up_stabilization_seconds=60, scale_down_stabilization_seconds=120)
    d = decide(ScalingInput(4, 0.8, NOW, c, hist((500, 9), (119, 7))))
    assert {r.replicas for r in d.history.recommendations} == {7, 4}


def run_series(c: ScalingConfig, utils: list[float | None], start: int, step_s: float) -> list[Decision]:
    h = ScalingHistory()
    cur = start
    out = []
    for i, u in enumerate(utils):
        d = decide(ScalingInput(cur, u, NOW + i * step_s, c, h))
        out.append(d)
        h, cur = d.history, d.desired
    return out


def test_oscillating_load_does_not_flap() -> None:
    """Load swinging around the target every 30 s: HPA's windows damp it to (almost) no changes."""
    c = cfg(scale_up_stabilization_seconds=60, scale_down_stabilization_seconds=300)
    utils: list[float | None] = [1.2 if i % 2 else 0.5 for i in range(60)]
    decisions = run_series(c, utils, start=4, step_s=30)
    changes = [d for d in decisions if d.changed]
    assert len(changes) <= 1
    assert all(d.direction != "down" for d in decisions)


def test_no_direction_reversal_inside_the_down_window() -> None:
    c = cfg(scale_up_stabilization_seconds=30, scale_down_stabilization_seconds=120, max_scale_down_step=2)
    rng = random.Random(11)
    utils: list[float | None] = [rng.choice([0.2, 0.8, 1.4]) for _ in range(200)]
    decisions = run_series(c, utils, start=4, step_s=15)
    last_up: float | None = None
    for i, d in enumerate(decisions):
        t = NOW + i * 15
        if d.direction == "up":
            last_up = t
        if d.direction == "down" and last_up is not None:
            assert t - last_up >= 120, "scaled down within the down window of a scale-up"


def test_sustained_load_scales_up_fast_and_down_slowly() -> None:
    c = cfg(scale_up_stabilization_seconds=30, scale_down_stabilization_seconds=120, max_replicas=8)
    high = [1.6] * 10
    low = [0.2] * 40
    decisions = run_series(c, [*high, *low], start=1, step_s=10)
    replicas = [d.desired for d in decisions]
    # up: held by the 30 s window, then doubling while the load stays
    assert replicas[:4] == [1, 1, 1, 2]
    assert max(replicas) == 8
    # down: the 120 s window holds first, then one step per evaluation to the floor
    first_low = len(high)
    assert replicas[first_low + 10] == replicas[first_low - 1] == 8
    assert replicas[first_low + 11] == 7
    assert replicas[-1] == 1
    downs = [b - a for a, b in itertools.pairwise(replicas) if b < a]
    assert all(x == -1 for x in downs)


def test_fuzz_bounds_and_steps_hold() -> None:
    rng = random.Random(3)
    for _ in range(3000):
        lo = rng.randint(0, 4)
        hi = rng.randint(max(lo, 1), 12)
        c = cfg(
            min_replicas=lo,
            max_replicas=hi,
            tolerance=rng.choice([0, 0.05, 0.1, 0.3]),
            max_scale_up_step=rng.randint(1, 5),
            max_scale_down_step=rng.randint(1, 5),
            scale_up_stabilization_seconds=rng.choice([0, 30]),
            scale_down_stabilization_seconds=rng.choice([0, 60]),
        )
        cur = rng.randint(lo, hi)
        util = rng.choice([None, 0.0, rng.uniform(0, 3)])
        h = hist(*[(rng.uniform(0, 90), rng.randint(0, hi)) for _ in range(rng.randint(0, 4))])
        d = decide(ScalingInput(cur, util, NOW, c, h))
        assert lo <= d.desired <= hi or (d.desired == 0 and lo == 0)
        if d.desired == 0 and cur > 0:
            assert util == 0.0
        assert -c.max_scale_down_step <= d.desired - cur <= c.max_scale_up_step


def test_config_from_voicemodel_spec() -> None:
    spec = VoiceModelSpec.model_validate(
        {
            "engine": "kokoro",
            "replicas": {"min": 2, "max": 6},
            "autoscaling": {
                "enabled": True,
                "targetUtilization": 0.7,
                "tolerance": 0.05,
                "scaleUpStabilizationSeconds": 10,
                "scaleDownStabilizationSeconds": 20,
                "maxScaleUpStep": 3,
                "maxScaleDownStep": 2,
            },
        }
    )
    assert ScalingConfig.from_spec(spec) == ScalingConfig(2, 6, 0.7, 0.05, 10, 20, 3, 2)


@pytest.mark.parametrize(
    "bad",
    [
        {"min_replicas": 3, "max_replicas": 2},
        {"target_utilization": 0},
        {"tolerance": -0.1},
        {"max_scale_up_step": 0},
        {"scale_down_stabilization_seconds": -1},
    ],
)
def test_config_rejects_nonsense(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"."):
        cfg(**bad)
