"""Reading VoiceModel / SpeechBatch / TextModel / TranscriptionModel / Lexicon YAML documents (the same
files kubectl applies)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from voxray_runtime.spec.common import API_VERSION
from voxray_runtime.spec.lexicon import LexiconSpec
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

AnySpec = VoiceModelSpec | SpeechBatchSpec | TextModelSpec | TranscriptionModelSpec | LexiconSpec

KINDS: dict[str, type[AnySpec]] = {
    "VoiceModel": VoiceModelSpec,
    "SpeechBatch": SpeechBatchSpec,
    "TextModel": TextModelSpec,
    "TranscriptionModel": TranscriptionModelSpec,
    "Lexicon": LexiconSpec,
}


class SpecError(ValueError):
    """An invalid document. ``field`` is the dotted path of the offending field (camelCase).

    ``message`` does not name the field; ``str(error)`` is ``"<source>: <field>: <message>"``.
    """

    def __init__(self, message: str, *, field: str = "", source: str = "") -> None:
        self.field = field
        self.source = source
        where = f"{source}: " if source and not source.endswith(": ") else source
        at = f"{field}: " if field else ""
        super().__init__(f"{where}{at}{message}")
        self.message = message


@dataclass(frozen=True)
class Document:
    kind: str
    name: str
    namespace: str | None
    spec: AnySpec
    raw: dict[str, Any]


def _loc(err: dict[str, Any], prefix: str) -> str:
    parts = [str(p) for p in err.get("loc", ()) if not str(p).startswith("function-")]
    return ".".join([prefix, *parts]) if parts else prefix


def format_validation_error(exc: ValidationError, prefix: str = "spec") -> tuple[str, str]:
    """(field, message): the first error's field, and every error's message joined, each further one
    naming its own field (``"Field required; spec.variants: Field required"``); the caller puts the
    first field in front, as SpecError and the operator's BuildError do."""
    errs = exc.errors(include_url=False)
    first = _loc(dict(errs[0]), prefix)
    msgs = []
    for i, e in enumerate(errs):
        msg = str(e["msg"]).removeprefix("Value error, ")
        msgs.append(msg if i == 0 else f"{_loc(dict(e), prefix)}: {msg}")
    return first, "; ".join(msgs)


def parse_document(raw: Any, source: str = "") -> Document:
    if not isinstance(raw, dict):
        raise SpecError("a document must be a mapping with apiVersion, kind, metadata, spec", source=source)
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise SpecError(f"kind must be one of {', '.join(KINDS)} (got {kind!r})", field="kind", source=source)
    if raw.get("apiVersion") != API_VERSION:
        raise SpecError(
            f"apiVersion must be {API_VERSION} (got {raw.get('apiVersion')!r})",
            field="apiVersion",
            source=source,
        )
    meta = raw.get("metadata") or {}
    name = meta.get("name") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not name:
        raise SpecError("metadata.name is required", field="metadata.name", source=source)
    try:
        spec = KINDS[kind].model_validate(raw.get("spec") or {})
    except ValidationError as exc:
        field, message = format_validation_error(exc)
        raise SpecError(message, field=field, source=f"{source}{kind}/{name}") from exc
    ns = meta.get("namespace")
    return Document(kind, name, ns if isinstance(ns, str) else None, spec, raw)


def iter_documents(text: str, source: str = "") -> Iterator[Document]:
    try:
        loaded = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", source=source) from exc
    except ValueError as exc:  # PyYAML's constructors: an impossible date such as 2001-13-01
        raise SpecError(f"not valid YAML: {exc}", source=source) from exc
    except RecursionError as exc:
        raise SpecError("not valid YAML: nested too deeply", source=source) from exc
    for raw in loaded:
        if raw is None:
            continue
        yield parse_document(raw, source=source)


def load_documents(path: str | Path) -> list[Document]:
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"no such file: {p}", source=str(p))
    return list(iter_documents(p.read_text(encoding="utf-8"), source=f"{p}: "))
