"""The served-kind descriptors: what differs between VoiceModel, TextModel and TranscriptionModel, and
nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from tests.operator.unit.support import NOW, SETTINGS, owner
from voxray_operator import k8s
from voxray_operator.builders import (
    TEXTMODEL_LABEL,
    TRANSCRIPTIONMODEL_LABEL,
    VOICEMODEL_LABEL,
    BuildError,
    model_replicas,
)
from voxray_operator.reconcile.kinds import (
    SERVED_KINDS,
    TEXTMODEL,
    TRANSCRIPTIONMODEL,
    VOICEMODEL,
    ServedModelKind,
)
from voxray_operator.scaling.autoscaler import (
    TEXTMODEL_SCALING,
    TRANSCRIPTIONMODEL_SCALING,
    VOICEMODEL_SCALING,
)

SPECS: dict[str, dict[str, Any]] = {
    "VoiceModel": {"engine": "espeak", "replicas": {"min": 1, "max": 4, "initial": 2}},
    "TextModel": {"servedModelName": "gemma-3", "replicas": {"min": 1, "max": 4, "initial": 2}},
    "TranscriptionModel": {"servedModelName": "whisper-1", "replicas": {"min": 1, "max": 4, "initial": 2}},
}


def test_each_kind_names_its_resource_label_and_deployment() -> None:
    assert (VOICEMODEL.kind, VOICEMODEL.resource, VOICEMODEL.label) == (
        "VoiceModel",
        k8s.VOICEMODELS,
        VOICEMODEL_LABEL,
    )
    assert (TEXTMODEL.kind, TEXTMODEL.resource, TEXTMODEL.label) == (
        "TextModel",
        k8s.TEXTMODELS,
        TEXTMODEL_LABEL,
    )
    assert (TRANSCRIPTIONMODEL.kind, TRANSCRIPTIONMODEL.resource, TRANSCRIPTIONMODEL.label) == (
        "TranscriptionModel",
        k8s.TRANSCRIPTIONMODELS,
        TRANSCRIPTIONMODEL_LABEL,
    )
    assert VOICEMODEL.deployment("m") == "TTS-m"
    assert TEXTMODEL.deployment("m") == "LLM-m"
    assert TRANSCRIPTIONMODEL.deployment("m") == "STT-m"
    scaled = (VOICEMODEL_SCALING, TEXTMODEL_SCALING, TRANSCRIPTIONMODEL_SCALING)
    assert [s.served for s in scaled] == list(SERVED_KINDS)


@pytest.mark.parametrize("kind", SERVED_KINDS, ids=lambda k: k.kind)
def test_parse_rejects_what_the_kind_does_not_accept(kind: ServedModelKind) -> None:
    with pytest.raises(BuildError):
        kind.parse({"engine": "no-such-engine"})


@pytest.mark.parametrize("kind", SERVED_KINDS, ids=lambda k: k.kind)
def test_build_status_and_autoscaled_replicas(kind: ServedModelKind) -> None:
    raw = SPECS[kind.kind]
    try:
        spec = kind.parse(raw)
    except BuildError as exc:  # the example spec must be valid for the kind
        pytest.fail(str(exc))
    body = owner(kind.kind, "m")
    rs = kind.build("m", "ns", spec, SETTINGS, replicas=3, owner=body, credentials_revision=None)
    assert rs["kind"] == "RayService"
    assert kind.label in rs["metadata"]["labels"]
    assert model_replicas(rs, deployment=kind.deployment("m")) == 3
    # the autoscaler owns the number only when it is enabled
    assert kind.autoscaled_replicas(rs, "m", spec) is None
    scaled = kind.parse({**raw, "autoscaling": {"enabled": True}})
    assert kind.autoscaled_replicas(rs, "m", scaled) == 3
    assert kind.autoscaled_replicas(None, "m", scaled) is None
    status = kind.derive_status(None, "m", 1, spec, None, NOW)
    assert status["phase"] == "Pending"
    assert ("modelId" in status) == (kind is not VOICEMODEL)
