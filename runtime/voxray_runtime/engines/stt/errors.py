"""Typed errors of speech recognition; each names the request field at fault (for a 4xx that says so)."""

from __future__ import annotations


class TranscriptionError(ValueError):
    """Bad input to transcription. ``field`` is the request field at fault (``file``, ``language``...)."""

    status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotAudioError(TranscriptionError):
    """The upload is not audio any decoder recognises."""


class EmptyAudioError(TranscriptionError):
    """No bytes, or audio with no samples."""


class AudioTooLongError(TranscriptionError):
    """Longer than the duration limit."""


class AudioTooLargeError(TranscriptionError):
    """More bytes than the upload limit."""

    status = 413


class BadOptionError(TranscriptionError):
    """An option out of range: language, temperature, prompt, response format."""
