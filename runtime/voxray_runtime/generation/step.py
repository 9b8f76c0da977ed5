"""The generation step of a ``spec.generate`` SpeechBatch: the posts a TextModel writes, into
``posts.jsonl`` in the output directory, before speech starts.

Durability: after every text (a post, or one translation of it) ``posts.jsonl`` is rewritten whole and
atomically (temporary file in the same directory, fsync, rename, fsync of the directory: see
``storage/atomic.py``). A reader, or a rerun after ``kill -9`` at any moment, finds either the file before
that text or the file after it: never a torn line, never a half-written post. A killed run leaves at most a
hidden temporary file, which the next run removes. The rewrite costs a few kilobytes per post, nothing beside
the seconds a model takes to write one.

Resume: the plan (``plan.py``) keeps every record written with the same settings and writes only what is
missing. Output a post cannot be spoken from (``clean.py``) is asked for again with the next seed, up to
``spec.retries.maxAttempts`` times; then the post (or its translation) is recorded as failed and the batch
speaks the others. A TextModel that cannot answer at all (unreachable, unknown model, refused credentials,
busy past its retries) stops the run with its :class:`TextModelError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voxray_runtime.batch.audit import generation_event
from voxray_runtime.generation.clean import OutputRejectedError, clean_output
from voxray_runtime.generation.client import TextClient, ask
from voxray_runtime.generation.plan import GenerationPlan, Task
from voxray_runtime.generation.prompts import Prompt, PromptStyle, post_prompt, translation_prompt
from voxray_runtime.generation.records import (
    POSTS_FILE,
    Record,
    has_text,
    post_seed,
    render_records,
    with_text,
)
from voxray_runtime.security.audit import emit
from voxray_runtime.spec.speechbatch import BatchItem
from voxray_runtime.storage.paths import resolve_output_path, write_output


@dataclass(frozen=True)
class GenerationAudit:
    """Who the ``batch.generate`` events name, the run they belong to, and the key of the prompt hashes."""

    actor: str
    run_id: str
    key: bytes
    log_text: bool = False


@dataclass
class GenerationResult:
    #: the posts file written (None: nothing written, ``voxray generate`` without --out)
    path: Path | None
    model: str
    where: str
    planned: int
    #: posts complete before this run (nothing written for them)
    reused: int
    posts_written: int = 0
    translations_written: int = 0
    #: answers refused by the cleaning checks (each asked for again)
    rejected: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    #: requests to the TextModel retried (busy, or its replica or node lost): path, attempt, reason
    retried: list[dict[str, Any]] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    items: list[BatchItem] = field(default_factory=list)
    #: every record, by index, as the run left them
    records: dict[int, Record] = field(default_factory=dict)

    @property
    def texts_written(self) -> int:
        return self.posts_written + self.translations_written

    def summary(self) -> dict[str, Any]:
        """The ``generation`` block of the batch's summary.json."""
        return {
            "posts_file": self.path.name if self.path is not None else None,
            "model": self.model,
            "text_model": self.where,
            "planned": self.planned,
            "reused": self.reused,
            "posts_written": self.posts_written,
            "translations_written": self.translations_written,
            "rejected_answers": self.rejected,
            "failed": len(self.failures),
            "failures": self.failures,
            "retried": self.retried,
            "items": len(self.items),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": round(self.seconds, 3),
            "tokens_per_second": round(self.completion_tokens / self.seconds, 2) if self.seconds > 0 else 0.0,
        }


def task_prompt(plan: GenerationPlan, task: Task, record: Record, style: PromptStyle) -> Prompt:
    s = plan.settings
    if task.translation:
        return translation_prompt(
            record["texts"][s.source_language], source=s.source_language, target=task.language, style=style
        )
    return post_prompt(
        s.brief, number=task.index, language=s.source_language, max_tokens=s.max_tokens, style=style
    )


def echo_reference(prompt: Prompt, own: str) -> str:
    """What an answer must not repeat: the prompt less ``own`` (the brief, or the text to translate)."""
    return prompt.text.replace(own.strip(), " ").replace(" ".join(own.split()), " ")


def _stored(records: dict[int, Record]) -> dict[int, Record]:
    """Records that hold at least one text (a post not written yet has no line)."""
    return {i: r for i, r in records.items() if r.get("texts")}


