"""A text replica's error events (serve/text.py): which status, slug and extra member each engine error gets."""

from __future__ import annotations

from typing import Any

import pytest

from voxray_runtime.engines.text.llamacpp import NoChatTemplateError
from voxray_runtime.engines.text.params import PromptTooLongError, QueueFullError
from voxray_runtime.serve.text import error_event

_TOO_LONG = PromptTooLongError(600, 512)
_FULL = QueueFullError(4, retry_after_s=2)
_NO_TEMPLATE = NoChatTemplateError("no chat template")
_OTHER = RuntimeError("boom")


@pytest.mark.parametrize(
    ("exc", "prompt_field", "expected"),
    [
        (
            _TOO_LONG,
            "prompt",
            {
                "event": "error",
                "status": 400,
                "slug": "prompt-too-long",
                "detail": str(_TOO_LONG),
                "field": "prompt",
            },
        ),
        (
            _FULL,
            "messages",
            {
                "event": "error",
                "status": 503,
                "slug": "overloaded",
                "detail": f"the text model is saturated: {_FULL}; retry shortly",
                "retry_after_s": 2,
            },
        ),
        (
            _NO_TEMPLATE,
            "prompt",
            {
                "event": "error",
                "status": 400,
                "slug": "no-chat-template",
                "detail": "no chat template",
                "field": "messages",
            },
        ),
        (
            _OTHER,
            "messages",
            {
                "event": "error",
                "status": 500,
                "slug": "generation-failed",
                "detail": "generation failed: boom",
            },
        ),
    ],
)
def test_error_event(exc: Exception, prompt_field: str, expected: dict[str, Any]) -> None:
    event = error_event(exc, prompt_field)
    assert list(event.items()) == list(expected.items())
