"""PURE: a Lexicon's status. A Lexicon has no children: it is valid (its entries parse: version and count
given) or invalid (the field and message, as ``voxray render`` prints them). No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from voxray_operator.api.lexicon import LexiconStatus
from voxray_operator.status.conditions import Conditions, ConditionType, Reason, Status
from voxray_runtime.spec.documents import format_validation_error
from voxray_runtime.spec.lexicon import LexiconSpec


def parse_lexicon(raw: Mapping[str, Any] | None) -> LexiconSpec | str:
    """The spec, or the message saying why it is invalid (``spec.entries.3: ...``)."""
    try:
        return LexiconSpec.model_validate(dict(raw or {}))
    except ValidationError as exc:
        field, message = format_validation_error(exc)
        return f"{field}: {message}"


def lexicon_status(
    raw_spec: Mapping[str, Any] | None, *, generation: int | None, previous: Status | None, now: datetime
) -> Status:
    """Valid True (reason Valid, version and entry count) or False (reason Invalid, what is wrong)."""
    conditions = Conditions(previous, generation=generation, now=now)
    parsed = parse_lexicon(raw_spec)
    status = LexiconStatus(observed_generation=generation)
    if isinstance(parsed, str):
        conditions.set(ConditionType.VALID, False, Reason.INVALID, parsed)
        status.message = parsed
    else:
        count = len(parsed.entries)
        languages = sorted({e.language for e in parsed.entries})
        message = f"{count} entries" + (f" ({', '.join(languages)})" if languages else "")
        conditions.set(ConditionType.VALID, True, Reason.VALID, message)
        status.version, status.entries, status.message = parsed.version, count, message
    out = status.to_wire()
    out["conditions"] = conditions.items
    return out
