"""PURE status derivation: conditions, phases and counts from KubeRay's own status. No I/O.

Every function takes the previous status (a plain dict as stored on the object, camelCase) and ``now``,
and returns the full new status dict; handlers write it only when :func:`status_changed` says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from voxray_runtime.batch.progress import Progress
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

Status = dict[str, Any]
Event = tuple[str, str, str]  # (type Normal|Warning, reason, message)


def set_condition(
    conditions: list[dict[str, Any]] | None,
    type: str,  # noqa: A002 - the metav1 field name
    status: str,
    reason: str,
    message: str,
    generation: int | None,
    now: datetime,
) -> list[dict[str, Any]]:
    raise NotImplementedError


def voicemodel_status_from_rayservice(
    rayservice: dict[str, Any] | None,
    *,
    generation: int | None,
    spec: VoiceModelSpec,
    previous: Status | None,
    now: datetime,
) -> Status:
    raise NotImplementedError


def speechbatch_status_from_rayjob(
    rayjob: dict[str, Any] | None,
    *,
    generation: int | None,
    progress: Progress | None,
    previous: Status | None,
    now: datetime,
    spec: SpeechBatchSpec | None = None,
) -> Status:
    raise NotImplementedError


def validation_failed_status(
    kind: Literal["VoiceModel", "SpeechBatch"],
    *,
    field: str,
    message: str,
    generation: int | None,
    previous: Status | None,
    now: datetime,
) -> Status:
    raise NotImplementedError


def status_changed(old: Status | None, new: Status | None) -> bool:
    raise NotImplementedError


def transition_events(old: Status | None, new: Status | None) -> list[Event]:
    raise NotImplementedError
