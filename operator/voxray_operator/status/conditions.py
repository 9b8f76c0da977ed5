"""PURE: the condition vocabulary of voxray's kinds and the one setter that writes a condition. No I/O.

Every condition type and reason the operator writes is a member of :class:`ConditionType` or
:class:`Reason` (KubeRay's ``setCondition`` habit: typed types and reasons, one setter that stamps
``observedGeneration`` and keeps ``lastTransitionTime`` while the status stays the same). Reasons that
come from elsewhere pass through as they are: KubeRay's own (a RayJob's ``status.reason``) and the
builders' (``SecretNotFound``, ``TextModelNotFound``...).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

#: a status as stored on the object (camelCase, plain JSON values)
Status = dict[str, Any]


class ConditionType(StrEnum):
    """The condition types of VoiceModel, TextModel (the first six) and SpeechBatch (the last eight)."""

    READY = "Ready"
    PROGRESSING = "Progressing"
    DEGRADED = "Degraded"
    SCALING_ACTIVE = "ScalingActive"
    VALIDATION_FAILED = "ValidationFailed"
    CREDENTIALS_READY = "CredentialsReady"
    RUNNING = "Running"
    COMPLETE = "Complete"
    FAILED = "Failed"
    TEXT_MODEL_READY = "TextModelReady"
    #: a queued batch (spec.queueName): whether Kueue admitted its RayJob
    ADMITTED = "Admitted"
    #: a batch whose files are checked by speech recognition (spec.quality.check): whether all passed
    QUALITY_CHECKED = "QualityChecked"
    #: a Lexicon: whether its entries are valid (it has no children)
    VALID = "Valid"


#: the condition types each kind carries
SERVED_CONDITIONS = (
    ConditionType.READY,
    ConditionType.PROGRESSING,
    ConditionType.DEGRADED,
    ConditionType.VALIDATION_FAILED,
    ConditionType.SCALING_ACTIVE,
    ConditionType.CREDENTIALS_READY,
)
BATCH_CONDITIONS = (
    ConditionType.RUNNING,
    ConditionType.COMPLETE,
    ConditionType.FAILED,
    ConditionType.VALIDATION_FAILED,
    ConditionType.CREDENTIALS_READY,
    ConditionType.TEXT_MODEL_READY,
    ConditionType.ADMITTED,
    ConditionType.QUALITY_CHECKED,
)

LEXICON_CONDITIONS = (ConditionType.VALID,)


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"

    @classmethod
    def of(cls, value: bool) -> ConditionStatus:
        return cls.TRUE if value else cls.FALSE


class Reason(StrEnum):
    """The reasons the operator itself writes into conditions (and phase events)."""

    # every kind
    SPEC_VALID = "SpecValid"
    INVALID_SPEC = "InvalidSpec"
    # VoiceModel / TextModel: Ready, Progressing, Degraded
    RAYSERVICE_PENDING = "RayServicePending"
    CREATING = "Creating"
    AS_EXPECTED = "AsExpected"
    SERVING = "Serving"
    DEPLOYING = "Deploying"
    DEPLOYED = "Deployed"
    DEPLOY_FAILED = "DeployFailed"
    INITIALIZING_TIMEOUT = "InitializingTimeout"
    UNHEALTHY = "Unhealthy"
    NOT_READY = "NotReady"
    UPGRADING = "Upgrading"
    UPGRADE_FAILING = "UpgradeFailing"
    ROLLING_BACK = "RollingBack"
    RECONCILING = "Reconciling"
    # CredentialsReady
    AUTH_DISABLED = "AuthDisabled"
    GENERATED_API_KEY = "GeneratedApiKey"
    CREDENTIALS_CONFIGURED = "CredentialsConfigured"
    CREDENTIALS_NOT_READY = "CredentialsNotReady"
    AUDIT_KEY_MOUNTED = "AuditKeyMounted"
    VOICEMODEL_AUDIT_KEY = "VoiceModelAuditKey"
    RANDOM_AUDIT_KEY = "RandomAuditKey"
    # ScalingActive: the scaling policy's decisions (voxray_operator.scaling.policy), then the scaler's own
    SCALE_UP = "ScaleUp"
    SCALE_DOWN = "ScaleDown"
    WITHIN_TOLERANCE = "WithinTolerance"
    STEADY = "Steady"
    STABILIZING = "Stabilizing"
    AT_MAX = "AtMaxReplicas"
    AT_MIN = "AtMinReplicas"
    BELOW_MIN = "BelowMinReplicas"
    ABOVE_MAX = "AboveMaxReplicas"
    METRICS_UNAVAILABLE = "MetricsUnavailable"
    SCALING_BLOCKED = "ScalingBlocked"
    VALID_METRIC_FOUND = "ValidMetricFound"
    SCALING_INACTIVE = "ScalingInactive"
    # SpeechBatch: Running, Complete, Failed
    RAYJOB_PENDING = "RayJobPending"
    STARTING = "Starting"
    RUNNING = "Running"
    SUSPENDED = "Suspended"
    RETRYING = "Retrying"
    SUCCEEDED = "Succeeded"
    STOPPED = "Stopped"
    JOB_FAILED = "JobFailed"
    KUBERAY_VALIDATION_FAILED = "KubeRayValidationFailed"
    NOT_FINISHED = "NotFinished"
    NO_FAILURE = "NoFailure"
    # SpeechBatch: Admitted (Kueue), and the Queued phase
    QUEUED = "Queued"
    ADMITTED = "Admitted"
    REQUEUED = "Requeued"
    # SpeechBatch: QualityChecked
    QUALITY_PASSED = "QualityPassed"
    QUALITY_FAILED = "QualityFailed"
    QUALITY_PENDING = "QualityPending"
    # SpeechBatch: TextModelReady
    TEXT_MODEL_READY = "TextModelReady"
    # Lexicon: Valid; VoiceModel / SpeechBatch naming a Lexicon that is not there (or not valid)
    VALID = "Valid"
    INVALID = "Invalid"
    LEXICON_NOT_FOUND = "LexiconNotFound"


def timestamp(now: datetime) -> str:
    """RFC 3339 in UTC with seconds, as metav1.Time serialises (``2026-01-02T03:04:05Z``)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def get_condition(conditions: Iterable[Any] | None, type_: str) -> dict[str, Any] | None:
    for cond in conditions or []:
        if isinstance(cond, dict) and cond.get("type") == type_:
            return cond
    return None


