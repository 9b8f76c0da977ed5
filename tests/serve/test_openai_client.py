"""The official ``openai`` Python client works unchanged against /v1/audio/speech."""

from __future__ import annotations

import base64
import json

import openai
import pytest

from voxray_runtime.audio.analysis import decode_mp3, rms

pytestmark = pytest.mark.ray


@pytest.fixture
def client(serve_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{serve_url}/v1", api_key="not-needed-locally", max_retries=0, timeout=180)


def test_openai_client_speech_create(client: openai.OpenAI) -> None:
    response = client.audio.speech.create(model="tts-1", voice="alloy", input="Your table for two is ready.")
    pcm, rate = decode_mp3(response.content)
    assert len(pcm) / rate > 1.0
    assert rms(pcm) > 0.01


def test_openai_client_streaming_response_with_avatar(client: openai.OpenAI) -> None:
    with client.audio.speech.with_streaming_response.create(
        model="tts-1-hd",
        voice="male_es",
        input="Su mesa para dos está lista.",
        response_format="mp3",
        speed=1.2,
    ) as response:
        assert response.headers["x-voxray-avatar"] == "male_es"
        data = b"".join(response.iter_bytes())
    pcm, rate = decode_mp3(data)
    assert len(pcm) / rate > 0.8


def test_openai_client_pcm_format(client: openai.OpenAI) -> None:
    response = client.audio.speech.create(
        model="tts-1", voice="fable", input="Good night.", response_format="pcm"
    )
    assert len(response.content) % 2 == 0
    assert len(response.content) / 2 / 24000 > 0.4  # 24 kHz 16-bit mono, as OpenAI defines pcm


def test_openai_client_error_is_raised_cleanly(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.audio.speech.create(model="tts-1", voice="nobody", input="Hello.")
    assert "unknown avatar" in str(info.value)
    assert (info.value.code, info.value.param, info.value.type) == (
        "unknown_voice",
        "voice",
        "invalid_request_error",
    )


def test_openai_client_sse_speech_events(client: openai.OpenAI) -> None:
    response = client.audio.speech.create(
        model="gpt-4o-mini-tts", voice="marin", input="Your table is ready.", stream_format="sse"
    )
    assert response.response.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
    assert [e["type"] for e in events[-1:]] == ["speech.audio.done"]
    assert events[-1]["usage"]["input_tokens"] == len("Your table is ready.")
    deltas = [e for e in events if e["type"] == "speech.audio.delta"]
    pcm, rate = decode_mp3(b"".join(base64.b64decode(e["audio"]) for e in deltas))
    assert len(pcm) / rate > 0.8


def test_openai_client_models_retrieve_and_instructions(client: openai.OpenAI) -> None:
    listed = client.models.list().data
    assert listed
    one = client.models.retrieve(listed[0].id)
    assert (one.id, one.object, one.owned_by) == (listed[0].id, "model", "voxray")
    with pytest.raises(openai.NotFoundError) as info:
        client.models.retrieve("gpt-4o")
    assert info.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as refused:
        client.audio.speech.create(model="tts-1", voice="alloy", input="Hello.", instructions="Whisper it.")
    assert refused.value.param == "instructions"
