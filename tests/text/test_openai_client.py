"""The official ``openai`` client works unchanged against the text routes (streaming included)."""

from __future__ import annotations

import openai
import pytest

from tests.text.conftest import GEMMA_ID, TextApp

pytestmark = pytest.mark.ray


@pytest.fixture
def client(text_app: TextApp) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{text_app.url}/v1", api_key=text_app.key, max_retries=0, timeout=120)


def test_chat_completions_create(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(
        model=GEMMA_ID,
        messages=[
            {"role": "system", "content": "You write for a hotel."},
            {"role": "user", "content": "Greet a guest."},
        ],
        max_tokens=20,
        temperature=0,
        seed=1,
    )
    assert r.choices[0].message.content
    assert r.choices[0].finish_reason in ("stop", "length")
    assert r.usage is not None
    assert r.usage.completion_tokens >= 1


def test_chat_streaming(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=GEMMA_ID,
        messages=[{"role": "user", "content": "Name a colour."}],
        max_tokens=12,
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces, finish, usage = [], None, None
    for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage:
            usage = chunk.usage
    assert "".join(pieces).strip()
    assert finish in ("stop", "length")
    assert usage is not None
    assert usage.completion_tokens >= 1


def test_completions_create_and_stream(client: openai.OpenAI) -> None:
    r = client.completions.create(model="gemma", prompt="Sunset over the bay is", max_tokens=5, temperature=0)
    assert r.choices[0].text
    assert r.choices[0].finish_reason == "length"
    text = "".join(
        c.choices[0].text
        for c in client.completions.create(
            model="gemma", prompt="Sunset over the bay is", max_tokens=5, temperature=0, stream=True
        )
        if c.choices
    )
    assert text == r.choices[0].text


def test_completions_default_to_16_tokens_and_answers_are_typed(client: openai.OpenAI) -> None:
    r = client.completions.create(model="gemma", prompt="The terrace at sunset", temperature=0)
    assert r.usage is not None
    assert 1 <= r.usage.completion_tokens <= 16
    assert r.system_fingerprint
    assert r.system_fingerprint.startswith("fp_")
    chat = client.chat.completions.create(
        model=GEMMA_ID,
        messages=[{"role": "user", "content": "Hi"}],
        max_tokens=3,
        temperature=None,
        top_p=None,
        n=None,
        response_format={"type": "text"},
    )
    assert chat.choices[0].message.refusal is None
    assert chat.system_fingerprint == r.system_fingerprint


def test_errors_are_raised_cleanly(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "Hi"}])
    assert "unknown text model" in str(info.value)
    assert (info.value.code, info.value.param) == ("unknown_model", "model")
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=GEMMA_ID, messages=[], max_tokens=3)
