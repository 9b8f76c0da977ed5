"""The generation step as ``voxray batch`` runs it: validate against the posts to come, open the
TextModel, plan against the ``posts.jsonl`` an earlier run left, write what is missing (telling what
happens), hand the posts to speech planning."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from voxray_runtime.generation.client import HttpTextClient
from voxray_runtime.generation.plan import GenerationPlan, plan_generation
from voxray_runtime.generation.records import POSTS_FILE, Record, Settings, expected_items, parse_records
from voxray_runtime.generation.source import TextSource, open_text_source
from voxray_runtime.generation.step import GenerationAudit, GenerationResult, generate_posts
from voxray_runtime.spec.speechbatch import BatchItem, SpeechBatchSpec
from voxray_runtime.storage.paths import resolve_output_path


def read_posts(output_dir: Path) -> dict[int, Record]:
    """The records of ``output_dir/posts.jsonl`` (none when it does not exist)."""
    path = resolve_output_path(output_dir, POSTS_FILE)
    if not path.is_file():
        return {}
    return parse_records(path.read_text(encoding="utf-8", errors="replace").splitlines())


def expected_settings(spec: SpeechBatchSpec, limit: int | None) -> Settings:
    """The run's settings before the model is known (enough to validate voices and file names)."""
    assert spec.generate is not None
    return Settings.from_spec(spec.generate, model="", limit=limit)


@dataclass
class PreparedGeneration:
    source: TextSource
    plan: GenerationPlan
    output_dir: Path

    def describe(self) -> str:
        p, c = self.plan, self.source.client
        return (
            f"generating posts with {c.model} ({c.where}): {p.settings.count} post(s) in "
            f"{', '.join(p.settings.languages)}; {p.complete_posts} already in {POSTS_FILE}, "
            f"{p.posts_to_write} post(s) and {p.translations_to_write} translation(s) to write"
        )

    def run(
        self,
        *,
        say: Callable[[str], None],
        audit: GenerationAudit | None,
        max_attempts: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> GenerationResult:
        """Write what is missing, then release the model (speech needs the CPUs)."""
        try:
            return generate_posts(
                self.plan,
                self.source.client,
                self.output_dir,
                max_attempts=max_attempts,
                say=say,
                audit=audit,
                progress=progress,
            )
        finally:
            self.close()

    def close(self) -> None:
        self.source.client.close()


def prepare_generation(
    spec: SpeechBatchSpec,
    *,
    output_dir: Path,
    limit: int | None,
    files: Sequence[Path],
    env: Mapping[str, str] | None = None,
    url: str | None = None,
    model_id: str | None = None,
) -> PreparedGeneration:
    """Open the TextModel (SpecError naming spec.generate.textModel when it cannot be reached or is
    unknown) and plan against what ``posts.jsonl`` holds."""
    assert spec.generate is not None
    source = open_text_source(spec.generate, env=env, url=url, model_id=model_id, files=files)
    try:
        settings = Settings.from_spec(spec.generate, model=source.client.model, limit=limit)
        plan = plan_generation(settings, read_posts(output_dir))
    except BaseException:
        source.client.close()
        raise
    return PreparedGeneration(source=source, plan=plan, output_dir=output_dir)


def expected_posts(spec: SpeechBatchSpec, limit: int | None) -> list[BatchItem]:
    """The posts to come as batch items (index, id, a text in each language): enough to check voices,
    languages and file names before any model loads."""
    return expected_items(expected_settings(spec, limit))


@dataclass(frozen=True)
class BatchStep:
    """Who runs the generation step of a batch and how it reports."""

    #: the SpeechBatch's name and namespace (who the audit events name) and the run's id
    name: str | None
    namespace: str | None
    run_id: str
    #: the files the batch will render (shown in the progress lines while posts are written)
    files_planned: int
    max_attempts: int
    quiet: bool = False


def generate_for_batch(prepared: PreparedGeneration, step: BatchStep) -> GenerationResult:
    """Write the batch's missing posts (TextModelError / KeyboardInterrupt raised), telling what happens
    on stdout; the output directory carries the running marker meanwhile."""
    from voxray_runtime.batch.audit import audit_actor_key
    from voxray_runtime.batch.progress import Progress
    from voxray_runtime.storage.retention import BatchMarker

    print(prepared.describe(), flush=True)
    actor, key = audit_actor_key(step.name, step.namespace)
    audit = GenerationAudit(actor, step.run_id, key, log_text=prepared.source.log_text)

    def say(message: str) -> None:
        if not step.quiet:
            print(message, flush=True)

    def progress(done: int, total: int) -> None:
        # the machine-readable line is for logs the operator reads; a terminal has the "wrote post" lines
        if not sys.stdout.isatty():
            line = Progress(total=step.files_planned, done=0, failed=0, posts_total=total, posts_done=done)
            say(line.line())

    client = prepared.source.client
    if isinstance(client, HttpTextClient):
        client.on_retry = say
    with BatchMarker(prepared.output_dir):
        result = prepared.run(say=say, audit=audit, max_attempts=step.max_attempts, progress=progress)
    if isinstance(client, HttpTextClient):
        result.retried = list(client.retried)
    print(describe_result(result), flush=True)
    return result


def describe_result(result: GenerationResult) -> str:
    return (
        f"posts: {len(result.items)} of {result.planned} ready in {result.path} "
        f"({result.reused} kept, {result.posts_written} written, {result.translations_written} "
        f"translation(s), {len(result.failures)} failed, {len(result.retried)} request(s) retried; "
        f"{result.completion_tokens} tokens in "
        f"{result.seconds:.1f} s)"
    )
