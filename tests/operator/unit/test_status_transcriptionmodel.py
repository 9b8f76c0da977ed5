"""TranscriptionModel status: the served kinds' phase rules on its RayService, plus baseUrl, modelId,
engine and the Whisper model; fields the CRD would prune never appear."""

from __future__ import annotations

from typing import Any

import pytest

from tests.operator.unit.support import NOW, SETTINGS
from voxray_operator.api import TranscriptionModelStatus
from voxray_operator.builders import build_transcription_rayservice
from voxray_operator.status import transcriptionmodel_status_from_rayservice
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec

SPEC = TranscriptionModelSpec.model_validate(
    {"servedModelName": "whisper-1", "replicas": {"min": 1, "max": 3}}
)


def with_status(app: str, stt: str, ready: str) -> dict[str, Any]:
    rs = build_transcription_rayservice("asr", "speech", SPEC, SETTINGS)
    rs["metadata"]["generation"] = 1
    deps = {"VoxrayIngress": {"status": "HEALTHY"}, "STT-asr": {"status": stt}}
    rs["status"] = {
        "observedGeneration": 1,
        "conditions": [{"type": "Ready", "status": ready, "reason": "NonZeroServeEndpoints"}],
        "activeServiceStatus": {
            "rayClusterName": "asr-raycluster-abcde",
            "rayClusterStatus": {"readyWorkerReplicas": 1},
            "applicationStatuses": {"voxray": {"status": app, "serveDeploymentStatuses": deps}},
        },
    }
    return rs


def derive(rs: dict[str, Any] | None) -> dict[str, Any]:
    return transcriptionmodel_status_from_rayservice(
        rs, name="asr", generation=1, spec=SPEC, previous=None, now=NOW
    )


def test_pending_names_the_model_but_no_url() -> None:
    st = derive(None)
    assert st["phase"] == "Pending"
    assert (st["modelId"], st["engine"], st["model"]) == ("whisper-1", "faster-whisper", "base")
    assert "baseUrl" not in st


@pytest.mark.parametrize(
    ("app", "stt", "ready", "phase", "current"),
    [
        ("RUNNING", "HEALTHY", "True", "Ready", 1),
        ("DEPLOYING", "UPDATING", "False", "Deploying", 1),
        ("UNHEALTHY", "UNHEALTHY", "True", "Degraded", 1),
        ("DEPLOY_FAILED", "UNHEALTHY", "False", "Failed", 1),
    ],
)
def test_phase_replicas_and_url(app: str, stt: str, ready: str, phase: str, current: int) -> None:
    st = derive(with_status(app, stt, ready))
    assert st["phase"] == phase
    assert st["replicas"]["current"] == current
    assert st["replicas"]["desired"] == 1
    assert st["baseUrl"] == "http://asr-serve-svc.speech.svc:8000/v1"
    if phase == "Ready":
        assert st["message"] == (
            "serving whisper-1 (Whisper base) at http://asr-serve-svc.speech.svc:8000/v1/audio/transcriptions"
        )
    # everything written is a field of the CRD's status (nothing the API server would prune)
    assert TranscriptionModelStatus.model_validate({k: v for k, v in st.items() if k != "conditions"})


def test_a_bad_spec_keeps_the_fields_of_the_last_good_status() -> None:
    from voxray_operator.status import validation_failed_status

    good = derive(with_status("RUNNING", "HEALTHY", "True"))
    bad = validation_failed_status(
        "TranscriptionModel", message="spec.computeType: needs a GPU", generation=2, previous=good, now=NOW
    )
    assert (bad["phase"], bad["modelId"], bad["model"]) == ("Failed", "whisper-1", "base")
    assert bad["baseUrl"] == good["baseUrl"]
