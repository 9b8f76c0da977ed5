"""set_condition, status_changed, transition_events, scaling_status: the metav1 habits."""

from __future__ import annotations

from typing import Any

import pytest

from tests.operator.unit.support import LATER, NOW
from voxray_operator.status import (
    scaling_status,
    set_condition,
    status_changed,
    timestamp,
    transition_events,
)

T0 = "2026-03-01T12:00:00Z"
T1 = "2026-03-01T12:05:00Z"


def test_timestamp_is_rfc3339_utc() -> None:
    assert timestamp(NOW) == T0


def test_a_new_condition_is_appended_with_now() -> None:
    out = set_condition(None, "Ready", "False", "Deploying", "starting", 3, NOW)
    assert out == [
        {
            "type": "Ready",
            "status": "False",
            "reason": "Deploying",
            "message": "starting",
            "lastTransitionTime": T0,
            "observedGeneration": 3,
        }
    ]


@pytest.mark.parametrize(
    ("old_status", "new_status", "time"),
    [("False", "False", T0), ("False", "True", T1), ("True", "Unknown", T1)],
)
def test_transition_time_moves_only_when_status_changes(old_status: str, new_status: str, time: str) -> None:
    first = set_condition([], "Ready", old_status, "A", "a", 1, NOW)
    second = set_condition(first, "Ready", new_status, "B", "b", 2, LATER)
    assert second[0]["lastTransitionTime"] == time
    assert (second[0]["reason"], second[0]["message"], second[0]["observedGeneration"]) == ("B", "b", 2)


def test_other_conditions_keep_their_place_and_the_input_is_untouched() -> None:
    conds = set_condition(None, "Ready", "False", "A", "", 1, NOW)
    conds = set_condition(conds, "Progressing", "True", "B", "", 1, NOW)
    before = [dict(c) for c in conds]
    out = set_condition(conds, "Ready", "True", "C", "", 1, LATER)
    assert [c["type"] for c in out] == ["Ready", "Progressing"]
    assert conds == before


def test_generation_is_optional_and_status_is_checked() -> None:
    assert "observedGeneration" not in set_condition(None, "Ready", "True", "R", "", None, NOW)[0]
    with pytest.raises(ValueError, match="True, False or Unknown"):
        set_condition(None, "Ready", "yes", "R", "", 1, NOW)


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        (None, {}, False),
        ({"phase": "Ready"}, {"phase": "Ready"}, False),
        ({"phase": "Ready"}, {"phase": "Degraded"}, True),
        (
            {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": T0}]},
            {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": T1}]},
            False,
        ),
        (
            {"lastScaling": {"from": 1, "to": 2, "time": T0}},
            {"lastScaling": {"from": 1, "to": 2, "time": T1}},
            False,
        ),
        ({"lastScaling": {"from": 1, "to": 2}}, {"lastScaling": {"from": 2, "to": 3}}, True),
        ({"counts": {"done": 1}}, {"counts": {"done": 2}}, True),
        ({"finishTime": None}, {"finishTime": T1}, True),
    ],
)
def test_status_changed_ignores_timestamps_only(
    old: dict[str, Any] | None, new: dict[str, Any], changed: bool
) -> None:
    assert status_changed(old, new) is changed


@pytest.mark.parametrize(
    ("old", "new", "events"),
    [
        ({}, {"phase": "Pending", "message": "waiting"}, [("Normal", "Pending", "waiting")]),
        ({"phase": "Pending"}, {"phase": "Pending"}, []),
        (
            {"phase": "Ready"},
            {"phase": "Degraded", "message": "x is UNHEALTHY"},
            [("Warning", "Degraded", "x is UNHEALTHY")],
        ),
        ({"phase": "Running"}, {"phase": "Failed"}, [("Warning", "Failed", "phase Failed")]),
        (
            {"phase": "Pending"},
            {"phase": "ValidationFailed", "message": "spec.x: bad"},
            [("Warning", "ValidationFailed", "spec.x: bad")],
        ),
        (
            {"phase": "Running"},
            {"phase": "Succeeded", "message": "6/6 files done"},
            [("Normal", "Succeeded", "6/6 files done")],
        ),
    ],
)
def test_transition_events_for_phases(
    old: dict[str, Any], new: dict[str, Any], events: list[tuple[str, str, str]]
) -> None:
    assert transition_events(old, new) == events


def test_scaling_records_the_change_and_its_event() -> None:
    prev = {"phase": "Ready", "replicas": {"desired": 2, "current": 2, "min": 1, "max": 8}}
    out = scaling_status(
        prev,
        generation=4,
        now=NOW,
        active=True,
        reason="ScaledUp",
        message="utilisation above target",
        from_replicas=2,
        to_replicas=4,
        utilization=0.93,
    )
    assert out["lastScaling"] == {
        "time": T0,
        "from": 2,
        "to": 4,
        "utilization": 0.93,
        "reason": "utilisation above target",
    }
    assert out["replicas"]["desired"] == 4
    assert out["conditions"][0]["type"] == "ScalingActive"
    assert out["conditions"][0]["status"] == "True"
    assert transition_events(prev, out) == [
        ("Normal", "Scaled", "replicas 2 -> 4 at utilisation 0.93: utilisation above target")
    ]
    assert prev == {"phase": "Ready", "replicas": {"desired": 2, "current": 2, "min": 1, "max": 8}}


def test_scaling_hold_sets_the_condition_only() -> None:
    prev = {"phase": "Ready", "lastScaling": {"time": T0, "from": 1, "to": 2, "reason": "up"}}
    out = scaling_status(
        prev,
        generation=4,
        now=LATER,
        active=False,
        reason="MetricsUnavailable",
        message="Prometheus did not answer",
        from_replicas=2,
        to_replicas=2,
    )
    assert out["lastScaling"] == prev["lastScaling"]
    assert out["conditions"][0]["status"] == "False"
    assert transition_events(prev, out) == [("Warning", "MetricsUnavailable", "Prometheus did not answer")]
    again = scaling_status(
        out, generation=4, now=LATER, active=False, reason="MetricsUnavailable", message="x"
    )
    assert transition_events(out, again) == []
