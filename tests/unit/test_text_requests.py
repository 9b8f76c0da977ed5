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
        ({"messages": [{"role": "user", "content": 5}]}, "messages.0.content"),
        ({"max_tokens": "ten"}, "max_tokens"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"temperature": 3}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"n": 0}, "n"),
        ({"seed": 2**64}, "seed"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"stop": []}, "stop"),
        ({"stream": "maybe"}, "stream"),
        ({"presence_penalty": 2.5}, "presence_penalty"),
        ({"colour": "blue"}, "colour"),  # members OpenAI does not define are refused, by name
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
        (chat(messages=[{"role": "user"}]), 400, "invalid-request", "messages[0].content"),
        (chat(n=2), 400, "unsupported-parameter", "n"),
        (chat(presence_penalty=0.5), 400, "unsupported-parameter", "presence_penalty"),
        (chat(logprobs=True), 400, "unsupported-parameter", "logprobs"),
        (chat(response_format={"type": "json_object"}), 400, "unsupported-parameter", "response_format"),
        (chat(tools=[{"type": "function"}]), 400, "unsupported-parameter", "tools"),
        (chat(tool_choice="required"), 400, "unsupported-parameter", "tool_choice"),
        (chat(modalities=["text", "audio"]), 400, "unsupported-parameter", "modalities"),
        (chat(store=True), 400, "unsupported-parameter", "store"),
        (
            chat(stream=True, stream_options={"include_obfuscation": True}),
            400,
            "unsupported-parameter",
            "stream_options.include_obfuscation",
        ),
        (
            chat(messages=[{"role": "tool", "content": "42", "tool_call_id": "c1"}, *USER]),
            400,
            "unsupported-parameter",
            "messages[0].role",
        ),
        (
            chat(
                messages=[
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "What is this?"},
                            {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
                        ],
                    }
                ]
            ),
            400,
            "unsupported-parameter",
            "messages[0].content[1].type",
        ),
    ],
)
def test_chat_job_refusals(req: ChatCompletionRequest, status: int, slug: str, field: str) -> None:
    with pytest.raises(Problem) as info:
        chat_job(req, MODEL)
    assert (info.value.status, info.value.slug, info.value.field) == (status, slug, field)


def test_neutral_values_and_nulls_are_the_documents_defaults() -> None:
    """What OpenAI's document allows and voxray can honour is accepted: defaults, nulls, neutral values."""
    job = chat_job(
        chat(
            temperature=None,
            top_p=None,
            n=None,
            stop=None,
            seed=None,
            max_tokens=None,
            stream=None,
            stream_options=None,
            presence_penalty=0,
            frequency_penalty=None,
            logit_bias={},
            logprobs=False,
            response_format={"type": "text"},
            tools=[],
            tool_choice="none",
            parallel_tool_calls=True,
            modalities=["text"],
            service_tier="auto",
            store=False,
            metadata={"k": "v"},
            user="u-1",
            safety_identifier="s-1",
            prompt_cache_key="pc",
            reasoning_effort=None,
            verbosity="medium",
        ),
        MODEL,
    )
    assert (job.params.temperature, job.params.top_p, job.params.seed, job.stream) == (1.0, 1.0, None, False)
    greedy = chat_job(chat(top_p=0, temperature=0.7, seed=-1), MODEL).params
    assert (greedy.temperature, greedy.top_p, greedy.seed) == (0.0, 1.0, 2**32 - 1)
    voiced = chat(
        messages=[{"role": "user", "content": "Hi"}, {"role": "assistant", "refusal": "No."}, *USER]
    )
    assert chat_job(voiced, MODEL).messages[1] == {"role": "assistant", "content": "No."}


def test_completion_max_tokens_defaults_to_16() -> None:
    for body in ({}, {"max_tokens": None}):
        req = CompletionRequest.model_validate({"model": MODEL.id, "prompt": "Once"} | body)
        job = completion_job(req, MODEL)
        assert (job.params.max_tokens, job.route, job.prompt, job.messages) == (
            16,
            "completions",
            "Once",
            None,
        )
    req = CompletionRequest.model_validate({"model": MODEL.id, "prompt": ["Once"], "max_tokens": 40})
    assert completion_job(req, MODEL).params.max_tokens == 40


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
    assert (job.route, job.prompt) == ("chat", None)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"prompt": ""}, 400, "prompt"),
        ({"prompt": ["a", "b"]}, 400, "prompt"),
        ({"prompt": None}, 400, "prompt"),
        ({"prompt": [[1, 2, 3]]}, 400, "prompt"),
        ({"prompt": [1, 2, 3]}, 400, "prompt"),
        ({"prompt": "Once", "max_tokens": 600}, 400, "max_tokens"),
        ({"prompt": "Once", "echo": True}, 400, "echo"),
        ({"prompt": "Once", "best_of": 3}, 400, "best_of"),
        ({"prompt": "Once", "logprobs": 0}, 400, "logprobs"),
        ({"prompt": "Once", "suffix": "end."}, 400, "suffix"),
    ],
)
def test_completion_job_refusals(body: dict[str, Any], status: int, field: str) -> None:
    req = CompletionRequest.model_validate({"model": MODEL.id} | body)
    with pytest.raises(Problem) as info:
        completion_job(req, MODEL)
    assert (info.value.status, info.value.field) == (status, field)


def test_frontend_resolves_served_id_and_name_and_names_unknown_models() -> None:
    front = TextFrontend([MODEL], backend=None)  # type: ignore[arg-type]
    assert front.resolve("gemma") is MODEL
    assert front.resolve("gemma-3-270m-q4_k_m") is MODEL
    with pytest.raises(Problem) as info:
        front.resolve("gpt-4o")
    assert (info.value.status, info.value.field) == (400, "model")
    assert "gemma-3-270m-q4_k_m" in info.value.detail
