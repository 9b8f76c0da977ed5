"""A TranscriptionModel's spec -> a loaded :class:`WhisperTranscriber` (weights resolved as the other
kinds resolve theirs: :mod:`voxray_runtime.engines.weights`)."""

from __future__ import annotations

from pathlib import Path

from voxray_runtime.engines.stt.decode import AudioLimits
from voxray_runtime.engines.stt.whisper import WhisperTranscriber
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec

#: the files of a CTranslate2 Whisper model on the Hugging Face Hub
HUB_PATTERNS = ("config.json", "model.bin", "tokenizer.json", "vocabulary.*", "preprocessor_config.json")


def weights_folder(spec: TranscriptionModelSpec) -> Path:
    """The CTranslate2 Whisper folder of ``spec.weights``: the packaged Whisper base, a Hub snapshot, or a
    local / PVC folder."""
    from voxray_runtime.engines.weights import hub_snapshot, local_weights_path, require_dir

    w = spec.weights
    if w.source == "packaged":
        from voxray_runtime.evaluation.checkers import whisper_base_dir

        return whisper_base_dir()
    if w.source == "huggingface" and w.repo:
        return hub_snapshot(w.repo, w.revision, HUB_PATTERNS)
    return require_dir(local_weights_path(w), f"Whisper model {spec.model}", "check weights.path")


def load_transcriber(name: str, spec: TranscriptionModelSpec) -> WhisperTranscriber:
    """Whisper for TranscriptionModel ``name``: its device, compute type, threads, workers and limits."""
    limits = AudioLimits(spec.serving.max_upload_bytes, spec.serving.max_duration_seconds)
    return WhisperTranscriber(
        weights_folder(spec),
        name=name,
        threads=spec.engine_threads,
        device=spec.device,
        compute_type=spec.compute_type,
        limits=limits,
        beam_size=spec.serving.beam_size,
        workers=spec.serving.max_concurrent,
    )
