"""Structured JSON logs: one object per line (ts, level, logger, message, request_id, caller, extras).

The request id and caller come from context variables that the API sets per request, so every line
logged while serving a request carries them. The text to speak is personal data: :func:`text_fields`
gives its length and keyed hash, and the text itself only when ``log_text`` is on.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from voxray_runtime.security.audit import AUDIT_LOGGER, text_fingerprint

request_id_var: ContextVar[str | None] = ContextVar("voxray_request_id", default=None)
caller_var: ContextVar[str | None] = ContextVar("voxray_caller", default=None)

#: the loggers given the JSON handler (the audit logger has its own, see security.audit)
APP_LOGGERS = ("voxray", "voxray_runtime")
_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id_var.get()
        caller = getattr(record, "caller", None) or caller_var.get()
        if rid:
            out["request_id"] = rid
        if caller:
            out["caller"] = caller
        for k, v in record.__dict__.items():
            if k not in _RESERVED and k not in out and not k.startswith("_"):
                out[k] = v if isinstance(v, str | int | float | bool | type(None)) else str(v)
        if record.exc_info and record.exc_info[0] is not None:
            out["exc_type"] = record.exc_info[0].__name__
            out["traceback"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, sort_keys=False)


def configure_json_logging(level: int = logging.INFO, stream: Any = None) -> None:
    """Give the application loggers one JSON handler (stderr by default), unpropagated. Idempotent."""
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        if getattr(logger, "_voxray_json", False):
            continue
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
        logger._voxray_json = True  # type: ignore[attr-defined]
    # the audit logger is a child of "voxray" but writes to its own stream only
    logging.getLogger(AUDIT_LOGGER).propagate = False


def text_fields(text: str, key: bytes, log_text: bool = False) -> dict[str, Any]:
    """What logs may say about a text: its length and keyed hash; the text only when opted in."""
    out: dict[str, Any] = {"chars": len(text), "text_hmac": text_fingerprint(text, key)}
    if log_text:
        out["text"] = text
    return out
