"""The one place audio is assembled: pauses, joining, the encode hand-off and stream pieces agree with
each other to the sample. The engine is a tone generator implementing the Engine protocol (no weights)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from voxray_runtime.audio.analysis import decode_mp3
from voxray_runtime.audio.encode import float_to_int16
from voxray_runtime.audio.pcm import PCM, SENTENCE_PAUSE_S, silence
from voxray_runtime.engines.base import EngineInfo, SynthesisRequest, synthesize_each
from voxray_runtime.speech import assembly
from voxray_runtime.speech.job import SpeechJob
from voxray_runtime.voices import VoiceBinding, parse_avatar

VOICE = VoiceBinding(parse_avatar("female_en-US"), "tones", "tones", "a", "en-us")


class ToneEngine:
    """One tone per chunk, its length following the text, padded with silence like real engines."""

    def __init__(self, rate: int = 24000) -> None:
        self._info = EngineInfo("tones", rate, frozenset({"en-us"}), ("a",), "none", "test", "none")

    @property
    def info(self) -> EngineInfo:
        return self._info

    def synthesize(self, text: str, *, speaker: str, language: str, speed: float = 1.0) -> PCM:
        rate = self._info.sample_rate
        t = np.arange(round(0.02 * len(text) * rate / speed)) / rate
        tone = (0.3 * np.sin(2 * np.pi * (150 + 10 * len(text)) * t)).astype(np.float32)
        return np.concatenate([silence(0.1, rate), tone, silence(0.2, rate)])

    def synthesize_batch(self, requests: Sequence[SynthesisRequest]) -> list[PCM]:
        return synthesize_each(self, requests)


def job(
    fmt: str = "mp3", speed: float = 1.0, chunks: tuple[str, ...] = ("One.", "Two two.", "Three!")
) -> SpeechJob:
    return SpeechJob(VOICE, chunks, speed, fmt, 64, sum(map(len, chunks)))


@pytest.mark.parametrize(
    ("speed", "pause"), [(1.0, 0.28), (2.0, 0.14), (4.0, 0.07), (0.5, 0.56), (0.1, 1.12)]
)
def test_sentence_pause_shortens_with_speed_down_to_a_floor(speed: float, pause: float) -> None:
    assert assembly.sentence_pause_s(speed) == pytest.approx(pause)
    assert len(assembly.sentence_gap(24000, speed)) == round(pause * 24000)


@pytest.mark.parametrize("speed", [0.5, 1.0, 1.3, 3.0])
def test_join_equals_each_chunk_followed_by_its_pause(speed: float) -> None:
    rng = np.random.default_rng(7)
    parts = [rng.uniform(-1, 1, n).astype(np.float32) for n in (1000, 1, 2400)]
    gap = silence(SENTENCE_PAUSE_S / max(speed, 0.25), 22050)
    by_hand = np.concatenate([parts[0], gap, parts[1], gap, parts[2]])
    assert np.array_equal(assembly.join(parts, 22050, speed), by_hand)
    assert assembly.join([], 22050, speed).size == 0


def test_render_trims_each_chunk_and_joins_them() -> None:
    engine, j = ToneEngine(), job(speed=1.5)
    speech = assembly.render(engine, j)
    parts = [
        assembly.trim(engine.synthesize(c, speaker="a", language="en-us", speed=1.5), 24000) for c in j.chunks
    ]
    assert (speech.chunks, speech.sample_rate) == (3, 24000)
    assert speech.synth_s >= 0
    assert np.array_equal(speech.pcm, assembly.join(parts, 24000, 1.5))
    assert speech.duration_s == len(speech.pcm) / 24000


@pytest.mark.parametrize(("rate", "fmt"), [(24000, "pcm"), (22050, "pcm"), (22050, "wav"), (24000, "mp3")])
def test_encode_hand_off(rate: int, fmt: str) -> None:
    speech = assembly.render(ToneEngine(rate), job(fmt))
    out = assembly.encode_speech(speech, job(fmt))
    assert (out.chunks, out.synth_s, out.duration_s) == (3, speech.synth_s, speech.duration_s)
    if fmt == "pcm":
        assert out.sample_rate == assembly.PCM_RATE
        assert len(out.audio) == 2 * round(len(speech.pcm) * assembly.PCM_RATE / rate)
    else:
        assert out.sample_rate == rate
        assert out.audio


@pytest.mark.parametrize("speed", [1.0, 2.0])
def test_a_pcm_stream_carries_the_samples_of_the_whole_answer(speed: float) -> None:
    engine, j = ToneEngine(24000), job("pcm", speed)
    out = assembly.StreamAssembler(24000, j)
    parts = [assembly.speak(engine, r) for r in j.requests()]
    streamed = b"".join(out.piece(p, last=i == len(parts) - 1) for i, p in enumerate(parts))
    whole = assembly.encode_speech(assembly.render(engine, j), j).audio
    assert streamed == whole == float_to_int16(assembly.join(parts, 24000, speed)).tobytes()


def test_an_mp3_stream_is_one_mp3_as_long_as_the_whole_answer() -> None:
    engine, j = ToneEngine(24000), job("mp3")
    out = assembly.StreamAssembler(24000, j)
    parts = [assembly.speak(engine, r) for r in j.requests()]
    pieces = [out.piece(p, last=i == len(parts) - 1) for i, p in enumerate(parts)]
    pcm, rate = decode_mp3(b"".join(pieces))
    whole = assembly.render(engine, j)
    assert rate == 24000
    assert abs(len(pcm) / rate - whole.duration_s) < 0.1
