"""Validation of the OpenAI text requests, before any engine runs (pure): the field is always named."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from voxray_runtime.api.errors import Problem
from voxray_runtime.api.text_schemas import ChatCompletionRequest, CompletionRequest
from voxray_runtime.api.text_service import TextFrontend, TextModelEntry, chat_job, completion_job

MODEL = TextModelEntry(
    name="gemma",
    id="gemma-3-270m-q4_k_m",
    engine="llamacpp",
    context_length=2048,
    max_tokens=512,
    max_prompt_chars=200,
)
USER = [{"role": "user", "content": "Hello"}]


def chat(**kw: Any) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate({"model": MODEL.id, "messages": USER} | kw)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"messages": "hello"}, "messages"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages.0.role"),
        ({"messages": [{"role": "user"}]}, "messages.0.content"),
        ({"max_tokens": "ten"}, "max_tokens"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"temperature": 3}, "temperature"),
        ({"top_p": 0}, "top_p"),
        ({"n": 2}, "n"),
        ({"seed": -1}, "seed"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "body"),
        ({"stream": "maybe"}, "stream"),
        ({"presence_penalty": 0.5}, "presence_penalty"),
        ({"tools": []}, "tools"),  # unknown fields are refused, by name
    ],
)
def test_chat_schema_names_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ChatCompletionRequest.model_validate({"model": MODEL.id, "messages": USER} | body)
    locs = {".".join(str(p) for p in e["loc"]) or "body" for e in info.value.errors()}
    assert any(loc == field or loc.startswith(field + ".") for loc in locs), locs


@pytest.mark.parametrize(
    ("req", "status", "slug", "field"),
    [
        (chat(messages=[]), 400, "empty-messages", "messages"),
        (chat(messages=[{"role": "user", "content": "   "}]), 400, "empty-prompt", "messages"),
        (chat(messages=[{"role": "user", "content": "x" * 201}]), 413, "prompt-too-long", "messages"),
        (chat(max_tokens=513), 400, "max-tokens-too-large", "max_tokens"),
        (chat(max_completion_tokens=4096), 400, "max-tokens-too-large", "max_completion_tokens"),
        (chat(messages=[*USER, {"role": "assistant", "content": "Hi"}]), 400, "invalid-request", "messages"),
    ],
)
def test_chat_job_refusals(req: ChatCompletionRequest, status: int, slug: str, field: str) -> None:
    with pytest.raises(Problem) as info:
        chat_job(req, MODEL)
    assert (info.value.status, info.value.slug, info.value.field) == (status, slug, field)


def test_chat_job_defaults_and_mapping() -> None:
    job = chat_job(
        chat(
            messages=[
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
            ],
            stop="\n",
            seed=3,
            stream=True,
            stream_options={"include_usage": True},
        ),
        MODEL,
    )
    assert job.messages == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert job.params.max_tokens == 512  # the model's serving.maxTokens when the request gives none
    assert (job.params.stop, job.params.seed, job.stream, job.include_usage) == (("\n",), 3, True, True)
    assert job.prompt_text == "Be brief.\nHi"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"prompt": ""}, 400, "prompt"),
        ({"prompt": ["a", "b"]}, 400, "prompt"),
        ({"prompt": "Once", "max_tokens": 600}, 400, "max_tokens"),
    ],
)
def test_completion_job_refusals(body: dict[str, Any], status: int, field: str) -> None:
    req = CompletionRequest.model_validate({"model": MODEL.id} | body)
    with pytest.raises(Problem) as info:
        completion_job(req, MODEL)
    assert (info.value.status, info.value.field) == (status, field)


def test_completion_schema_refuses_token_prompts_and_echo() -> None:
    for body in ({"prompt": [[1, 2, 3]]}, {"prompt": "x", "echo": True}):
        with pytest.raises(ValidationError):
            CompletionRequest.model_validate({"model": MODEL.id} | body)


def test_frontend_resolves_served_id_and_name_and_names_unknown_models() -> None:
    front = TextFrontend([MODEL], backend=None)  # type: ignore[arg-type]
    assert front.resolve("gemma") is MODEL
    assert front.resolve("gemma-3-270m-q4_k_m") is MODEL
    with pytest.raises(Problem) as info:
        front.resolve("gpt-4o")
    assert (info.value.status, info.value.field) == (400, "model")
    assert "gemma-3-270m-q4_k_m" in info.value.detail
