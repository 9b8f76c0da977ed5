"""What the speech routes add for publish-ready speech: the job's publish spec from a request, captions
written beside stored audio, loudness as the API shows it."""

from __future__ import annotations

from pathlib import Path

from voxray_runtime.api.errors import Problem
from voxray_runtime.api.schemas import LoudnessReading, NativeSpeechRequest
from voxray_runtime.audio.loudness import (
    DEFAULT_CEILING_DBTP,
    DEFAULT_TARGET_LUFS,
    Loudness,
    LoudnessError,
    LoudnessTarget,
)
from voxray_runtime.speech.publish import CAPTION_FORMATS, Publish
from voxray_runtime.storage.location import Location
from voxray_runtime.voices import VoiceBinding


def publish_spec(
    req: NativeSpeechRequest, binding: VoiceBinding, *, captions: tuple[str, ...] | None = None
) -> Publish | None:
    """The publish spec of a native request (a stream gets its loudness only: one gain per voice)."""
    if req.stream and req.captions:
        raise Problem(
            400,
            "invalid-request",
            "Invalid request",
            "captions need the whole file: they cannot be combined with stream",
            field="captions",
        )
    if req.captions and not req.store and captions is None and not req.stream:
        raise Problem(
            400,
            "invalid-request",
            "Invalid request",
            "captions are written beside stored audio: set store=true, or use POST /v1/speech/captioned",
            field="captions",
        )
    target = None
    if req.loudness == "on":
        try:
            target = LoudnessTarget(
                DEFAULT_TARGET_LUFS if req.loudness_lufs is None else req.loudness_lufs,
                DEFAULT_CEILING_DBTP if req.true_peak_dbtp is None else req.true_peak_dbtp,
            )
        except LoudnessError as exc:
            raise Problem(400, "invalid-request", "Invalid request", str(exc), field="loudness_lufs") from exc
    formats = tuple(dict.fromkeys(req.captions)) if captions is None else captions
    return Publish(req.text, binding.avatar.language, binding.avatar.dialect, target, formats)


def loudness_reading(value: Loudness | None) -> LoudnessReading | None:
    return None if value is None else LoudnessReading(**value.rounded())


def write_captions(output_dir: Location, audio: Path, captions: dict[str, str]) -> dict[str, str]:
    """Each caption text beside the stored audio (``audio``: its name under ``output_dir``, a folder or
    an object-store prefix), same stem, written whole; format -> where."""
    from voxray_runtime.storage.store import store_output

    written: dict[str, str] = {}
    for fmt in CAPTION_FORMATS:
        if fmt in captions:
            rel = audio.with_suffix(f".{fmt}").as_posix()
            written[fmt] = store_output(output_dir, rel, captions[fmt].encode("utf-8"))
    return written


def default_publish(text: str, binding: VoiceBinding) -> Publish:
    """What OpenAI's speech route publishes: the audio at the default loudness, nothing beside it."""
    return Publish(text, binding.avatar.language, binding.avatar.dialect)
