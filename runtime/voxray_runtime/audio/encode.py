"""Encoding PCM in process: MP3 (LAME via lameenc), WAV, FLAC and Opus (libsndfile via soundfile).

MP3 is the product's format; the others are extras. No subprocesses: encoding runs in the replica.
"""

from __future__ import annotations

import io
from typing import Literal, get_args

import lameenc
import numpy as np
import numpy.typing as npt

AudioFormat = Literal["mp3", "wav", "flac", "opus"]
FORMATS: tuple[str, ...] = get_args(AudioFormat)
CONTENT_TYPES: dict[str, str] = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "opus": "audio/ogg",
    "pcm": "audio/pcm",
}
#: MP3 bitrates (kbps) valid at the speech sample rates voxray produces (16-24 kHz is MPEG-2 audio, whose
#: layer III bitrates stop at 160 kbps; LAME would silently clamp anything higher)
MP3_BITRATES: frozenset[int] = frozenset((32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160))
#: sample rates LAME (and MP3) support; engine rates (22050, 24000) are among them
MP3_SAMPLE_RATES: frozenset[int] = frozenset((8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000))
#: sample rates libopus accepts
OPUS_SAMPLE_RATES: tuple[int, ...] = (8000, 12000, 16000, 24000, 48000)


class AudioFormatError(ValueError):
    """An unknown format or an unsupported bitrate/sample rate."""


def float_to_int16(pcm: npt.NDArray[np.floating]) -> npt.NDArray[np.int16]:
    clipped = np.clip(np.asarray(pcm, dtype=np.float32), -1.0, 1.0)
    return (clipped * 32767.0).astype(np.int16)


def _check_mp3(sample_rate: int, bitrate_kbps: int) -> None:
    if bitrate_kbps not in MP3_BITRATES:
        raise AudioFormatError(
            f"bitrate {bitrate_kbps} kbps is not an MP3 bitrate; use one of {sorted(MP3_BITRATES)}"
        )
    if sample_rate not in MP3_SAMPLE_RATES:
        raise AudioFormatError(f"sample rate {sample_rate} Hz cannot be encoded as MP3")


class Mp3StreamEncoder:
    """Incremental MP3: feed PCM sentence by sentence, get MP3 frames as they are ready.

    The concatenation of every ``feed`` result plus ``flush`` is one valid MP3 stream.
    """

    def __init__(self, sample_rate: int, bitrate_kbps: int = 64, quality: int = 5) -> None:
        _check_mp3(sample_rate, bitrate_kbps)
        self.sample_rate = sample_rate
        self._enc = lameenc.Encoder()
        self._enc.set_bit_rate(bitrate_kbps)
        self._enc.set_in_sample_rate(sample_rate)
        self._enc.set_out_sample_rate(sample_rate)  # never let LAME resample speech behind our back
        self._enc.set_channels(1)
        self._enc.set_quality(quality)  # 2 = best, 7 = fastest; 5 is LAME's speech-friendly middle
        self._flushed = False

    def feed(self, pcm: npt.NDArray[np.floating]) -> bytes:
        if self._flushed:
            raise RuntimeError("encoder already flushed")
        if len(pcm) == 0:
            return b""
        return bytes(self._enc.encode(float_to_int16(pcm).tobytes()))

    def flush(self) -> bytes:
        if self._flushed:
            return b""
        self._flushed = True
        return bytes(self._enc.flush())


def _encode_soundfile(pcm: npt.NDArray[np.floating], sample_rate: int, fmt: str, subtype: str) -> bytes:
    import soundfile

    buf = io.BytesIO()
    soundfile.write(buf, np.asarray(pcm, dtype=np.float32), sample_rate, format=fmt, subtype=subtype)
    return buf.getvalue()


def encode(
    pcm: npt.NDArray[np.floating], sample_rate: int, fmt: str = "mp3", bitrate_kbps: int = 64
) -> bytes:
    """Whole-clip encoding. ``fmt`` one of mp3, wav, flac, opus (Ogg/Opus, resampled to 24/48 kHz)."""
    if fmt not in FORMATS:
        raise AudioFormatError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if fmt == "mp3":
        enc = Mp3StreamEncoder(sample_rate, bitrate_kbps)
        return enc.feed(pcm) + enc.flush()
    if fmt == "wav":
        return _encode_soundfile(pcm, sample_rate, "WAV", "PCM_16")
    if fmt == "flac":
        return _encode_soundfile(pcm, sample_rate, "FLAC", "PCM_16")
    from voxray_runtime.audio.pcm import resample_linear

    rate = sample_rate if sample_rate in OPUS_SAMPLE_RATES else 48000
    data = resample_linear(np.asarray(pcm, dtype=np.float32), sample_rate, rate)
    return _encode_soundfile(data, rate, "OGG", "OPUS")
