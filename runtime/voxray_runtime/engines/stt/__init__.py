"""Speech recognition (Whisper via faster-whisper), usable without Ray: decode and check uploads,
transcribe with language, prompt, temperature, segment and word timestamps, render OpenAI's formats."""

from voxray_runtime.engines.stt.decode import AudioLimits, decode
from voxray_runtime.engines.stt.errors import (
    AudioTooLargeError,
    AudioTooLongError,
    BadOptionError,
    EmptyAudioError,
    NotAudioError,
    TranscriptionError,
)
from voxray_runtime.engines.stt.formats import CONTENT_TYPES, RESPONSE_FORMATS, render
from voxray_runtime.engines.stt.whisper import Segment, Transcript, WhisperTranscriber, Word

__all__ = [
    "CONTENT_TYPES",
    "RESPONSE_FORMATS",
    "AudioLimits",
    "AudioTooLargeError",
    "AudioTooLongError",
    "BadOptionError",
    "EmptyAudioError",
    "NotAudioError",
    "Segment",
    "Transcript",
    "TranscriptionError",
    "WhisperTranscriber",
    "Word",
    "decode",
    "render",
]
