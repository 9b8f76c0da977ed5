"""What status.py writes is what the CRD's status schema keeps (the API server prunes anything else)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from tests.operator.schema.kuberay_schema import crd_validator, errors
from tests.operator.unit.support import REPO_ROOT, SETTINGS
from voxray_operator.builders import build_rayservice
from voxray_operator.status import (
    scaling_status,
    speechbatch_status_from_rayjob,
    validation_failed_status,
    voicemodel_status_from_rayservice,
)
from voxray_runtime.batch.progress import Progress
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
VM = VoiceModelSpec.model_validate({"engine": "espeak", "replicas": {"min": 1, "max": 3}})
SB = SpeechBatchSpec.model_validate({"input": {"file": "x.jsonl"}, "variants": {"all": True}})


def crd(kind: str) -> Any:
    name = {"VoiceModel": "voxray.io_voicemodels.yaml", "SpeechBatch": "voxray.io_speechbatches.yaml"}[kind]
    return crd_validator(yaml.safe_load((REPO_ROOT / "crds" / name).read_text(encoding="utf-8")), "v1alpha1")


def voicemodel_statuses() -> list[dict[str, Any]]:
    rs = build_rayservice("m", "tts", VM, SETTINGS)
    rs["status"] = {
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "NonZeroServeEndpoints",
                "message": "",
                "lastTransitionTime": "2026-03-01T11:00:00Z",
            }
        ],
        "activeServiceStatus": {
            "applicationStatuses": {
                "voxray": {"status": "RUNNING", "serveDeploymentStatuses": {"TTS-m": {"status": "HEALTHY"}}}
            }
        },
    }
    ready = voicemodel_status_from_rayservice(rs, generation=2, spec=VM, previous=None, now=NOW)
    return [
        voicemodel_status_from_rayservice(None, generation=1, spec=VM, previous=None, now=NOW),
        ready,
        scaling_status(
            ready,
            generation=2,
            now=NOW,
            active=True,
            reason="ScaledUp",
            message="up",
            from_replicas=1,
            to_replicas=3,
            utilization=0.95,
        ),
        validation_failed_status("VoiceModel", message="spec.x: bad", generation=3, previous=ready, now=NOW),
    ]


def speechbatch_statuses() -> list[dict[str, Any]]:
    rj = {
        "metadata": {"name": "b"},
        "status": {
            "jobDeploymentStatus": "Complete",
            "jobStatus": "SUCCEEDED",
            "jobId": "b-1",
            "startTime": "2026-03-01T11:00:00Z",
            "endTime": "2026-03-01T11:30:00Z",
        },
    }
    progress = Progress(total=4, done=3, failed=1, audio_seconds=9.5, finished=True)
    return [
        speechbatch_status_from_rayjob(None, generation=1, progress=None, previous=None, now=NOW, spec=SB),
        speechbatch_status_from_rayjob(rj, generation=1, progress=progress, previous=None, now=NOW, spec=SB),
        validation_failed_status(
            "SpeechBatch", message="spec.input: bad", generation=2, previous=None, now=NOW
        ),
    ]


@pytest.mark.parametrize(
    ("kind", "spec", "statuses"),
    [
        ("VoiceModel", {"engine": "espeak"}, voicemodel_statuses()),
        ("SpeechBatch", {"input": {"file": "x"}, "variants": {"all": True}}, speechbatch_statuses()),
    ],
)
def test_statuses_fit_the_crd(kind: str, spec: dict[str, Any], statuses: list[dict[str, Any]]) -> None:
    validator = crd(kind)
    for status in statuses:
        doc = {
            "apiVersion": "voxray.io/v1alpha1",
            "kind": kind,
            "metadata": {"name": "x"},
            "spec": spec,
            "status": status,
        }
        assert errors(validator, doc) == [], status
