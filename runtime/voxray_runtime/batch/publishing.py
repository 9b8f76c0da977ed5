"""The batch's publish-ready hooks: caption file names, the manifest row's loudness and caption fields,
the resume rule's caption check, and the forced aligner a worker process loads once if it needs it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from voxray_runtime.audio.loudness import LoudnessTarget
from voxray_runtime.engines.base import Engine
from voxray_runtime.engines.timing import Aligner
from voxray_runtime.spec.speechbatch import BatchOutputSpec
from voxray_runtime.speech.job import SpeechResult
from voxray_runtime.speech.publish import Publish

_ALIGNER: list[Aligner | None] = []


def caption_name(audio_name: str, fmt: str) -> str:
    """``post_01_female_en-US.mp3`` -> ``post_01_female_en-US.srt`` (same folder, same stem)."""
    return str(PurePosixPath(audio_name).with_suffix(f".{fmt}"))


def settings_of(output: BatchOutputSpec) -> tuple[tuple[str, ...], LoudnessTarget | None]:
    """(caption formats, loudness target) of a SpeechBatch's ``spec.output``."""
    loudness = output.loudness
    target = LoudnessTarget(loudness.target_lufs, loudness.true_peak_dbtp) if loudness.enabled else None
    return tuple(dict.fromkeys(output.captions)), target


def target_field(target: LoudnessTarget | None) -> list[float] | None:
    """The loudness target as the manifest row records it (the resume rule compares it)."""
    return None if target is None else [target.integrated_lufs, target.true_peak_dbtp]


def publish_fields(
    out: SpeechResult, captions: Mapping[str, str], target: LoudnessTarget | None
) -> dict[str, Any]:
    """The manifest row's fields of a publish-ready file (none for a plain one)."""
    if out.loudness is None:
        return {}
    reading = out.loudness.rounded()
    return {
        "loudness_target": target_field(target),
        "loudness_lufs": reading["integrated_lufs"],
        "true_peak_dbtp": reading["true_peak_dbtp"],
        "captions": dict(captions),
        "timing": out.timing,
    }


def aligner_for(engine: Engine, spec: Publish) -> Aligner | None:
    """Whisper's forced alignment, loaded once per process, for engines that time no words themselves
    (espeak-ng) when captions are asked for; None otherwise or where the checker is not installed."""
    if not spec.timed or hasattr(engine, "synthesize_timed"):
        return None
    if not _ALIGNER:
        try:
            from voxray_runtime.engines.timing.forced import ForcedAligner
            from voxray_runtime.evaluation.checkers import whisper_base_dir

            _ALIGNER.append(ForcedAligner.from_folder(whisper_base_dir(), threads=1))
        except (ImportError, RuntimeError, OSError):
            _ALIGNER.append(None)
    return _ALIGNER[0]


def captions_complete(output_dir: Any, entry: Mapping[str, Any], formats: tuple[str, ...]) -> bool:
    """The resume rule for captions: the row lists exactly the formats asked for, and each file exists
    (in the output folder, or under the object-store prefix)."""
    from voxray_runtime.storage.location import ObjectPrefix
    from voxray_runtime.storage.paths import UnsafePathError
    from voxray_runtime.storage.store import open_store, resolve_location

    listed = entry.get("captions") or {}
    if not isinstance(listed, dict) or set(listed) != set(formats):
        return False
    try:
        if isinstance(output_dir, ObjectPrefix):
            store = open_store(output_dir)
            return all(store.get(str(name)) is not None for name in listed.values())
        return all(Path(str(resolve_location(output_dir, str(name)))).is_file() for name in listed.values())
    except (OSError, UnsafePathError, ValueError):
        return False
