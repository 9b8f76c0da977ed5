"""VoiceModels, TextModels and TranscriptionModels as the runtime sees them: named specs, the bundled
defaults, and the voice catalog."""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from voxray_runtime.spec.documents import Document, SpecError, iter_documents, load_documents
from voxray_runtime.spec.lexicon import LexiconSpec
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.voices.catalog import ENGINE_BINDINGS, Catalog, SpeakerDefault, custom_binding

S = TypeVar("S", VoiceModelSpec, TextModelSpec, TranscriptionModelSpec)


@dataclass(frozen=True)
class Named(Generic[S]):
    """A model's spec under its metadata.name."""

    name: str
    spec: S


class NamedModel(Named[VoiceModelSpec]):
    """A VoiceModel."""


class NamedTextModel(Named[TextModelSpec]):
    """A TextModel."""


class NamedTranscriptionModel(Named[TranscriptionModelSpec]):
    """A TranscriptionModel."""


def _bundled(filename: str) -> Iterator[Document]:
    """The documents of a YAML file of the package's defaults/ folder."""
    text = (importlib.resources.files("voxray_runtime") / "defaults" / filename).read_text("utf-8")
    return iter_documents(text, source="bundled defaults: ")


def default_models() -> list[NamedModel]:
    """The bundled VoiceModels (Kokoro, Piper joe, espeak-ng) covering all 18 avatars."""
    return [
        NamedModel(d.name, d.spec) for d in _bundled("voicemodels.yaml") if isinstance(d.spec, VoiceModelSpec)
    ]


def default_text_models() -> list[NamedTextModel]:
    """The bundled TextModel: the packaged Gemma 3 270M GGUF on llama.cpp."""
    return [
        NamedTextModel(d.name, d.spec)
        for d in _bundled("textmodels.yaml")
        if isinstance(d.spec, TextModelSpec)
    ]


def _transcription_models(docs: Iterable[Document]) -> list[NamedTranscriptionModel]:
    return [
        NamedTranscriptionModel(d.name, d.spec) for d in docs if isinstance(d.spec, TranscriptionModelSpec)
    ]


def default_transcription_models() -> list[NamedTranscriptionModel]:
    """The bundled TranscriptionModel: the packaged Whisper base on faster-whisper."""
    return _transcription_models(_bundled("transcriptionmodels.yaml"))


def load_transcription_models(paths: Iterable[str | Path]) -> list[NamedTranscriptionModel]:
    """TranscriptionModels from YAML files (other kinds are ignored); an app serves one at most."""
    out = _transcription_models(d for p in paths for d in load_documents(p))
    if len(out) > 1:
        raise SpecError(
            "one TranscriptionModel is served per app; the files hold " + ", ".join(m.name for m in out),
            field="kind",
        )
    return out


def load_text_models(paths: Iterable[str | Path]) -> list[NamedTextModel]:
    """TextModels from YAML files (other kinds are ignored); names and served ids must be unique."""
    out = [
        NamedTextModel(d.name, d.spec)
        for p in paths
        for d in load_documents(p)
        if isinstance(d.spec, TextModelSpec)
    ]
    ids = [m.spec.model_id(m.name) for m in out] + [m.name for m in out if m.spec.model_id(m.name) != m.name]
    dupes = sorted({n for n in ids if ids.count(n) > 1})
    if dupes:
        raise SpecError(
            f"TextModel names and served model names must be unique; repeated: {', '.join(dupes)}",
            field="metadata.name",
        )
    return out


def load_models(paths: Iterable[str | Path]) -> list[NamedModel]:
    """VoiceModels from YAML files (other kinds in the files are ignored); names must be unique."""
    out: list[NamedModel] = []
    for p in paths:
        out.extend(
            NamedModel(d.name, d.spec) for d in load_documents(p) if isinstance(d.spec, VoiceModelSpec)
        )
    names = [m.name for m in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SpecError(
            f"VoiceModel names must be unique; repeated: {', '.join(dupes)}", field="metadata.name"
        )
    return out


def load_lexicons(paths: Iterable[str | Path]) -> dict[str, LexiconSpec]:
    """Lexicon documents of YAML files (other kinds are ignored) by name; names must be unique."""
    out: dict[str, LexiconSpec] = {}
    for p in paths:
        for d in load_documents(p):
            if isinstance(d.spec, LexiconSpec):
                if d.name in out:
                    raise SpecError(f"Lexicon {d.name} is given twice", field="metadata.name", source=str(p))
                out[d.name] = d.spec
    return out


def speaker_map(spec: VoiceModelSpec) -> dict[str, SpeakerDefault] | None:
    """The explicit avatar -> speaker bindings of a spec (defaults filled from the catalog), or None."""
    if not spec.voices:
        return None
    defaults = ENGINE_BINDINGS.get(spec.engine, {})
    out: dict[str, SpeakerDefault] = {}
    for v in spec.voices:
        base = defaults.get(v.avatar)
        speaker = v.speaker or (base.speaker if base else None)
        if speaker is None:
            raise SpecError(
                f"engine {spec.engine} has no default speaker for {v.avatar}; set speaker",
                field="spec.voices",
            )
        language = v.engine_language or (base.engine_language if base else None) or spec.language
        if language is None:
            raise SpecError(f"set engineLanguage (or spec.language) for {v.avatar}", field="spec.voices")
        fallback = v.fallback if v.fallback is not None else (base.fallback if base else None)
        out[v.avatar] = SpeakerDefault(speaker, language, fallback)
    return out


def catalog_for(models: Sequence[NamedModel]) -> Catalog:
    """The catalog of everything these models serve, in their order (first listed wins)."""
    built_in = Catalog.from_models((m.name, m.spec.engine, speaker_map(m.spec)) for m in models)
    customs = [
        custom_binding(
            m.name,
            m.spec.engine,
            a.name,
            a.gender,
            a.language,
            a.locale if "-" in a.locale else None,
            a.blend,
        )
        for m in models
        for a in m.spec.avatars
    ]
    return Catalog([*built_in.bindings, *customs]) if customs else built_in
