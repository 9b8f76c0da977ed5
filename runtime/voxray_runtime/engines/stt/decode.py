"""Uploaded audio -> 16 kHz mono float32, with the limits checked while decoding.

PyAV (faster-whisper's own decoder, FFmpeg's libraries inside) reads what the OpenAI API accepts
(flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm) and more. Limits are checked before the work they
guard: the size before anything is read, the duration while frames are decoded (a small file that
expands to hours of audio stops at the limit instead of filling memory).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voxray_runtime.engines.stt.errors import (
    AudioTooLargeError,
    AudioTooLongError,
    EmptyAudioError,
    NotAudioError,
)

RATE = 16_000
#: the OpenAI API's upload limit
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_SECONDS = 600.0


@dataclass(frozen=True)
class AudioLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_seconds: float = DEFAULT_MAX_SECONDS


def decode(data: bytes, limits: AudioLimits | None = None, *, field: str = "file") -> npt.NDArray[np.float32]:
    """Decode an upload; raises :class:`NotAudioError`, :class:`EmptyAudioError`,
    :class:`AudioTooLargeError` or :class:`AudioTooLongError` naming ``field``."""
    import av

    limits = limits or AudioLimits()
    if not data:
        raise EmptyAudioError(field, f"{field} is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        raise AudioTooLargeError(
            field, f"{field} is {len(data) / 1e6:.1f} MB; the limit is {limits.max_bytes / 1e6:.1f} MB"
        )
    max_samples = int(limits.max_seconds * RATE)
    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=RATE)
    parts: list[npt.NDArray[np.int16]] = []
    total = 0
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise NotAudioError(field, f"{field} is not audio: it has no audio stream")
            for frame in container.decode(audio=0):
                frame.pts = None
                for out in resampler.resample(frame):
                    samples = np.asarray(out.to_ndarray(), dtype=np.int16).reshape(-1)
                    parts.append(samples)
                    total += samples.size
                if total > max_samples:
                    raise AudioTooLongError(
                        field, f"{field} is longer than the limit of {limits.max_seconds:g} s"
                    )
            for out in resampler.resample(None):
                parts.append(np.asarray(out.to_ndarray(), dtype=np.int16).reshape(-1))
    except av.error.FFmpegError as exc:
        raise NotAudioError(field, f"{field} is not audio that can be decoded ({exc.strerror})") from exc
    pcm = np.concatenate(parts).astype(np.float32) / 32768.0 if parts else np.zeros(0, np.float32)
    if pcm.size == 0:
        raise EmptyAudioError(field, f"{field} holds no audio samples")
    if pcm.size > max_samples:
        raise AudioTooLongError(field, f"{field} is longer than the limit of {limits.max_seconds:g} s")
    return pcm
