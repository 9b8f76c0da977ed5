"""``voxray render``: print the objects the operator would create for VoiceModel / TextModel /
TranscriptionModel / SpeechBatch.

Loaded by the runtime's ``voxray`` command through the ``voxray.cli`` entry point group
(``register(subparsers)``); ``python -m voxray_operator.cli render ...`` works without it. Invalid
documents exit with status 2 and the messages the operator would put in their status, naming the field.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, cast

import yaml

from voxray_operator.builders import (
    AnySpec,
    BuildError,
    Kind,
    TextModelInfo,
    batch_audit_key,
    batch_warnings,
    build_batch_configmap,
    build_rayjob,
    build_rayservice,
    build_text_rayservice,
    build_transcription_rayservice,
    credential_plan,
    dump_yaml,
    generation_target,
    parse_spec,
    rayservice_name,
)
from voxray_operator.config import BuildSettings, OperatorSettings
from voxray_runtime.spec.documents import SpecError, parse_document
from voxray_runtime.spec.lexicon import LexiconSpec
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

EXIT_INVALID = 2


@dataclass(frozen=True)
class SpecDocument:
    """One valid document from a file: where it came from, its kind, name, namespace and parsed spec."""

    source: str
    kind: str
    name: str
    namespace: str
    spec: AnySpec


def register(subparsers: Any) -> None:
    """Add ``render`` to the ``voxray`` command's subparsers."""
    parser = subparsers.add_parser(
        "render",
        help="print the objects the operator would create for VoiceModel / TextModel / TranscriptionModel / "
        "SpeechBatch files",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument(
        "-f",
        "--file",
        action="append",
        required=True,
        help="VoiceModel / TextModel / TranscriptionModel / SpeechBatch YAML (repeatable)",
    )
    parser.add_argument(
        "-n",
        "--namespace",
        default=None,
        help="namespace of the objects (default: the document's, else default)",
    )
    parser.add_argument("--image", default=None, help="runtime image (default: the operator's setting)")
    parser.set_defaults(func=run_render)


def _settings(image: str | None) -> BuildSettings:
    settings = OperatorSettings().build_settings()
    return settings.model_copy(update={"image": image}) if image else settings


def load_files(files: Sequence[str], namespace: str | None = None) -> tuple[list[SpecDocument], list[str]]:
    """Every document of the files, parsed and validated as the operator does; (documents, errors)."""
    docs: list[SpecDocument] = []
    errors: list[str] = []
    for file in files:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
            raws = [r for r in yaml.safe_load_all(text) if r is not None]
        except OSError as exc:
            errors.append(f"{file}: cannot read: {exc.strerror or exc}")
            continue
        except yaml.YAMLError as exc:
            errors.append(f"{file}: not valid YAML: {exc}")
            continue
        for raw in raws:
            try:
                doc = parse_document(raw, source=f"{file}: ")
            except SpecError as exc:
                errors.append(_spec_error(file, raw, exc))
                continue
            where = f"{file}: {doc.kind}/{doc.name}"
            try:
                spec = parse_spec(_kind(doc.kind), raw.get("spec"))
            except BuildError as exc:
                errors.append(f"{where}: {exc}")
                continue
            docs.append(
                SpecDocument(where, doc.kind, doc.name, namespace or doc.namespace or "default", spec)
            )
    seen: dict[tuple[str, str, str], str] = {}
    for item in docs:
        key = (item.kind, item.namespace, item.name)
        if key in seen:
            errors.append(f"{item.source}: {item.kind} {item.namespace}/{item.name} is also in {seen[key]}")
        seen.setdefault(key, item.source)
    return docs, errors


def _kind(kind: str) -> Kind:
    if kind in ("VoiceModel", "TextModel", "TranscriptionModel", "Lexicon"):
        return cast(Kind, kind)
    return "SpeechBatch"


def _spec_error(file: str, raw: Any, exc: SpecError) -> str:
    """The operator's words for an invalid spec (parse_spec), the runtime's for anything else."""
    if (
        exc.field.startswith("spec")
        and isinstance(raw, dict)
        and raw.get("kind") in ("VoiceModel", "SpeechBatch", "TextModel", "TranscriptionModel")
    ):
        kind = _kind(raw["kind"])
        try:
            parse_spec(kind, raw.get("spec"))
        except BuildError as err:
            return f"{file}: {kind}/{(raw.get('metadata') or {}).get('name')}: {err}"
    return str(exc)


@dataclass
class Rendered:
    objects: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def render_documents(
    docs: Sequence[SpecDocument], settings: BuildSettings, *, context: Sequence[SpecDocument] = ()
) -> Rendered:
    """The children of ``docs`` in order: RayService per VoiceModel, TextModel and TranscriptionModel,
    ConfigMap + RayJob per
    SpeechBatch.

    VoiceModels and the TextModel a SpeechBatch names are looked up among ``docs`` and ``context`` (same
    namespace); a TextModel found there is taken as Ready.
    """
    result = Rendered()
    models = {(d.namespace, d.name): d.spec for d in [*context, *docs] if isinstance(d.spec, VoiceModelSpec)}
    texts = {
        (d.namespace, d.name): TextModelInfo(d.name, d.spec, phase="Ready")
        for d in [*context, *docs]
        if isinstance(d.spec, TextModelSpec)
    }
    lexicons = {(d.namespace, d.name): d.spec for d in [*context, *docs] if isinstance(d.spec, LexiconSpec)}
    for doc in docs:
        here = {name: spec for (ns, name), spec in lexicons.items() if ns == doc.namespace}
        try:
            if isinstance(doc.spec, LexiconSpec):
                continue  # a Lexicon has no children: VoiceModels and SpeechBatches carry its entries
            if isinstance(doc.spec, VoiceModelSpec | TextModelSpec | TranscriptionModelSpec):
                if isinstance(doc.spec, VoiceModelSpec):
                    served = build_rayservice(doc.name, doc.namespace, doc.spec, settings, lexicons=here)
                elif isinstance(doc.spec, TextModelSpec):
                    served = build_text_rayservice(doc.name, doc.namespace, doc.spec, settings)
                else:
                    served = build_transcription_rayservice(doc.name, doc.namespace, doc.spec, settings)
                result.objects.append(served)
                generated = [u.name for u in credential_plan(doc.name, doc.spec).secrets if u.generated]
                if generated:
                    result.notes.append(
                        f"{doc.source}: the operator generates Secret(s) {', '.join(generated)} once, "
                        "with random keys (not shown here)"
                    )
                continue
            spec = doc.spec
            assert isinstance(spec, SpeechBatchSpec)
            names = [*spec.voice_models, *([spec.run_on.voice_model] if spec.run_on.voice_model else [])]
            found = {n: models[(doc.namespace, n)] for n in names if (doc.namespace, n) in models}
            cluster = None
            if spec.run_on.voice_model:
                cluster = f"{rayservice_name(spec.run_on.voice_model)}-raycluster-xxxxx"
                result.notes.append(
                    f"{doc.source}: runs on the Ray cluster of VoiceModel {spec.run_on.voice_model}; "
                    f"the operator fills in its current name where this shows {cluster}"
                )
            result.notes.extend(f"{doc.source}: {w}" for w in batch_warnings(spec))
            infos = {name: info for (ns, name), info in texts.items() if ns == doc.namespace}
            generation = generation_target(spec, doc.namespace, infos)
            if generation is not None:
                result.notes.append(f"{doc.source}: {generation.describe()} (taken as Ready)")
            job = build_rayjob(
                doc.name,
                doc.namespace,
                spec,
                settings,
                voice_models=found,
                cluster_name=cluster,
                generation=generation,
            )
            result.notes.append(f"{doc.source}: {batch_audit_key(spec, found).describe()}")
            result.objects.append(
                build_batch_configmap(doc.name, doc.namespace, spec, voice_models=found, lexicons=here)
            )
            result.objects.append(job)
        except BuildError as exc:
            hint = " (give its file with -f)" if exc.retryable else ""
            result.errors.append(f"{doc.source}: {exc}{hint}")
    return result


def run_render(
    args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Print the child objects as multi-document YAML; 2 with the operator's messages on invalid input."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    docs, errors = load_files(args.file, args.namespace)
    result = render_documents(docs, _settings(args.image)) if not errors else Rendered()
    errors += result.errors
    if errors:
        for line in errors:
            print(f"voxray render: {line}", file=err)
        return EXIT_INVALID
    if not result.objects:
        print(
            "voxray render: no VoiceModel, TextModel, TranscriptionModel or SpeechBatch documents in the "
            "files given",
            file=err,
        )
        return EXIT_INVALID
    for line in result.notes:
        print(f"note: {line}", file=err)
    out.write(dump_yaml(result.objects))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry: ``python -m voxray_operator.cli render -f FILE``."""
    parser = argparse.ArgumentParser(prog="voxray", description="voxray operator tools")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
