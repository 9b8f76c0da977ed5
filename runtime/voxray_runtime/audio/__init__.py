"""Audio: PCM handling, in-process encoding (MP3 via LAME, WAV, FLAC, Opus) and streaming chunks."""

from voxray_runtime.audio.encode import (
    CONTENT_TYPES,
    FORMATS,
    AudioFormatError,
    Mp3StreamEncoder,
    encode,
    float_to_int16,
)
from voxray_runtime.audio.pcm import concat_with_pauses, duration_seconds, resample_linear, silence

__all__ = [
    "CONTENT_TYPES",
    "FORMATS",
    "AudioFormatError",
    "Mp3StreamEncoder",
    "concat_with_pauses",
    "duration_seconds",
    "encode",
    "float_to_int16",
    "resample_linear",
    "silence",
]
