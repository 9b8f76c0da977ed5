"""``voxray batch``: render a SpeechBatch locally or as a RayJob entrypoint.

Exit status: 0 when every file is complete, 1 when any item failed (after its retries) or the run
could not finish, 2 when the SpeechBatch (or a VoiceModel) is invalid: nothing was started then.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voxray_runtime.commands import add_command
from voxray_runtime.models import NamedModel
from voxray_runtime.spec.documents import Document, SpecError, load_documents
from voxray_runtime.spec.speechbatch import BatchItem, SpeechBatchSpec
from voxray_runtime.storage.location import Location, LocationError, ObjectPrefix, parse_location

#: the one-line help of ``voxray batch``
HELP = "render a SpeechBatch into audio files and a manifest (resumable)"

if TYPE_CHECKING:
    from voxray_runtime.batch.driver import RunOptions
    from voxray_runtime.batch.plan import Plan
    from voxray_runtime.generation.batchstep import PreparedGeneration
    from voxray_runtime.generation.step import GenerationResult

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
#: the run was interrupted (SIGINT): rerunning the same command resumes it
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--file", required=True, type=Path, help="SpeechBatch YAML document")
    parser.add_argument("--limit", type=int, default=None, help="render only the first N items (by index)")
    parser.add_argument(
        "--out",
        default=None,
        help="output directory or s3://bucket/prefix (default: spec.output.path); other schemes are refused",
    )
    parser.add_argument(
        "--address", default=None, help="Ray address to use (default: RAY_ADDRESS, else a local Ray)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=None, help="synthesis workers (default: from the ceiling)"
    )
    parser.add_argument(
        "-m",
        "--models",
        nargs="+",
        action="extend",
        type=Path,
        default=None,
        metavar="FILE",
        help="VoiceModel YAML files (default: the bundled VoiceModels)",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="engine intra-op threads per worker (default 1)"
    )
    parser.add_argument(
        "--cpus",
        type=float,
        default=None,
        help="CPUs given to the batch, which the ceiling applies to (default: the CPUs Ray has free)",
    )
    parser.add_argument(
        "--worker-resources",
        type=_resources,
        default=None,
        metavar="JSON",
        help="custom Ray resources each worker asks for, e.g. '{\"tts-node\": 1}' (placement on such nodes)",
    )
    parser.add_argument(
        "--item-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds one file may take before its call is abandoned and retried (default: from its text)",
    )
    parser.add_argument(
        "--design",
        choices=("actors", "tasks"),
        default="actors",
        help="execution design (actors: a pool of actors)",
    )
    parser.add_argument(
        "--text-url",
        default=None,
        metavar="URL",
        help="spec.generate: OpenAI-compatible base URL of the TextModel (default: VOXRAY_TEXT_MODEL_URL, "
        "else the TextModel in this process)",
    )
    parser.add_argument(
        "--text-model-id",
        default=None,
        metavar="ID",
        help="spec.generate with a URL: the model id to send (default: VOXRAY_TEXT_MODEL_ID, else textModel)",
    )
    parser.add_argument(
        "--progress",
        choices=("auto", "rich", "plain", "none"),
        default="auto",
        help="display: a bar on a terminal, plain voxray-progress lines otherwise (auto)",
    )


def _resources(text: str) -> dict[str, float]:
    try:
        value = json.loads(text)
        if not isinstance(value, dict) or not value:
            raise ValueError
        out = {str(k): float(v) for k, v in value.items()}
    except (ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError('a JSON object of resource amounts, e.g. {"tts-node": 1}') from exc
    if any(v <= 0 for v in out.values()):
        raise argparse.ArgumentTypeError("resource amounts must be positive")
    return out


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``batch`` subcommand to the voxray CLI."""
    parser = add_command(subparsers, "batch", help=HELP, description=__doc__)
    add_arguments(parser)
    parser.set_defaults(func=run_batch)


def load_speechbatch(path: Path) -> tuple[str, SpeechBatchSpec]:
    doc = load_speechbatch_document(path)
    assert isinstance(doc.spec, SpeechBatchSpec)
    return doc.name, doc.spec


def load_speechbatch_document(path: Path) -> Document:
    docs = [d for d in load_documents(path) if isinstance(d.spec, SpeechBatchSpec)]
    if len(docs) != 1:
        raise SpecError(
            f"expected exactly one SpeechBatch document, found {len(docs)}", field="kind", source=str(path)
        )
    return docs[0]


def batch_models(spec_file: Path, model_files: Sequence[Path] | None) -> list[NamedModel]:
    """The VoiceModels a batch may use: ``-m`` files, else VoiceModel documents in the SpeechBatch's own
    file (the operator delivers them that way), else the bundled defaults."""
    from voxray_runtime.models import default_models, load_models

    if model_files:
        return load_models(model_files)
    return load_models([spec_file]) or default_models()


