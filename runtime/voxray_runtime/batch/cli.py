"""``voxray batch``: render a SpeechBatch locally or as a RayJob entrypoint.

Exit status: 0 when every file is complete, 1 when any item failed (after its retries) or the run
could not finish, 2 when the SpeechBatch (or a VoiceModel) is invalid: nothing was started then.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from voxray_runtime.models import NamedModel
from voxray_runtime.spec.documents import Document, SpecError, load_documents
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--file", required=True, type=Path, help="SpeechBatch YAML document")
    parser.add_argument("--limit", type=int, default=None, help="render only the first N items (by index)")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: spec.output.path)")
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


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``batch`` subcommand to the voxray CLI."""
    parser = subparsers.add_parser(
        "batch",
        help="render a SpeechBatch into audio files and a manifest (resumable)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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


def run_batch(args: argparse.Namespace) -> int:
    """Validate, plan and run; prints progress and a short summary; returns the exit status.

    A ``spec.generate`` batch first has its posts written by a TextModel (``posts.jsonl``,
    generation/batchstep.py), then speaks them like any other.
    """
    from voxray_runtime.batch.plan import build_plan

    for flag in ("concurrency", "threads", "cpus"):
        value = getattr(args, flag, None)
        if value is not None and value <= 0:
            print(f"error: --{flag} must be positive", file=sys.stderr)
            return EXIT_INVALID
    prepared = None
    try:
        doc = load_speechbatch_document(args.file)
        name, spec = doc.name, doc.spec
        assert isinstance(spec, SpeechBatchSpec)
        models = batch_models(args.file, args.models)
        out = args.out if args.out is not None else Path(spec.output.path)
        if spec.generate is not None:
            from voxray_runtime.generation.batchstep import expected_settings, prepare_generation
            from voxray_runtime.generation.records import expected_items

            # voices, languages and file names are checked against the posts to come, before any model loads
            expected = expected_items(expected_settings(spec, args.limit))
            files_planned = len(
                build_plan(spec, models=models, output_dir=out, limit=args.limit, items=expected).work
            )
            prepared = prepare_generation(
                spec,
                output_dir=out,
                limit=args.limit,
                files=[args.file, *(args.models or [])],
                url=getattr(args, "text_url", None),
                model_id=getattr(args, "text_model_id", None),
            )
            plan = None
        else:
            plan = build_plan(
                spec, models=models, output_dir=out, limit=args.limit, base_dir=args.file.parent
            )
    except SpecError as exc:
        print(f"error: invalid SpeechBatch: {exc}", file=sys.stderr)
        return EXIT_INVALID
    import uuid

    from voxray_runtime.batch.audit import audit_actor_key, audit_destination, ensure_audit_stream
    from voxray_runtime.batch.driver import RunOptions, WorkerStartError, run_plan
    from voxray_runtime.storage.paths import UnsafePathError

    audit_file = audit_destination(os.environ, sys.stderr.isatty(), out)
    ensure_audit_stream(audit_file)
    if audit_file is not None:
        print(f"audit events: {audit_file}", file=sys.stderr, flush=True)
    run_id = uuid.uuid4().hex[:16]
    generation: dict[str, object] | None = None
    if prepared is not None:
        from voxray_runtime.batch.progress import Progress
        from voxray_runtime.generation.client import TextModelError
        from voxray_runtime.generation.step import GenerationAudit
        from voxray_runtime.storage.retention import BatchMarker

        print(prepared.describe(), flush=True)
        actor, key = audit_actor_key(name, doc.namespace)
        audit = GenerationAudit(actor, run_id, key, log_text=prepared.source.log_text)
        quiet = args.progress == "none"

        def say(message: str) -> None:
            if not quiet:
                print(message, flush=True)

        def progress(done: int, total: int) -> None:
            say(Progress(total=files_planned, done=0, failed=0, posts_total=total, posts_done=done).line())

        try:
            with BatchMarker(out):
                result = prepared.run(
                    say=say, audit=audit, max_attempts=spec.retries.max_attempts, progress=progress
                )
        except TextModelError as exc:
            print(f"error: the TextModel failed: {exc}; rerun the same command to resume", file=sys.stderr)
            return EXIT_FAILED
        except KeyboardInterrupt:
            print("interrupted: rerun the same command to resume", file=sys.stderr)
            return 130
        generation = result.summary()
        print(
            f"posts: {len(result.items)} of {result.planned} ready in {result.path} "
            f"({result.reused} kept, {result.posts_written} written, {result.translations_written} "
            f"translation(s), {len(result.failures)} failed; {result.completion_tokens} tokens in "
            f"{result.seconds:.1f} s)",
            flush=True,
        )
        try:
            plan = build_plan(spec, models=models, output_dir=out, limit=args.limit, items=result.items)
        except SpecError as exc:
            print(f"error: invalid SpeechBatch: {exc}", file=sys.stderr)
            return EXIT_INVALID
    assert plan is not None

    options = RunOptions(
        address=args.address,
        concurrency=args.concurrency,
        threads=args.threads,
        cpus=getattr(args, "cpus", None),
        design=args.design,
        progress=args.progress,
        batch_name=name,
        batch_namespace=doc.namespace,
        run_id=run_id,
        generation=generation,
    )
    print(
        f"SpeechBatch {name}: {len(plan.items)} item(s) x {len(plan.avatars)} voice(s) = "
        f"{len(plan.work)} file(s) -> {plan.output_dir}",
        flush=True,
    )
    try:
        summary = run_plan(plan, options).data
    except KeyboardInterrupt:
        print("interrupted: rerun the same command to resume", file=sys.stderr)
        return 130
    except WorkerStartError as exc:
        print(f"error: {exc}; rerun the same command to resume", file=sys.stderr)
        return EXIT_FAILED
    except UnsafePathError as exc:
        print(f"error: unsafe output path: {exc}", file=sys.stderr)
        return EXIT_FAILED
    util = summary.get("utilisation") or {}
    print(
        f"done: {summary['files']}/{summary['total']} files ({summary['rendered']} rendered, "
        f"{summary['skipped']} skipped, {summary['failed']} failed), "
        f"{summary['audio_seconds']:.1f} s audio in {summary['wall_seconds']:.1f} s "
        f"({summary['audio_seconds_per_wall_second']:.2f} audio s/s, "
        f"{summary['files_per_minute']:.1f} files/min)"
        + (f", utilisation {util['observed']:.2f} (ceiling {util['ceiling']:g})" if util else "")
        + f"; summary: {plan.summary_path}",
        flush=True,
    )
    for f in summary["failures"]:
        print(f"failed: {f['name']}: {f['error_type']}: {f['error']}", file=sys.stderr)
    generation_failed = bool(generation and generation["failed"])
    return EXIT_FAILED if summary["failed"] or summary["missing"] or generation_failed else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voxray_runtime.batch", description=__doc__)
    add_arguments(parser)
    return run_batch(parser.parse_args(argv))
