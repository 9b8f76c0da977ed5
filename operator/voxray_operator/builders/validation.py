"""Spec parsing and the checks beyond the schema, with the messages status and ``voxray render`` show.

``parse_spec`` is what a handler calls on ``body["spec"]``: it raises :class:`BuildError` naming the
field (``spec.replicas``) with the same message the runtime's own parser gives, so that
``kubectl describe``, ``voxray render`` and ``voxray serve`` agree.

``validate_rayjob`` checks a SpeechBatch against what it refers to (its VoiceModels, their cluster, its
TextModel's key, the audit key) before its RayJob is built, and returns the typed :class:`RayJobInput`
that the build takes: the build itself no longer fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, overload

from pydantic import ValidationError

from voxray_operator.builders.errors import BuildError
from voxray_operator.builders.generate import GenerationTarget
from voxray_operator.builders.object_output import is_object_path
from voxray_operator.builders.security import BatchAuditKey, batch_audit_key
from voxray_operator.builders.workload import autoscaler_enabled, weights_claim
from voxray_runtime.models import speaker_map
from voxray_runtime.spec.documents import SpecError, format_validation_error
from voxray_runtime.spec.kuberay import INCREMENTAL
from voxray_runtime.spec.lexicon import LexiconSpec
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.voices.avatars import VoiceError, expand_variants, parse_avatar

Kind = Literal["VoiceModel", "SpeechBatch", "TextModel", "TranscriptionModel", "Lexicon"]
AnySpec = VoiceModelSpec | SpeechBatchSpec | TextModelSpec | TranscriptionModelSpec | LexiconSpec
_MODELS: dict[str, type[AnySpec]] = {
    "VoiceModel": VoiceModelSpec,
    "SpeechBatch": SpeechBatchSpec,
    "TextModel": TextModelSpec,
    "TranscriptionModel": TranscriptionModelSpec,
    "Lexicon": LexiconSpec,
}


@overload
def parse_spec(kind: Literal["VoiceModel"], raw: Mapping[str, Any] | None) -> VoiceModelSpec: ...
@overload
def parse_spec(kind: Literal["SpeechBatch"], raw: Mapping[str, Any] | None) -> SpeechBatchSpec: ...
@overload
def parse_spec(kind: Literal["TextModel"], raw: Mapping[str, Any] | None) -> TextModelSpec: ...
@overload
def parse_spec(
    kind: Literal["TranscriptionModel"], raw: Mapping[str, Any] | None
) -> TranscriptionModelSpec: ...
@overload
def parse_spec(kind: Literal["Lexicon"], raw: Mapping[str, Any] | None) -> LexiconSpec: ...
@overload
def parse_spec(kind: Kind, raw: Mapping[str, Any] | None) -> AnySpec: ...
def parse_spec(kind: Kind, raw: Mapping[str, Any] | None) -> AnySpec:
    """``body["spec"]`` -> the runtime spec, validated beyond the schema; BuildError naming the field."""
    try:
        spec = _MODELS[kind].model_validate(dict(raw or {}))
    except ValidationError as exc:
        field, message = format_validation_error(exc)
        raise BuildError(message, field=field) from None
    if isinstance(spec, VoiceModelSpec):
        validate_voicemodel(spec)
    elif isinstance(spec, SpeechBatchSpec):
        validate_speechbatch(spec)
    if isinstance(spec, VoiceModelSpec | TextModelSpec | TranscriptionModelSpec):
        validate_upgrade(spec)
    return spec


def validate_upgrade(spec: VoiceModelSpec | TextModelSpec | TranscriptionModelSpec) -> None:
    """KubeRay's ``ValidateClusterUpgradeOptions``: an incremental upgrade needs Ray's autoscaler (the new
    cluster grows by ``targetCapacity``), which voxray turns on when the replicas can change. The option
    ranges and stepSizePercent <= maxSurgePercent are checked by the spec model itself."""
    if spec.upgrade is not None and spec.upgrade.strategy == INCREMENTAL and not autoscaler_enabled(spec):
        raise BuildError(
            "KubeRay's NewClusterWithIncrementalUpgrade needs Ray's autoscaler: set replicas.max above "
            "replicas.min or enable autoscaling, or use strategy NewCluster",
            field="spec.upgrade.strategy",
        )


def validate_voicemodel(spec: VoiceModelSpec) -> None:
    """Avatars must exist and have a speaker (explicit, or the engine's default)."""
    for i, voice in enumerate(spec.voices):
        try:
            parse_avatar(voice.avatar)
        except VoiceError as exc:
            raise BuildError(str(exc), field=f"spec.voices.{i}.avatar") from None
    try:
        speaker_map(spec)
    except SpecError as exc:
        raise BuildError(exc.message, field=exc.field or "spec.voices") from None


def validate_speechbatch(spec: SpeechBatchSpec) -> None:
    """Variants must name real avatars / languages / dialects / genders."""
    v = spec.variants
    try:
        expand_variants(
            avatars=v.avatars,
            languages=v.languages,
            dialects=v.dialects,
            genders=v.genders,
            all_avatars=v.all,
        )
    except VoiceError as exc:
        sub = exc.field if exc.field in {"avatars", "languages", "dialects", "genders"} else ""
        raise BuildError(str(exc), field="spec.variants" + (f".{sub}" if sub else "")) from None
    validate_batch_cluster_options(spec)


def validate_batch_cluster_options(spec: SpeechBatchSpec) -> None:
    """Deletion rules and Kueue queueing as KubeRay v1.7 (``ValidateRayJobSpec``) and Kueue accept them.

    - ``clusterSelector`` mode (``runOn.voiceModel``) supports neither suspend (so no Kueue) nor the
      DeleteCluster / DeleteWorkers policies: the cluster is the VoiceModel's;
    - a suspended RayJob must have ``shutdownAfterJobFinishes``, which KubeRay refuses together with
      ``deletionRules``: a queued batch's cluster is deleted after the job (the operator's TTL).
    """
    on_model = spec.run_on.voice_model
    if spec.queue_name and on_model:
        raise BuildError(
            f"a queued batch runs on its own Ray cluster: Kueue cannot admit a job onto VoiceModel "
            f"{on_model!r}'s running cluster (KubeRay: the ClusterSelector mode doesn't support the "
            "suspend operation); remove runOn.voiceModel or queueName",
            field="spec.queueName",
        )
    if spec.deletion is not None and on_model:
        raise BuildError(
            f"deletion applies to the batch's own Ray cluster; VoiceModel {on_model!r}'s cluster is never "
            "deleted by a batch (KubeRay: DeleteCluster / DeleteWorkers not supported when ClusterSelector "
            "is set)",
            field="spec.deletion",
        )
    if spec.deletion is not None and spec.queue_name:
        raise BuildError(
            "a queued batch's RayJob is created suspended, which KubeRay allows only with "
            "shutdownAfterJobFinishes, and that excludes deletionRules: remove deletion (the cluster is "
            "deleted after the job) or queueName",
            field="spec.deletion",
        )


# ---- a SpeechBatch's RayJob: what it refers to, checked before anything is built -----------------------
@dataclass(frozen=True)
class OnVoiceModel:
    """``runOn.voiceModel``: the job runs on the Ray cluster of VoiceModel ``voice_model`` (one of the
    input's ``voice_models``), named ``cluster_name`` now."""

    voice_model: str
    cluster_name: str


@dataclass(frozen=True)
class DedicatedCluster:
    """The batch's own Ray cluster (deleted after the job); ``weights_claim``: the one PVC holding the
    weights of the batch's VoiceModels, if any."""

    weights_claim: str | None


@dataclass(frozen=True)
class RayJobInput:
    """Everything a SpeechBatch's RayJob is built from, validated: :func:`validate_rayjob` makes it, the
    build (:func:`voxray_operator.builders.rayjob.assemble_rayjob`) cannot fail on it."""

    name: str
    namespace: str
    spec: SpeechBatchSpec
    #: the specs of the VoiceModels the batch names (spec.voiceModels, then runOn.voiceModel)
    voice_models: dict[str, VoiceModelSpec]
    audit: BatchAuditKey
    generation: GenerationTarget | None
    cluster: OnVoiceModel | DedicatedCluster


def referenced_models(spec: SpeechBatchSpec) -> list[str]:
    """The VoiceModels a batch names: ``spec.voiceModels``, then ``runOn.voiceModel`` when not among them."""
    names = list(spec.voice_models)
    if spec.run_on.voice_model and spec.run_on.voice_model not in names:
        names.append(spec.run_on.voice_model)
    return names


def needed_models(
    spec: SpeechBatchSpec, voice_models: Mapping[str, VoiceModelSpec] | None
) -> dict[str, VoiceModelSpec]:
    """The specs of the VoiceModels the batch names, in its order; BuildError(retryable) for a missing one."""
    given = voice_models or {}
    out: dict[str, VoiceModelSpec] = {}
    for name in referenced_models(spec):
        found = given.get(name)
        if found is None:
            field = (
                f"spec.voiceModels.{spec.voice_models.index(name)}"
                if name in spec.voice_models
                else "spec.runOn.voiceModel"
            )
            raise BuildError(
                f"VoiceModel {name!r} was not found in the namespace",
                field=field,
                retryable=True,
                reason="VoiceModelNotFound",
            )
        out[name] = found
    return out


def validate_rayjob(
    name: str,
    namespace: str,
    spec: SpeechBatchSpec,
    *,
    voice_models: Mapping[str, VoiceModelSpec] | None = None,
    cluster_name: str | None = None,
    generation: GenerationTarget | None = None,
) -> RayJobInput:
    """The RayJob's input, checked (KubeRay's ``validateRayJob`` habit: fail before building, with a reason).

    Arguments as :func:`voxray_operator.builders.rayjob.build_rayjob` takes them. BuildError, in this
    order: a VoiceModel missing (retryable); an audit key that cannot be used
    (:func:`~voxray_operator.builders.security.batch_audit_key`); on ``runOn.voiceModel``: a generating
    batch's key that cannot be mounted there, a VoiceModel without an output PVC or with another one, no
    running cluster yet (retryable); on a dedicated cluster: weights on more than one PVC.
    """
    models = needed_models(spec, voice_models)
    audit = batch_audit_key(spec, models)
    target = spec.run_on.voice_model
    if not target:
        return RayJobInput(
            name, namespace, spec, models, audit, generation, DedicatedCluster(_one_weights_claim(models))
        )
    if generation is not None and generation.key is not None:
        raise BuildError(
            f"a generating batch mounts its API key for TextModel {generation.text_model!r} on its own Ray "
            f"head; VoiceModel {target!r}'s cluster cannot mount it: run on a dedicated cluster",
            field="spec.runOn.voiceModel",
        )
    vm = models[target]
    claim = vm.output.volume_claim
    if is_object_path(spec.output.path):
        if spec.output.s3 is not None and spec.output.s3.secret_ref is not None:
            raise BuildError(
                f"output.s3.secretRef is mounted on the batch's own Ray cluster; VoiceModel {target!r}'s "
                "cluster writes with its own identity (IRSA, Workload Identity): leave secretRef out or run "
                "on a dedicated cluster",
                field="spec.output.s3.secretRef",
            )
    elif not claim:
        raise BuildError(
            f"VoiceModel {target!r} has no output.volumeClaim, so its cluster cannot keep the batch's "
            "files; give it one or run on a dedicated cluster",
            field="spec.runOn.voiceModel",
        )
    if (
        spec.output.volume_claim
        and spec.output.volume_claim != claim
        and not is_object_path(spec.output.path)
    ):
        raise BuildError(
            f"on VoiceModel {target!r}'s cluster the output volume is its PVC {claim!r} (mounted at "
            f"{vm.output.path}); set output.volumeClaim to {claim!r}, leave it out, or run on a "
            "dedicated cluster",
            field="spec.output.volumeClaim",
        )
    if not cluster_name:
        raise BuildError(
            f"VoiceModel {target!r} has no running Ray cluster yet",
            field="spec.runOn.voiceModel",
            retryable=True,
            reason="ClusterNotReady",
        )
    return RayJobInput(name, namespace, spec, models, audit, generation, OnVoiceModel(target, cluster_name))


def _one_weights_claim(models: Mapping[str, VoiceModelSpec]) -> str | None:
    """The PVC of the models' weights on a dedicated cluster (one at most: it is mounted at /models)."""
    claims = sorted({c for m in models.values() if (c := weights_claim(m))})
    if len(claims) > 1:
        raise BuildError(
            "VoiceModels with weights on different PVCs (" + ", ".join(claims) + ") cannot share a dedicated "
            "batch cluster; run on one VoiceModel's cluster (runOn.voiceModel) or split the batch",
            field="spec.voiceModels",
        )
    return claims[0] if claims else None


def batch_warnings(spec: SpeechBatchSpec) -> list[str]:
    """What is allowed but probably not meant; handlers emit these as Warning events, render prints them."""
    out = []
    if not spec.run_on.voice_model and not spec.output.volume_claim and not is_object_path(spec.output.path):
        out.append(
            "spec.output.volumeClaim is not set: the files go to an emptyDir of the batch's own Ray cluster "
            "and are lost when that cluster is deleted after the job"
        )
    deletion = spec.deletion
    if deletion is not None and "DeleteNone" in (deletion.on_success.policy, deletion.on_failure.policy):
        out.append(
            "spec.deletion: DeleteNone keeps the batch's Ray cluster (and its GPUs) until the SpeechBatch is "
            "deleted; DeleteWorkers keeps only the head for debugging"
        )
    return out
