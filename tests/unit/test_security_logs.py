"""Structured JSON log lines and what they may say about a text (pure formatting, no handlers)."""

from __future__ import annotations

import io
import json
import logging

from voxray_runtime.security.audit import text_fingerprint
from voxray_runtime.security.logs import JsonFormatter, caller_var, request_id_var, text_fields

KEY = b"k" * 32
TEXT = "Mrs Adeyemi, room 1204, checks out tomorrow."


def record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    r = logging.LogRecord("voxray.access", logging.INFO, __file__, 1, msg, args, None)
    r.__dict__.update(extra)
    return r


def test_one_json_object_per_line_with_context() -> None:
    rid, caller = request_id_var.set("req-1"), caller_var.set("alice")
    try:
        line = JsonFormatter().format(record("POST %s %d", "/v1/speech", 200, status=200, path="/v1/speech"))
    finally:
        request_id_var.reset(rid)
        caller_var.reset(caller)
    assert "\n" not in line
    out = json.loads(line)
    assert out["message"] == "POST /v1/speech 200"
    assert (out["level"], out["logger"], out["request_id"], out["caller"]) == (
        "info",
        "voxray.access",
        "req-1",
        "alice",
    )
    assert out["ts"].endswith("Z")
    assert (out["status"], out["path"]) == (200, "/v1/speech")
    assert "args" not in out
    assert "msg" not in out


def test_without_a_request_the_context_fields_are_left_out() -> None:
    out = json.loads(JsonFormatter().format(record("started")))
    assert "request_id" not in out
    assert "caller" not in out


def test_exceptions_carry_their_type_and_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError as exc:
        r = logging.LogRecord(
            "voxray.api", logging.ERROR, __file__, 1, "failed", (), (type(exc), exc, exc.__traceback__)
        )
    out = json.loads(JsonFormatter().format(r))
    assert out["exc_type"] == "ValueError"
    assert "Traceback" in out["traceback"]


def test_text_fields_give_length_and_keyed_hash_never_the_text() -> None:
    fields = text_fields(TEXT, KEY)
    assert fields == {"chars": len(TEXT), "text_hmac": text_fingerprint(TEXT, KEY)}
    assert TEXT not in json.dumps(fields)
    assert text_fields(TEXT, b"other-key-0123456789")["text_hmac"] != fields["text_hmac"]
    assert text_fields(TEXT, KEY, log_text=True)["text"] == TEXT


def test_configured_loggers_format_json_and_audit_stays_apart() -> None:
    from voxray_runtime.security.logs import APP_LOGGERS, configure_json_logging

    saved = {
        n: (list(lg.handlers), lg.propagate, lg.level, lg.__dict__.pop("_voxray_json", None))
        for n in APP_LOGGERS
        if (lg := logging.getLogger(n))
    }
    audit_propagates = logging.getLogger("voxray.audit").propagate
    try:
        configure_json_logging(stream=io.StringIO())
        configure_json_logging(stream=io.StringIO())  # idempotent: one handler each
        for name in APP_LOGGERS:
            handlers = logging.getLogger(name).handlers
            assert len([h for h in handlers if isinstance(h.formatter, JsonFormatter)]) == 1
            assert logging.getLogger(name).propagate is False
        handler = logging.getLogger("voxray").handlers[-1]
        out = json.loads(handler.format(record("hello %s", "world", chars=5)))
        assert (out["message"], out["chars"]) == ("hello world", 5)
        assert logging.getLogger("voxray.audit").propagate is False
    finally:  # leave logging as other tests expect it (caplog needs propagation)
        logging.getLogger("voxray.audit").propagate = audit_propagates
        for name, (handlers, propagate, level, marker) in saved.items():
            lg = logging.getLogger(name)
            lg.handlers[:] = handlers
            lg.propagate, lg.level = propagate, level
            lg.__dict__.pop("_voxray_json", None)
            if marker is not None:
                lg._voxray_json = marker  # type: ignore[attr-defined]
