"""Where voxray meets OpenAI's API description (pure): neutral values, error objects, fingerprints."""

from __future__ import annotations

from typing import Any

import pytest

from voxray_runtime.api import openai_compat
from voxray_runtime.api.errors import Problem, error_media_type, openai_error_type
from voxray_runtime.api.schemas import OpenAISpeechRequest
from voxray_runtime.api.text_schemas import ChatCompletionRequest, CompletionRequest

USER = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    ("member", "accepted", "refused"),
    [
        ("n", [None, 1], [2, 128]),
        ("presence_penalty", [None, 0, 0.0], [-2, 0.5]),
        ("logit_bias", [None, {}], [{"50256": -100}]),
        ("logprobs", [None, False], [True]),
        ("top_logprobs", [None, 0], [1]),
        ("response_format", [None, {"type": "text"}], [{"type": "json_object"}]),
        ("modalities", [None, ["text"]], [["audio"], ["text", "audio"]]),
        ("service_tier", [None, "auto", "default"], ["priority", "flex"]),
        ("reasoning_effort", [None, "none"], ["low", "medium"]),
        ("tools", [None, []], [[{"type": "function", "function": {"name": "f"}}]]),
        ("tool_choice", [None, "none", "auto"], ["required", {"type": "function"}]),
        ("web_search_options", [None], [{}]),
        ("store", [None, False], [True]),
    ],
)
def test_chat_members_at_their_neutral_value_only(
    member: str, accepted: list[Any], refused: list[Any]
) -> None:
    for value in accepted:
        req = ChatCompletionRequest.model_validate({"model": "m", "messages": USER, member: value})
        openai_compat.refuse_unsupported(req, openai_compat.CHAT)
    for value in refused:
        req = ChatCompletionRequest.model_validate({"model": "m", "messages": USER, member: value})
        with pytest.raises(Problem) as info:
            openai_compat.refuse_unsupported(req, openai_compat.CHAT)
        p = info.value
        assert (p.status, p.slug, p.field) == (400, "unsupported-parameter", member)
        assert p.detail.startswith(f"{member}=")
        assert "not supported: " in p.detail


def test_completion_members_at_their_neutral_value_only() -> None:
    for body in ({"echo": False}, {"best_of": 1}, {"suffix": ""}, {"logprobs": None}):
        openai_compat.refuse_unsupported(
            CompletionRequest.model_validate({"model": "m", "prompt": "x"} | body), openai_compat.COMPLETIONS
        )
    for member, value in (("echo", True), ("best_of", 2), ("suffix", "end"), ("logprobs", 1)):
        req = CompletionRequest.model_validate({"model": "m", "prompt": "x", member: value})
        with pytest.raises(Problem) as info:
            openai_compat.refuse_unsupported(req, openai_compat.COMPLETIONS)
        assert info.value.field == member


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, "invalid_request_error"),
        (404, "invalid_request_error"),
        (413, "invalid_request_error"),
        (422, "invalid_request_error"),
        (401, "authentication_error"),
        (403, "permission_error"),
        (429, "rate_limit_error"),
        (500, "server_error"),
        (503, "server_error"),
    ],
)
def test_openai_error_types(status: int, kind: str) -> None:
    assert openai_error_type(status) == kind


def test_problem_bodies_carry_openais_error_object() -> None:
    p = Problem(400, "max-tokens-too-large", "max_tokens too large", "too many", field="max_tokens")
    assert p.body()["error"] == {
        "message": "too many",
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": "max_tokens_too_large",
    }
    listed = Problem(422, "validation-error", "t", "d", errors=[{"field": "speed", "message": "too fast"}])
    assert listed.body()["error"]["param"] == "speed"
    assert Problem(500, "internal-error", "t", "d").body()["error"]["param"] is None


def test_seed_fingerprint_and_finish_reason() -> None:
    assert openai_compat.engine_seed(None) is None
    assert openai_compat.engine_seed(7) == 7
    assert openai_compat.engine_seed(-1) == 2**32 - 1
    assert openai_compat.engine_seed(2**40 + 5) == 5
    a = openai_compat.fingerprint("gemma", "llamacpp", "{}", "1.0")
    assert a == openai_compat.fingerprint("gemma", "llamacpp", "{}", "1.0")
    assert a != openai_compat.fingerprint("gemma", "llamacpp", "{}", "1.1")
    assert a.startswith("fp_")
    assert [openai_compat.finish_reason(r) for r in ("stop", "length", "cancelled")] == [
        "stop",
        "length",
        "stop",
    ]


def test_speech_voice_objects_and_instructions_support() -> None:
    req = OpenAISpeechRequest.model_validate(
        {"model": "tts-1", "input": "Hi", "voice": {"id": "female_en-GB"}}
    )
    assert req.voice == "female_en-GB"
    follows, why = openai_compat.instructions_support("kokoro")
    assert follows is False
    assert why is not None
    assert "kokoro" in why


@pytest.mark.parametrize(
    ("path", "accept", "media"),
    [
        ("/v1/chat/completions", "application/json", "application/json"),
        ("/v1/models/gemma", "application/json", "application/json"),
        ("/v1/audio/speech", "application/json, text/plain", "application/json"),
        ("/v1/chat/completions", "*/*", "application/problem+json"),
        ("/v1/chat/completions", "application/problem+json, application/json", "application/problem+json"),
        ("/v1/audio/speech", "application/octet-stream", "application/problem+json"),
        ("/v1/speech", "application/json", "application/problem+json"),  # native: problem+json always
        ("/v1/voices", "application/json", "application/problem+json"),
    ],
)
def test_error_media_type_on_openai_routes(path: str, accept: str, media: str) -> None:
    assert error_media_type(path, accept) == media
