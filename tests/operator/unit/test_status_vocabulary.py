"""One vocabulary: the StrEnums of status/ agree with the CRD's enums, and statuses hold plain strings."""

from __future__ import annotations

from typing import Any, get_args

import pytest
import yaml

from tests.operator.unit.support import LATER, NOW, SETTINGS
from voxray_operator import api
from voxray_operator.api.speechbatch import SpeechBatchPhase
from voxray_operator.api.voicemodel import VoiceModelPhase
from voxray_operator.builders import build_rayservice
from voxray_operator.status import (
    BATCH_CONDITIONS,
    SERVED_CONDITIONS,
    BatchPhase,
    ConditionStatus,
    ConditionType,
    Reason,
    ServedPhase,
    scaling_status,
    speechbatch_status_from_rayjob,
    transition_events,
    validation_failed_status,
    voicemodel_status_from_rayservice,
)
from voxray_operator.status.conditions import LEXICON_CONDITIONS, Conditions, condition_is
from voxray_runtime.spec.voicemodel import VoiceModelSpec

SPEC = VoiceModelSpec.model_validate({"engine": "espeak", "replicas": {"min": 1, "max": 3}})


def test_phases_are_the_crd_enums() -> None:
    assert [p.value for p in ServedPhase] == list(get_args(VoiceModelPhase))
    assert [p.value for p in BatchPhase] == list(get_args(SpeechBatchPhase))


def test_condition_types_per_kind_are_the_api_lists() -> None:
    assert set(SERVED_CONDITIONS) == set(api.VOICEMODEL_CONDITION_TYPES) == set(api.TEXTMODEL_CONDITION_TYPES)
    assert set(SERVED_CONDITIONS) == set(api.TRANSCRIPTIONMODEL_CONDITION_TYPES)
    assert set(BATCH_CONDITIONS) == set(api.SPEECHBATCH_CONDITION_TYPES)
    assert set(LEXICON_CONDITIONS) == set(api.LEXICON_CONDITION_TYPES)
    assert set(SERVED_CONDITIONS) | set(BATCH_CONDITIONS) | set(LEXICON_CONDITIONS) == set(ConditionType)


def test_reasons_are_camel_case_and_unique() -> None:
    values = [r.value for r in Reason]
    assert len(values) == len(set(values))
    assert all(v[0].isupper() and v.isalnum() for v in values)


def test_conditions_set_from_a_bool_and_keep_their_transition_time() -> None:
    conditions = Conditions(None, generation=2, now=NOW)
    conditions.set(ConditionType.READY, False, Reason.DEPLOYING, "starting")
    first = dict(conditions.items[0])
    later = Conditions({"conditions": conditions.items}, generation=3, now=LATER)
    later.set(ConditionType.READY, False, Reason.NOT_READY, "still starting")
    assert later.items[0]["lastTransitionTime"] == first["lastTransitionTime"]
    assert later.items[0]["observedGeneration"] == 3
    assert condition_is(later.items, ConditionType.READY, ConditionStatus.FALSE)
    later.set(ConditionType.READY, ConditionStatus.TRUE, Reason.SERVING, "")
    assert later.get(ConditionType.READY) == {
        "type": "Ready",
        "status": "True",
        "reason": "Serving",
        "message": "",
        "lastTransitionTime": "2026-03-01T12:05:00Z",
        "observedGeneration": 3,
    }


def _plain(value: Any) -> bool:
    """Only exact str/int/float/bool/None, lists and dicts: no enum leaks into what is written."""
    if isinstance(value, dict):
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


@pytest.mark.parametrize(
    "status",
    [
        voicemodel_status_from_rayservice(None, generation=1, spec=SPEC, previous=None, now=NOW),
        voicemodel_status_from_rayservice(
            build_rayservice("m", "ns", SPEC, SETTINGS), generation=1, spec=SPEC, previous=None, now=NOW
        ),
        speechbatch_status_from_rayjob(
            {
                "metadata": {"name": "b"},
                "status": {"jobDeploymentStatus": "Complete", "jobStatus": "SUCCEEDED"},
            },
            generation=1,
            progress=None,
            previous=None,
            now=NOW,
        ),
        validation_failed_status("TextModel", message="spec.x: bad", generation=1, previous=None, now=NOW),
        validation_failed_status(
            "TranscriptionModel", message="spec.x: bad", generation=1, previous=None, now=NOW
        ),
        scaling_status(
            None,
            generation=1,
            now=NOW,
            active=True,
            reason=Reason.SCALE_UP,
            message="up",
            from_replicas=1,
            to_replicas=2,
        ),
    ],
)
def test_statuses_hold_plain_json(status: dict[str, Any]) -> None:
    assert _plain(status)
    yaml.safe_dump(status)  # a StrEnum would not serialise here
    for event in transition_events(None, status):
        assert all(type(part) is str for part in event)
