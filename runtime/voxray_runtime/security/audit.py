"""Audit events: one JSON line per synthesis, text generation, stored file and batch, on their own logger.

The text to speak (and a prompt) is personal data: events carry its length and a keyed hash (HMAC-SHA256),
never the text.
The key comes from a file (a mounted Secret, so hashes match across replicas and restarts) or is random per
process. Building an event is pure (:func:`audit_record`); :func:`emit` is the only I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

#: the logger audit events go to; route it to its own handler/stream (see :func:`configure_audit_stream`)
AUDIT_LOGGER = "voxray.audit"
#: schema version of the event, bumped on incompatible changes
AUDIT_SCHEMA = 1

Action = Literal[
    "synthesize",
    "store",
    "generate",
    "batch.start",
    "batch.generate",
    "batch.item",
    "batch.finish",
    "auth.denied",
]
Outcome = Literal["ok", "error", "denied", "rate_limited"]


def load_hmac_key(path: str | None) -> bytes:
    """The keyed-hash key from ``path`` (whitespace stripped, at least 16 bytes), or a random one."""
    if path is None:
        return secrets.token_bytes(32)
    raw = Path(path).read_bytes().strip()
    if len(raw) < 16:
        raise ValueError(f"audit HMAC key in {path} is shorter than 16 bytes")
    return raw


def text_fingerprint(text: str, key: bytes) -> str:
    """HMAC-SHA256 of the UTF-8 text, hex, truncated to 32 characters (128 bits): links, never reveals."""
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class AuditEvent:
    action: Action
    outcome: Outcome
    #: who: an API key id, a token subject, ``anonymous`` (auth disabled) or a batch's namespace/name
    actor: str
    request_id: str | None = None
    model: str | None = None
    voice: str | None = None
    language: str | None = None
    #: the text's length in characters and its keyed hash
    chars: int | None = None
    text_hmac: str | None = None
    #: audio bytes returned or written, and where it was written
    bytes: int | None = None
    output_path: str | None = None
    status: int | None = None
    duration_ms: float | None = None
    detail: dict[str, str | int | float | bool | None] = field(default_factory=dict)


def audit_record(event: AuditEvent, now: datetime | None = None) -> dict[str, object]:
    """The JSON object of an event: fields left unset are left out."""
    record: dict[str, object] = {
        "schema": AUDIT_SCHEMA,
        "ts": (now or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "type": "audit",
    }
    for name, value in event.__dict__.items():
        if value is None or value == {}:
            continue
        record[name] = round(value, 1) if name == "duration_ms" and isinstance(value, float) else value
    return record


def emit(event: AuditEvent, logger: logging.Logger | None = None) -> None:
    """Write one audit line (JSON, sorted keys) to the audit logger."""
    (logger or logging.getLogger(AUDIT_LOGGER)).info(json.dumps(audit_record(event), sort_keys=True))


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each event (it may be replaced meanwhile)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure_audit_stream(path: str | None = None) -> logging.Logger:
    """Give the audit logger its own handler (a file when ``path`` or ``VOXRAY_AUDIT_LOG`` is set, else
    stderr), unpropagated, so that audit lines are never mixed with or filtered like application logs.
    Idempotent."""
    logger = logging.getLogger(AUDIT_LOGGER)
    target = path or os.environ.get("VOXRAY_AUDIT_LOG")
    if getattr(logger, "_voxray_configured", None) == (target or "-"):
        return logger
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()
    handler: logging.Handler
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(target, encoding="utf-8")
        os.chmod(target, 0o600)
    else:
        handler = _CurrentStderr()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger._voxray_configured = target or "-"  # type: ignore[attr-defined]
    return logger