def condition_is(conditions: Iterable[Any] | None, type_: str, status: ConditionStatus) -> bool:
    return (get_condition(conditions, type_) or {}).get("status") == status


def set_condition(
    conditions: list[dict[str, Any]] | None,
    type: ConditionType,
    status: ConditionStatus,
    reason: str,
    message: str,
    generation: int | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """A new list with condition ``type`` set; ``lastTransitionTime`` kept when ``status`` is unchanged.

    Stamps ``observedGeneration`` (when given). Other conditions are kept as they are, in their order;
    a new type is appended. ``reason`` is a :class:`Reason` or one passed through from elsewhere.
    """
    if status not in tuple(ConditionStatus):
        raise ValueError(f"condition status must be True, False or Unknown (got {status!r})")
    old = get_condition(conditions, type)
    changed = old is None or old.get("status") != status
    new: dict[str, Any] = {
        "type": str(type),
        "status": str(status),
        "reason": str(reason),
        "message": message,
        "lastTransitionTime": timestamp(now),
    }
    if not changed and old is not None and old.get("lastTransitionTime"):
        new["lastTransitionTime"] = old["lastTransitionTime"]
    if generation is not None:
        new["observedGeneration"] = generation
    out: list[dict[str, Any]] = []
    placed = False
    for cond in conditions or []:
        if isinstance(cond, dict) and cond.get("type") == type:
            if not placed:
                out.append(new)
                placed = True
            continue
        out.append(dict(cond))
    if not placed:
        out.append(new)
    return out


class Conditions:
    """The conditions of one status being derived: every :meth:`set` for the same generation and time."""

    def __init__(self, previous: Status | None, *, generation: int | None, now: datetime) -> None:
        prev = (previous or {}).get("conditions") or []
        self.items: list[dict[str, Any]] = [dict(c) for c in prev if isinstance(c, dict)]
        self.generation = generation
        self.now = now

    def set(self, type_: ConditionType, value: bool | ConditionStatus, reason: str, message: str) -> None:
        status = ConditionStatus.of(value) if isinstance(value, bool) else value
        self.items = set_condition(self.items, type_, status, reason, message, self.generation, self.now)

    def get(self, type_: ConditionType) -> dict[str, Any] | None:
        return get_condition(self.items, type_)


def with_condition(
    previous: Status | None,
    type_: ConditionType,
    value: bool,
    reason: str,
    message: str,
    *,
    generation: int | None,
    now: datetime,
) -> Status:
    """A copy of ``previous`` with one condition set (the other fields as they are)."""
    out = dict(previous or {})
    out["conditions"] = set_condition(
        out.get("conditions"), type_, ConditionStatus.of(value), reason, message, generation, now
    )
    return out
