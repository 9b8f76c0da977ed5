"""Audio encoding and measurement (real LAME, real libsndfile decoding)."""

from __future__ import annotations

import numpy as np
import pytest

from voxray_runtime.audio import (
    AudioFormatError,
    Mp3StreamEncoder,
    concat_with_pauses,
    encode,
    float_to_int16,
)
from voxray_runtime.audio.analysis import decode_mp3, median_f0, rms
from voxray_runtime.audio.pcm import resample_linear, trim_silence


def tone(freq: float, seconds: float = 1.0, rate: int = 24000, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize("rate", [22050, 24000])
@pytest.mark.parametrize("kbps", [32, 64, 128])
def test_mp3_round_trip(rate: int, kbps: int) -> None:
    data = encode(tone(220, 2.0, rate), rate, "mp3", kbps)
    pcm, got_rate = decode_mp3(data)
    assert got_rate == rate
    assert abs(len(pcm) / rate - 2.0) < 0.1
    assert abs(median_f0(pcm, rate) - 220) < 10
    # constant bitrate: size follows the bitrate
    assert abs(len(data) * 8 / 2.0 / 1000 - kbps) < kbps * 0.25


def test_streamed_mp3_equals_one_stream() -> None:
    enc = Mp3StreamEncoder(24000, 64)
    parts = [enc.feed(tone(200, 0.5)) for _ in range(4)] + [enc.flush()]
    pcm, rate = decode_mp3(b"".join(parts))
    assert abs(len(pcm) / rate - 2.0) < 0.1
    assert enc.flush() == b""
    with pytest.raises(RuntimeError):
        enc.feed(tone(200, 0.1))


@pytest.mark.parametrize(
    ("fmt", "kbps", "words"),
    [("mp3", 100, "not an MP3 bitrate"), ("aac", 64, "unknown format"), ("mp3", 64, "cannot be encoded")],
)
def test_encode_errors(fmt: str, kbps: int, words: str) -> None:
    rate = 7000 if words == "cannot be encoded" else 24000
    with pytest.raises(AudioFormatError, match=words):
        encode(tone(200, 0.2, rate), rate, fmt, kbps)


def test_float_to_int16_clips() -> None:
    out = float_to_int16(np.array([-2.0, -1.0, 0.0, 0.5, 3.0], dtype=np.float32))
    assert out.tolist() == [-32767, -32767, 0, 16383, 32767]


def test_pauses_trim_and_resample() -> None:
    a, b = tone(200, 0.5), tone(300, 0.5)
    joined = concat_with_pauses([a, b], 24000, pause_s=0.25)
    assert len(joined) == len(a) + len(b) + 6000
    padded = np.concatenate([np.zeros(2400, np.float32), a, np.zeros(4800, np.float32)])
    trimmed = trim_silence(padded, 24000)
    assert len(a) <= len(trimmed) < len(a) + 2000
    assert len(resample_linear(a, 24000, 22050)) == round(len(a) * 22050 / 24000)


def test_measurements() -> None:
    assert rms(np.zeros(100, np.float32)) == 0.0
    assert median_f0(np.zeros(24000, np.float32), 24000) == 0.0
    assert abs(median_f0(tone(120), 24000) - 120) < 5
    assert abs(median_f0(tone(240), 24000) - 240) < 10
