"""Transcription without Ray: the real Whisper base on real engine audio (WAV and MP3 bytes)."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
import soundfile

from voxray_runtime.audio import encode
from voxray_runtime.engines.espeak import EspeakEngine
from voxray_runtime.engines.stt import (
    AudioLimits,
    AudioTooLongError,
    NotAudioError,
    WhisperTranscriber,
    render,
)

pytestmark = pytest.mark.slow

TEXT = "Welcome to the hotel. Breakfast is served in the garden."


@pytest.fixture(scope="module")
def whisper() -> WhisperTranscriber:
    return WhisperTranscriber.packaged(threads=2, limits=AudioLimits(max_seconds=60))


@pytest.fixture(scope="module")
def speech() -> tuple[np.ndarray, int]:
    engine = EspeakEngine()
    return engine.synthesize(TEXT, speaker="en-us+m3", language="en-us"), engine.info.sample_rate


def wav(pcm: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    soundfile.write(buf, pcm, rate, format="WAV")
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["wav", "mp3"])
def test_transcribes_with_words_and_segments(
    whisper: WhisperTranscriber, speech: tuple[np.ndarray, int], fmt: str
) -> None:
    pcm, rate = speech
    data = wav(pcm, rate) if fmt == "wav" else encode(pcm, rate, "mp3")
    t = whisper.transcribe(data, language="en", word_timestamps=True)
    assert t.language == "en"
    assert "breakfast" in t.text.lower()
    assert abs(t.duration - pcm.size / rate) < 0.2
    assert t.segments
    words = t.words
    assert len(words) >= 8
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))
    body = render(t, "verbose_json", ("word", "segment"))
    assert isinstance(body, dict)
    assert body["language"] == "english"
    assert body["words"][0]["word"]


def test_detects_the_language_and_takes_a_prompt_and_temperature(
    whisper: WhisperTranscriber, speech: tuple[np.ndarray, int]
) -> None:
    pcm, rate = speech
    t = whisper.transcribe(wav(pcm, rate), prompt="Hotel announcements.", temperature=0.2)
    assert t.language == "en"
    assert "hotel" in t.text.lower()


def test_limits_are_checked_before_transcribing(speech: tuple[np.ndarray, int]) -> None:
    pcm, rate = speech
    short = WhisperTranscriber.packaged(threads=1, limits=AudioLimits(max_seconds=1.0))
    with pytest.raises(AudioTooLongError):
        short.transcribe(wav(pcm, rate))
    with pytest.raises(NotAudioError):
        short.transcribe(b"GIF89a" + bytes(500))
