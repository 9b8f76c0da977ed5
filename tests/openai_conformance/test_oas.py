"""The conformance oracle itself (pure): the vendored document, its ``nullable`` rewrite, the request
generator and the verdicts on answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.openai_conformance import oas

CHAT = {"model": "m", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}


def test_vendored_document_is_openais_3_1_description_version_2_3_0() -> None:
    raw = json.loads(oas.DATA.read_text())
    assert raw["openapi"].startswith("3.1")
    assert raw["info"]["version"] == "2.3.0"
    assert raw["info"]["license"]["name"] == "MIT"
    assert set(raw["paths"]) == {
        "/audio/speech",
        "/audio/transcriptions",
        "/chat/completions",
        "/completions",
        "/models",
        "/models/{model}",
    }


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "integer", "nullable": True}, {"type": ["integer", "null"]}),
        (
            {"type": "string", "enum": ["a"], "nullable": True},
            {"type": ["string", "null"], "enum": ["a", None]},
        ),
        ({"$ref": "#/x", "nullable": True}, {"anyOf": [{"$ref": "#/x"}, {"type": "null"}]}),
        ({"type": "integer"}, {"type": "integer"}),
    ],
)
def test_nullable_is_rewritten_as_the_null_type(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    assert oas._nullable(schema) == expected


def test_explicit_nulls_the_document_allows_validate() -> None:
    for member in ("temperature", "top_p", "n", "max_tokens", "stop", "seed", "logprobs"):
        assert oas.problems("CreateChatCompletionRequest", CHAT | {member: None}) is None, member
    assert oas.problems("CreateChatCompletionRequest", CHAT | {"temperature": "hot"})


def test_generated_requests_are_valid_and_cover_every_member() -> None:
    cases = oas.cases("/chat/completions", CHAT, more={"messages": 8})
    props, _ = oas.properties({"$ref": "#/components/schemas/CreateChatCompletionRequest"})
    assert {c.member for c in cases if c.member} == set(props)
    assert all(oas.problems("CreateChatCompletionRequest", c.body) is None for c in cases)
    roles = {c.body["messages"][0]["role"] for c in cases if c.member == "messages"}
    assert roles == {"developer", "system", "user", "assistant", "tool", "function"}
    must = {c.name for c in cases if c.must_accept}
    assert {"temperature=null", "n=null", "n=1", "max_tokens left out", "stream=false"} <= must
    assert 'response_format={"type":"json_object"}' not in must
    # the same document, the same requests
    assert [c.body for c in cases] == [
        c.body for c in oas.cases("/chat/completions", CHAT, more={"messages": 8})
    ]


def _error(param: str | None, code: Any = "unsupported_parameter") -> dict[str, Any]:
    return {"error": {"message": "m", "type": "invalid_request_error", "param": param, "code": code}}


@pytest.mark.parametrize(
    ("case", "status", "body", "ok"),
    [
        (oas.Case("n=2", {}, "n"), 400, _error("n"), True),
        (oas.Case("tools=[...]", {}, "tools"), 400, _error("tools[0].type"), True),
        (oas.Case("n=2", {}, "n"), 400, _error(None), False),  # the member is not named
        (oas.Case("n=2", {}, "n"), 400, _error("n", code=400), False),  # code must be a string or null
        (oas.Case("n=null", {}, "n", must_accept=True), 400, _error("n"), False),  # a null the schema allows
        (oas.Case("n=2", {}, "n"), 500, _error("n"), False),
    ],
)
def test_refusal_verdicts(case: oas.Case, status: int, body: dict[str, Any], ok: bool) -> None:
    assert (oas.judge_refusal(case, status, body) is None) == ok


def test_stream_verdicts() -> None:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}],
    }
    good = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
    assert oas.judge_text_stream(good, "CreateChatCompletionStreamResponse", include_usage=False) is None
    assert oas.judge_text_stream(good, "CreateChatCompletionStreamResponse", include_usage=True)
    assert oas.judge_text_stream(
        good[: good.index(b"data: [DONE]")], "CreateChatCompletionStreamResponse", False
    )
    bad = good.replace(b'"finish_reason": null', b'"finish_reason": "cancelled"')
    assert oas.judge_text_stream(bad, "CreateChatCompletionStreamResponse", include_usage=False)
