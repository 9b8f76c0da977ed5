"""Audit events of a batch run (``voxray.audit`` logger): ``batch.start``, one ``batch.generate`` per text a
TextModel wrote (or failed to write) for a ``spec.generate`` batch, one ``batch.item`` per file written or
failed in this run, ``batch.finish`` with the counts. Builders are pure; ``BatchAudit`` emits them.

Who: the SpeechBatch (``VOXRAY_BATCH_ACTOR``, set by the operator on the RayJob, else the document's
``namespace/name``), or the OS user for a local run without a namespace. The text never appears: its
length and keyed hash (``text_hmac``, HMAC-SHA256 with the key from ``VOXRAY_AUDIT_HMAC_KEY_FILE`` or the
mounted audit key Secret, else a random per-run key) do; for a generated text, the prompt's length and
keyed hash (the prompt itself only when the TextModel's ``security.logText`` is on). Files skipped because
an earlier run made them are counted in ``batch.start`` and ``batch.finish``, not repeated per file.
"""

from __future__ import annotations

import getpass
import logging
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from voxray_runtime.batch.plan import Plan, WorkItem
from voxray_runtime.security.audit import (
    AUDIT_LOGGER,
    AuditEvent,
    configure_audit_stream,
    emit,
    load_hmac_key,
    text_fingerprint,
)
from voxray_runtime.security.config import AUDIT_KEY_FILE, AUDIT_KEY_MOUNT

ACTOR_ENV = "VOXRAY_BATCH_ACTOR"
KEY_FILE_ENV = "VOXRAY_AUDIT_HMAC_KEY_FILE"
LOG_ENV = "VOXRAY_AUDIT_LOG"
#: where an interactive run keeps its audit events: beside the manifest, in the output directory
LOCAL_AUDIT_FILE = "audit.jsonl"


def audit_destination(env: Mapping[str, str], interactive: bool, output_dir: Path) -> Path | None:
    """Where the audit events of a run go: ``VOXRAY_AUDIT_LOG`` when set; else, for a run at a terminal,
    ``<output>/audit.jsonl`` (a line per file would bury the progress); else ``None``: stderr, where a
    RayJob driver's log collector picks them up."""
    explicit = (env.get(LOG_ENV) or "").strip()
    if explicit:
        return Path(explicit)
    return output_dir / LOCAL_AUDIT_FILE if interactive else None


def batch_actor(
    name: str | None, namespace: str | None, env: Mapping[str, str] | None = None, user: str | None = None
) -> str:
    """Who runs the batch: ``VOXRAY_BATCH_ACTOR``, else ``namespace/name``, else ``user:<os user>``."""
    environ = os.environ if env is None else env
    explicit = (environ.get(ACTOR_ENV) or "").strip()
    if explicit:
        return explicit[:253]
    if namespace and name:
        return f"{namespace}/{name}"
    if user is None:
        try:
            user = getpass.getuser()
        except Exception:
            user = f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"user:{user}" + (f" ({name})" if name else "")


def ensure_audit_stream(path: Path | None = None) -> logging.Logger:
    """Route the audit logger: to ``path`` or ``VOXRAY_AUDIT_LOG`` when given (a file of its own, 0600),
    else, unless someone configured it already, to stderr on its own unpropagated handler."""
    logger = logging.getLogger(AUDIT_LOGGER)
    if path is not None or os.environ.get(LOG_ENV) or not logger.handlers:
        return configure_audit_stream(str(path) if path is not None else None)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)  # audit events are INFO: never filtered out by the root level
    return logger


def audit_key(env: Mapping[str, str] | None = None) -> bytes:
    """The keyed-hash key: ``VOXRAY_AUDIT_HMAC_KEY_FILE``, else the mounted Secret, else random."""
    environ = os.environ if env is None else env
    path = environ.get(KEY_FILE_ENV)
    if not path:
        mounted = Path(AUDIT_KEY_MOUNT) / AUDIT_KEY_FILE
        path = str(mounted) if mounted.is_file() else None
    return load_hmac_key(path)


def audit_actor_key(name: str | None, namespace: str | None) -> tuple[str, bytes]:
    """The actor and the keyed-hash key of a run's events (see :func:`batch_actor`, :func:`audit_key`)."""
    return batch_actor(name, namespace), audit_key()


def start_event(
    actor: str, run_id: str, plan: Plan, *, batch: str | None, todo: int, skipped: int
) -> AuditEvent:
    return AuditEvent(
        action="batch.start",
        outcome="ok",
        actor=actor,
        request_id=run_id,
        model=",".join(m.name for m in plan.models) or None,
        output_path=str(plan.output_dir),
        detail={
            "batch": batch,
            "items": len(plan.items),
            "voices": len(plan.avatars),
            "files": len(plan.work),
            "to_render": todo,
            "skipped": skipped,
            "format": plan.format,
        },
    )


