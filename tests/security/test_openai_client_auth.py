"""The official OpenAI client sends its api_key as a bearer token: it works with a voxray API key, and a
wrong key surfaces as OpenAI's AuthenticationError with voxray's message."""

from __future__ import annotations

import openai
import pytest

from tests.conftest import SecureApp

pytestmark = pytest.mark.ray


def test_openai_client_with_an_api_key(app: SecureApp) -> None:
    client = openai.OpenAI(base_url=f"{app.url}/v1", api_key=app.keys["writer"], max_retries=0)
    audio = client.audio.speech.create(model="tts-1", voice="alloy", input="Your table is ready.")
    assert audio.content[:3] == b"ID3" or audio.content[:2] == b"\xff\xf3"
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="female_en-GB", input="Breakfast is served."
    ) as response:
        assert len(response.read()) > 1000


def test_openai_client_with_a_wrong_key(app: SecureApp) -> None:
    client = openai.OpenAI(base_url=f"{app.url}/v1", api_key="sk-not-a-voxray-key-000000", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="not valid"):
        client.audio.speech.create(model="tts-1", voice="alloy", input="Hello.")
