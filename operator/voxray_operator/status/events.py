"""PURE: when a status is worth writing, and the Kubernetes Events its transitions deserve. No I/O."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from voxray_operator.status.batch import BatchPhase
from voxray_operator.status.conditions import ConditionStatus, ConditionType, Reason, Status, get_condition
from voxray_operator.status.served import ServedPhase

Event = tuple[str, str, str]  # (type Normal|Warning, reason, message)


class EventType(StrEnum):
    NORMAL = "Normal"
    WARNING = "Warning"


class EventReason(StrEnum):
    """Reasons of the Events the operator posts besides phase transitions (the phase is the reason)."""

    CREATED = "Created"
    UPDATED = "Updated"
    DRIFT_CORRECTED = "DriftCorrected"
    API_KEY_GENERATED = "ApiKeyGenerated"
    AUDIT_KEY_GENERATED = "AuditKeyGenerated"
    SPEC_CHANGE_IGNORED = "SpecChangeIgnored"
    SCALED = "Scaled"


#: keys left out when deciding whether a status changed
TIMESTAMP_KEYS = frozenset({"lastTransitionTime", "time"})
#: phases announced with a Warning
WARNING_PHASES = frozenset(
    {ServedPhase.DEGRADED, ServedPhase.FAILED, BatchPhase.FAILED, BatchPhase.VALIDATION_FAILED}
)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in TIMESTAMP_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def status_changed(old: Status | None, new: Status | None) -> bool:
    """Whether writing ``new`` over ``old`` changes anything but timestamps (transitions, scaling time)."""
    return bool(_strip(old or {}) != _strip(new or {}))


def _became_false(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    return (
        bool(new)
        and (new or {}).get("status") == ConditionStatus.FALSE
        and (old or {}).get("status") != ConditionStatus.FALSE
    )


def transition_events(old: Status | None, new: Status | None) -> list[Event]:
    """Kubernetes Events for what changed: phase transitions, scaling, credentials, scaling stops."""
    before = old or {}
    after = new or {}
    events: list[Event] = []
    phase = after.get("phase")
    if phase and phase != before.get("phase"):
        kind = EventType.WARNING if phase in WARNING_PHASES else EventType.NORMAL
        events.append((kind, str(phase), str(after.get("message") or f"phase {phase}")))
    scaling = after.get("lastScaling")
    if isinstance(scaling, dict) and scaling != before.get("lastScaling"):
        util = scaling.get("utilization")
        at = f" at utilisation {util:.2f}" if isinstance(util, int | float) else ""
        reason = f": {scaling['reason']}" if scaling.get("reason") else ""
        message = f"replicas {scaling.get('from')} -> {scaling.get('to')}{at}{reason}"
        events.append((EventType.NORMAL, EventReason.SCALED, message))
    old_creds = get_condition(before.get("conditions"), ConditionType.CREDENTIALS_READY)
    new_creds = get_condition(after.get("conditions"), ConditionType.CREDENTIALS_READY)
    if new_creds is not None and (
        _became_false(old_creds, new_creds)
        or (
            new_creds.get("status") == ConditionStatus.FALSE
            and (old_creds or {}).get("reason") != new_creds.get("reason")
        )
    ):
        reason = str(new_creds.get("reason") or Reason.CREDENTIALS_NOT_READY)
        events.append((EventType.WARNING, reason, str(new_creds.get("message"))))
    if (
        new_creds is not None
        and new_creds.get("reason") == Reason.AUTH_DISABLED
        and (old_creds or {}).get("reason") != Reason.AUTH_DISABLED
    ):
        events.append((EventType.WARNING, Reason.AUTH_DISABLED, str(new_creds.get("message"))))
    old_scaling = get_condition(before.get("conditions"), ConditionType.SCALING_ACTIVE)
    new_scaling = get_condition(after.get("conditions"), ConditionType.SCALING_ACTIVE)
    if _became_false(old_scaling, new_scaling):
        reason = str((new_scaling or {}).get("reason") or Reason.SCALING_INACTIVE)
        events.append((EventType.WARNING, reason, str((new_scaling or {}).get("message") or "")))
    return [(str(t), str(r), m) for t, r, m in events]