def item_event(
    actor: str,
    run_id: str,
    plan: Plan,
    work: WorkItem,
    key: bytes,
    *,
    entry: Mapping[str, Any] | None = None,
    error_type: str = "",
    attempts: int = 1,
) -> AuditEvent:
    """One file: written (``entry`` given) or failed for good (``error_type``)."""
    b = work.binding
    detail: dict[str, str | int | float | bool | None] = {
        "index": work.index,
        "id": work.id,
        "engine": b.engine,
        "speaker": b.speaker,
        "attempts": attempts,
    }
    if error_type:
        detail["error_type"] = error_type
    timings = (entry or {}).get("timings") or {}
    total_s = timings.get("total_s") if isinstance(timings, Mapping) else None
    return AuditEvent(
        action="batch.item",
        outcome="ok" if entry is not None else "error",
        actor=actor,
        request_id=run_id,
        model=b.model,
        voice=b.avatar.name,
        language=b.avatar.locale,
        chars=len(work.text),
        text_hmac=text_fingerprint(work.text, key),
        bytes=int(entry["size_bytes"]) if entry is not None else None,
        output_path=str(plan.output_dir / work.name),
        duration_ms=float(total_s) * 1000.0 if isinstance(total_s, int | float) else None,
        detail=detail,
    )


def finish_event(
    actor: str,
    run_id: str,
    plan: Plan,
    summary: Mapping[str, Any],
    *,
    batch: str | None,
    stopped: str | None = None,
) -> AuditEvent:
    """The run's end: its counts, or (``stopped``) why it ended early."""
    ok = not summary.get("failed") and not summary.get("missing") and stopped is None
    detail: dict[str, str | int | float | bool | None] = {
        "batch": batch,
        "total": int(summary.get("total", 0)),
        "files": int(summary.get("files", 0)),
        "rendered": int(summary.get("rendered", 0)),
        "skipped": int(summary.get("skipped", 0)),
        "failed": int(summary.get("failed", 0)),
        "missing": int(summary.get("missing", 0)),
    }
    if stopped is not None:
        detail["stopped"] = stopped[:500]
    return AuditEvent(
        action="batch.finish",
        outcome="ok" if ok else "error",
        actor=actor,
        request_id=run_id,
        output_path=str(plan.output_dir),
        bytes=int(summary.get("bytes_written", 0)),
        duration_ms=float(summary.get("wall_seconds", 0.0)) * 1000.0,
        detail=detail,
    )


def generation_event(
    actor: str,
    run_id: str,
    *,
    model: str,
    index: int,
    post_id: str,
    language: str,
    translation: bool,
    prompt: str,
    key: bytes,
    attempts: int,
    output_path: str,
    seed: int | None = None,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    output_chars: int | None = None,
    duration_s: float | None = None,
    error_type: str = "",
    log_text: bool = False,
) -> AuditEvent:
    """One text of a generated post: written (no ``error_type``) or failed for good. ``chars`` and
    ``text_hmac`` are the prompt's; the prompt itself only with ``log_text``."""
    detail: dict[str, str | int | float | bool | None] = {
        "index": index,
        "id": post_id,
        "kind": "translation" if translation else "post",
        "seed": seed,
        "attempts": attempts,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "output_chars": output_chars,
    }
    if error_type:
        detail["error_type"] = error_type
    if log_text:
        detail["prompt"] = prompt
    return AuditEvent(
        action="batch.generate",
        outcome="error" if error_type else "ok",
        actor=actor,
        request_id=run_id,
        model=model,
        language=language,
        chars=len(prompt),
        text_hmac=text_fingerprint(prompt, key),
        output_path=output_path,
        duration_ms=duration_s * 1000.0 if duration_s is not None else None,
        detail={k: v for k, v in detail.items() if v is not None},
    )


class BatchAudit:
    """Emits the run's audit events (built above); counts the bytes written."""

    def __init__(self, plan: Plan, *, name: str | None, namespace: str | None, run_id: str | None) -> None:
        self.plan = plan
        self.batch = f"{namespace}/{name}" if namespace else name
        self.actor = batch_actor(name, namespace)
        self.run_id = run_id or uuid.uuid4().hex[:16]
        self.key = audit_key()
        self.bytes_written = 0

    def start(self, todo: int, skipped: int) -> None:
        emit(start_event(self.actor, self.run_id, self.plan, batch=self.batch, todo=todo, skipped=skipped))

    def item(
        self, work: WorkItem, entry: Mapping[str, Any] | None, error_type: str = "", attempts: int = 1
    ) -> None:
        if entry is not None:
            self.bytes_written += int(entry.get("size_bytes", 0))
        emit(
            item_event(
                self.actor,
                self.run_id,
                self.plan,
                work,
                self.key,
                entry=entry,
                error_type=error_type,
                attempts=attempts,
            )
        )

    def finish(self, summary: Mapping[str, Any], stopped: str | None = None) -> None:
        emit(finish_event(self.actor, self.run_id, self.plan, summary, batch=self.batch, stopped=stopped))
