"""Spec parsing and the checks beyond the schema, with the messages status and ``voxray render`` show.

``parse_spec`` is what a handler calls on ``body["spec"]``: it raises :class:`BuildError` naming the
field (``spec.replicas``) with the same message the runtime's own parser gives, so that
``kubectl describe``, ``voxray render`` and ``voxray serve`` agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, overload

from pydantic import ValidationError

from voxray_operator.builders.errors import BuildError
from voxray_runtime.models import speaker_map
from voxray_runtime.spec.documents import SpecError, format_validation_error
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.voices.avatars import VoiceError, expand_variants, parse_avatar

Kind = Literal["VoiceModel", "SpeechBatch", "TextModel"]
AnySpec = VoiceModelSpec | SpeechBatchSpec | TextModelSpec
_MODELS: dict[str, type[AnySpec]] = {
    "VoiceModel": VoiceModelSpec,
    "SpeechBatch": SpeechBatchSpec,
    "TextModel": TextModelSpec,
}


@overload
def parse_spec(kind: Literal["VoiceModel"], raw: Mapping[str, Any] | None) -> VoiceModelSpec: ...
@overload
def parse_spec(kind: Literal["SpeechBatch"], raw: Mapping[str, Any] | None) -> SpeechBatchSpec: ...
@overload
def parse_spec(kind: Literal["TextModel"], raw: Mapping[str, Any] | None) -> TextModelSpec: ...
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
    return spec


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