@dataclass
class BatchSetup:
    """A validated SpeechBatch: its document, models and output directory, and either its plan or, for
    a ``spec.generate`` batch, the generation step that comes first (the plan follows its posts)."""

    doc: Document
    spec: SpeechBatchSpec
    models: list[NamedModel]
    out: Location
    plan: Plan | None = None
    generation: PreparedGeneration | None = None
    #: files the batch renders (known before the posts are written)
    files_planned: int = 0


def run_batch(args: argparse.Namespace) -> int:
    """Validate, plan and run; prints progress and a short summary; returns the exit status.

    A ``spec.generate`` batch first has its posts written by a TextModel (``posts.jsonl``,
    generation/batchstep.py), then speaks them like any other.
    """
    from voxray_runtime.batch.driver import run_plan
    from voxray_runtime.batch.raypool import WorkerStartError
    from voxray_runtime.generation.client import TextModelError
    from voxray_runtime.storage.objects import ObjectStoreError
    from voxray_runtime.storage.paths import UnsafePathError

    problem = check_flags(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_INVALID
    try:
        setup = prepare(args)
    except SpecError as exc:
        return _invalid(exc)
    run_id = open_audit(setup.out)
    generation: dict[str, object] | None = None
    if setup.generation is not None:
        try:
            result = _generate(args, setup, run_id)
        except (TextModelError, KeyboardInterrupt) as exc:
            return stopped_status(exc)
        generation = result.summary()
        try:
            setup.plan = _plan(args, setup, items=result.items)
        except SpecError as exc:
            return _invalid(exc)
    assert setup.plan is not None
    plan = setup.plan
    print(
        f"SpeechBatch {setup.doc.name}: {len(plan.items)} item(s) x {len(plan.avatars)} voice(s) = "
        f"{len(plan.work)} file(s) -> {plan.output_dir}",
        flush=True,
    )
    try:
        summary = run_plan(plan, run_options(args, setup.doc, run_id, generation)).data
    except (KeyboardInterrupt, WorkerStartError, UnsafePathError, ObjectStoreError) as exc:
        return stopped_status(exc)
    print_summary(summary, plan.summary_path)
    generation_failed = bool(generation and generation["failed"])
    return EXIT_FAILED if summary["failed"] or summary["missing"] or generation_failed else EXIT_OK


def check_flags(args: argparse.Namespace) -> str | None:
    """What is wrong with the numeric flags, if anything."""
    for flag in ("concurrency", "threads", "cpus", "item_timeout"):
        value = getattr(args, flag, None)
        if value is not None and value <= 0:
            return f"--{flag.replace('_', '-')} must be positive"
    return None


def prepare(args: argparse.Namespace) -> BatchSetup:
    """Load and validate the SpeechBatch (SpecError when invalid): its plan, or, for ``spec.generate``,
    a check against the posts to come and the TextModel opened."""
    doc = load_speechbatch_document(args.file)
    assert isinstance(doc.spec, SpeechBatchSpec)
    spec = doc.spec
    models = batch_models(args.file, args.models)
    out = output_location(args.out, spec)
    setup = BatchSetup(doc=doc, spec=spec, models=models, out=out)
    if spec.generate is None:
        setup.plan = _plan(args, setup, base_dir=args.file.parent)
        return setup
    from voxray_runtime.generation.batchstep import expected_posts, prepare_generation

    if not isinstance(out, Path):
        raise SpecError(
            "spec.generate writes its posts to a local output; an object store output is not supported "
            "for generated batches yet",
            field="spec.output.path",
        )
    # voices, languages and file names are checked against the posts to come, before any model loads
    setup.files_planned = len(_plan(args, setup, items=expected_posts(spec, args.limit)).work)
    setup.generation = prepare_generation(
        spec,
        output_dir=out,
        limit=args.limit,
        files=[args.file, *(args.models or [])],
        url=getattr(args, "text_url", None),
        model_id=getattr(args, "text_model_id", None),
    )
    return setup


def output_location(out: str | Path | None, spec: SpeechBatchSpec) -> Location:
    """Where the batch writes: ``--out``, else ``spec.output.path``, parsed as a URI (SpecError naming the
    flag or field for a scheme voxray does not write to). For ``s3://``, ``spec.output.s3`` points the
    S3 SDK (endpoint, region, addressing) of the driver and of every worker (the location carries them);
    credentials come from the standard chain (env, IRSA, Workload Identity), never from the spec."""
    field = "--out" if out is not None else "spec.output.path"
    try:
        location = parse_location(out if out is not None else spec.output.path, field="")
    except LocationError as exc:
        raise SpecError(str(exc), field=field) from None
    s3 = spec.output.s3
    if isinstance(location, ObjectPrefix) and s3 is not None:
        location = replace(location, endpoint=s3.endpoint, region=s3.region, path_style=s3.path_style)
    return location


def _plan(args: argparse.Namespace, setup: BatchSetup, *, items: list[BatchItem] | None = None,
          base_dir: Path | None = None) -> Plan:  # fmt: skip
    """The plan; Lexicon documents from the SpeechBatch's own file (the operator's way) or a -m file."""
    from voxray_runtime.batch.plan import build_plan
    from voxray_runtime.models import load_lexicons

    spec, models, out = setup.spec, setup.models, setup.out
    lex = load_lexicons([args.file, *(args.models or [])]) if spec.lexicons else {}
    return build_plan(
        spec, models=models, output_dir=out, limit=args.limit, items=items, base_dir=base_dir, lexicons=lex
    )


def open_audit(out: Location) -> str:
    """Route the audit events (said on stderr when to a file; never into an object store); returns the
    run's id."""
    from voxray_runtime.batch.audit import audit_destination, ensure_audit_stream

    local = isinstance(out, Path)
    audit_file = audit_destination(
        os.environ, sys.stderr.isatty() and local, out if isinstance(out, Path) else Path(".")
    )
    ensure_audit_stream(audit_file)
    if audit_file is not None:
        print(f"audit events: {audit_file}", file=sys.stderr, flush=True)
    return uuid.uuid4().hex[:16]


def _generate(args: argparse.Namespace, setup: BatchSetup, run_id: str) -> GenerationResult:
    from voxray_runtime.generation.batchstep import BatchStep, generate_for_batch

    assert setup.generation is not None
    step = BatchStep(
        name=setup.doc.name,
        namespace=setup.doc.namespace,
        run_id=run_id,
        files_planned=setup.files_planned,
        max_attempts=setup.spec.retries.max_attempts,
        quiet=args.progress == "none",
    )
    return generate_for_batch(setup.generation, step)


def run_options(
    args: argparse.Namespace, doc: Document, run_id: str, generation: dict[str, object] | None
) -> RunOptions:
    from voxray_runtime.batch.driver import RunOptions

    return RunOptions(
        address=args.address,
        concurrency=args.concurrency,
        threads=args.threads,
        cpus=getattr(args, "cpus", None),
        design=args.design,
        worker_resources=getattr(args, "worker_resources", None),
        item_timeout_s=getattr(args, "item_timeout", None),
        progress=args.progress,
        batch_name=doc.name,
        batch_namespace=doc.namespace,
        run_id=run_id,
        generation=generation,
    )


def _invalid(exc: SpecError) -> int:
    print(f"error: invalid SpeechBatch: {exc}", file=sys.stderr)
    return EXIT_INVALID


def stopped_status(exc: BaseException) -> int:
    """The exit status (and the line on stderr) of a run stopped by ``exc`` (one of those ``run_batch``
    expects); any other error is raised again."""
    from voxray_runtime.batch.raypool import WorkerStartError
    from voxray_runtime.generation.client import TextModelError
    from voxray_runtime.storage.objects import ObjectStoreError
    from voxray_runtime.storage.paths import UnsafePathError

    #: (what stopped the run, the line on stderr, the exit status), first match wins
    stops: tuple[tuple[type[BaseException], str, int], ...] = (
        (KeyboardInterrupt, "interrupted: rerun the same command to resume", EXIT_INTERRUPTED),
        (TextModelError, "error: the TextModel failed: {exc}; rerun the same command to resume", EXIT_FAILED),
        (WorkerStartError, "error: {exc}; rerun the same command to resume", EXIT_FAILED),
        (
            ObjectStoreError,
            "error: object store: {exc}; files already written are kept, rerun to resume",
            EXIT_FAILED,
        ),
        (UnsafePathError, "error: unsafe output path: {exc}", EXIT_FAILED),
    )
    for kind, line, status in stops:
        if isinstance(exc, kind):
            print(line.format(exc=exc), file=sys.stderr)
            return status
    raise exc


def print_summary(summary: dict[str, Any], summary_path: Location) -> None:
    """The closing line on stdout and each failure on stderr."""
    util = summary.get("utilisation") or {}
    print(
        f"done: {summary['files']}/{summary['total']} files ({summary['rendered']} rendered, "
        f"{summary['skipped']} skipped, {summary['failed']} failed), "
        f"{summary['audio_seconds']:.1f} s audio in {summary['wall_seconds']:.1f} s "
        f"({summary['audio_seconds_per_wall_second']:.2f} audio s/s, "
        f"{summary['files_per_minute']:.1f} files/min)"
        + (f", utilisation {util['observed']:.2f} (ceiling {util['ceiling']:g})" if util else "")
        + f"; summary: {summary_path}",
        flush=True,
    )
    for f in summary["failures"]:
        print(f"failed: {f['name']}: {f['error_type']}: {f['error']}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voxray_runtime.batch", description=__doc__)
    add_arguments(parser)
    return run_batch(parser.parse_args(argv))
