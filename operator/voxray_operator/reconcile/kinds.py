"""What differs between the served kinds (VoiceModel, TextModel, TranscriptionModel): a descriptor each,
used by the one reconcile (:mod:`voxray_operator.reconcile.served`) and the autoscaler
(:mod:`voxray_operator.scaling`).

All serve through a RayService named after the object, with one model deployment beside the ingress;
they differ in the spec they parse, the builder, the model deployment's name and the status fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from voxray_operator import k8s
from voxray_operator.builders import (
    TEXTMODEL_LABEL,
    TRANSCRIPTIONMODEL_LABEL,
    VOICEMODEL_LABEL,
    ServedKind,
    ServedSpec,
    build_rayservice,
    build_text_rayservice,
    build_transcription_rayservice,
    model_replicas,
    parse_spec,
)
from voxray_operator.config import BuildSettings
from voxray_operator.status import (
    Status,
    textmodel_status_from_rayservice,
    transcriptionmodel_status_from_rayservice,
    voicemodel_status_from_rayservice,
)
from voxray_runtime.serve.args import model_deployment_name, stt_deployment_name, text_deployment_name
from voxray_runtime.spec.lexicon import LexiconSpec
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec


class BuildRayService(Protocol):
    def __call__(
        self,
        name: str,
        namespace: str,
        spec: Any,
        settings: BuildSettings,
        *,
        replicas: int | None = None,
        owner: dict[str, Any] | None = None,
        credentials_revision: str | None = None,
        lexicons: Mapping[str, LexiconSpec] | None = None,
    ) -> dict[str, Any]: ...


#: (rayservice or None, name, generation, spec, previous status, now) -> the new status
DeriveStatus = Callable[[dict[str, Any] | None, str, int | None, Any, Status | None, datetime], Status]


@dataclass(frozen=True)
class ServedModelKind:
    """A kind that serves a model through a RayService (the builders' ``ServedKind`` names it)."""

    kind: ServedKind
    resource: k8s.Resource
    #: the label the builder puts on its RayService (the value: the owner's name)
    label: str
    parse: Callable[[Mapping[str, Any] | None], ServedSpec]
    build: BuildRayService
    #: the model deployment's name in serveConfigV2, for an object name
    deployment: Callable[[str], str]
    derive_status: DeriveStatus

    def autoscaled_replicas(
        self, rayservice: Mapping[str, Any] | None, name: str, spec: ServedSpec
    ) -> int | None:
        """The replicas to keep when rebuilding: the RayService's, when the autoscaler owns the number."""
        if rayservice is None or not spec.autoscaling.enabled:
            return None
        return model_replicas(dict(rayservice), deployment=self.deployment(name))


def _parse_voicemodel(raw: Mapping[str, Any] | None) -> VoiceModelSpec:
    return parse_spec("VoiceModel", raw)


def _parse_textmodel(raw: Mapping[str, Any] | None) -> TextModelSpec:
    return parse_spec("TextModel", raw)


def _parse_transcriptionmodel(raw: Mapping[str, Any] | None) -> TranscriptionModelSpec:
    return parse_spec("TranscriptionModel", raw)


def _voicemodel_status(
    rayservice: dict[str, Any] | None,
    _name: str,
    generation: int | None,
    spec: Any,
    previous: Status | None,
    now: datetime,
) -> Status:
    return voicemodel_status_from_rayservice(
        rayservice, generation=generation, spec=spec, previous=previous, now=now
    )


class NamedStatus(Protocol):
    def __call__(
        self,
        rayservice: dict[str, Any] | None,
        *,
        name: str,
        generation: int | None,
        spec: Any,
        previous: Status | None,
        now: datetime,
    ) -> Status: ...


def _named_status(derive: NamedStatus) -> DeriveStatus:
    """The DeriveStatus of a kind whose status names its model (TextModel, TranscriptionModel)."""

    def status(
        rayservice: dict[str, Any] | None,
        name: str,
        generation: int | None,
        spec: Any,
        previous: Status | None,
        now: datetime,
    ) -> Status:
        return derive(rayservice, name=name, generation=generation, spec=spec, previous=previous, now=now)

    return status


VOICEMODEL = ServedModelKind(
    kind="VoiceModel",
    resource=k8s.VOICEMODELS,
    label=VOICEMODEL_LABEL,
    parse=_parse_voicemodel,
    build=build_rayservice,
    deployment=model_deployment_name,
    derive_status=_voicemodel_status,
)
TEXTMODEL = ServedModelKind(
    kind="TextModel",
    resource=k8s.TEXTMODELS,
    label=TEXTMODEL_LABEL,
    parse=_parse_textmodel,
    build=build_text_rayservice,
    deployment=text_deployment_name,
    derive_status=_named_status(textmodel_status_from_rayservice),
)
TRANSCRIPTIONMODEL = ServedModelKind(
    kind="TranscriptionModel",
    resource=k8s.TRANSCRIPTIONMODELS,
    label=TRANSCRIPTIONMODEL_LABEL,
    parse=_parse_transcriptionmodel,
    build=build_transcription_rayservice,
    deployment=stt_deployment_name,
    derive_status=_named_status(transcriptionmodel_status_from_rayservice),
)
SERVED_KINDS = (VOICEMODEL, TEXTMODEL, TRANSCRIPTIONMODEL)