def generate_posts(
    plan: GenerationPlan,
    client: TextClient,
    output_dir: Path | None,
    *,
    max_attempts: int = 3,
    say: Callable[[str], None] = print,
    audit: GenerationAudit | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationResult:
    """Write what ``plan`` says is missing into ``output_dir/posts.jsonl`` (``None``: keep the records in
    memory only); returns what happened and the batch items of the complete planned posts.
    ``progress(posts_done, posts_total)`` is called at the start and whenever a post is complete."""
    s = plan.settings
    records = dict(plan.records)

    def save() -> None:
        if output_dir is not None:
            write_output(output_dir, POSTS_FILE, render_records(_stored(records)))

    # nothing is rewritten before a text is written: a rerun with nothing to do leaves the file alone
    path = resolve_output_path(output_dir, POSTS_FILE) if output_dir is not None else None
    result = GenerationResult(
        path=path, model=s.model, where=client.where, planned=len(plan.planned), reused=plan.complete_posts
    )
    t0 = time.monotonic()
    failed_posts: set[int] = set()
    total = len(plan.tasks)
    last_task = {t.index: n for n, t in enumerate(plan.tasks, start=1)}
    done_posts = plan.complete_posts
    if progress is not None:
        progress(done_posts, len(plan.planned))
    for n, task in enumerate(plan.tasks, start=1):
        if task.index in failed_posts:
            continue
        record = records[task.index]
        prompt = task_prompt(plan, task, record, client.style)
        source_text = record["texts"][s.source_language] if task.translation else None
        instructions = echo_reference(prompt, source_text or s.brief)
        text, seed, attempts, reason, started = None, 0, 0, "", time.monotonic()
        usage: tuple[int | None, int | None] = (None, None)
        for attempt in range(1, max(1, max_attempts) + 1):
            attempts, seed = attempt, post_seed(s.batch_seed, task.index, task.language, attempt)
            answer = ask(client, prompt, max_tokens=s.max_tokens, temperature=s.temperature, seed=seed)
            usage = (answer.prompt_tokens, answer.completion_tokens)
            result.prompt_tokens += answer.prompt_tokens or 0
            result.completion_tokens += answer.completion_tokens or 0
            try:
                text = clean_output(
                    answer.text,
                    task.language,
                    truncated=answer.truncated,
                    source_text=source_text,
                    instructions=instructions,
                )
                break
            except OutputRejectedError as exc:
                result.rejected += 1
                reason = f"{exc.reason}: {exc}"
                say(f"post {task.index} ({task.language}): answer {attempt} refused ({reason})")
        what = "translation" if task.translation else "post"
        if audit is not None:
            emit(
                generation_event(
                    audit.actor,
                    audit.run_id,
                    model=s.model,
                    index=task.index,
                    post_id=str(record["id"]),
                    language=task.language,
                    translation=task.translation,
                    prompt=prompt.text,
                    key=audit.key,
                    attempts=attempts,
                    output_path=str(path) if path is not None else "",
                    seed=seed,
                    prompt_tokens=usage[0],
                    completion_tokens=usage[1],
                    output_chars=len(text) if text is not None else None,
                    duration_s=time.monotonic() - started,
                    error_type="" if text is not None else "OutputRejectedError",
                    log_text=audit.log_text,
                )
            )
        if text is None:
            result.failures.append(
                {
                    "index": task.index,
                    "id": record["id"],
                    "language": task.language,
                    "kind": what,
                    "attempts": attempts,
                    "error_type": "OutputRejectedError",
                    "error": reason,
                }
            )
            if not task.translation:
                failed_posts.add(task.index)
            say(f"failed: post {task.index} ({task.language}) after {attempts} answer(s): {reason}")
            continue
        records[task.index] = with_text(
            record, task.language, text, seed=seed, completion_tokens=usage[1], source_text=source_text
        )
        save()
        if task.translation:
            result.translations_written += 1
        else:
            result.posts_written += 1
        say(f"wrote {what} {task.index} ({task.language}, {len(text.split())} words) [{n}/{total}]")
        if last_task[task.index] == n:
            done_posts += 1
            if progress is not None:
                progress(done_posts, len(plan.planned))
    result.seconds = time.monotonic() - t0
    result.records = records
    # a post whose translation failed is not spoken at all: every voice speaks the same posts
    incomplete = {f["index"] for f in result.failures}
    result.items = [
        item
        for item in plan.items(records)
        if item.index not in incomplete and all(has_text(records[item.index], lang) for lang in s.languages)
    ]
    return result
