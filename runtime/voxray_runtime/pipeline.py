"""Text -> audio for one voice: normalise and split per language, synthesize chunk by chunk, pause.

Shared by the Serve model deployment and the batch driver so both speak identically.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from voxray_runtime.audio.pcm import PCM, SENTENCE_PAUSE_S, silence, trim_silence
from voxray_runtime.engines.base import Engine, SynthesisRequest
from voxray_runtime.text import prepare
from voxray_runtime.voices.catalog import VoiceBinding

#: longest chunk handed to an engine, in characters (Kokoro's 510-token window fits ~300 chars)
MAX_CHUNK_CHARS = 300


class EmptyTextError(ValueError):
    """Nothing speakable is left after normalisation (only emoji, URLs, punctuation...)."""


@dataclass(frozen=True)
class ChunkAudio:
    """Audio of one chunk, pause included when more chunks follow."""

    index: int
    count: int
    text: str
    pcm: PCM
    synth_seconds: float


def text_chunks(text: str, binding: VoiceBinding, max_chars: int = MAX_CHUNK_CHARS) -> list[str]:
    chunks = prepare(text, binding.avatar.language, binding.avatar.dialect, max_chars=max_chars)
    if not chunks:
        raise EmptyTextError("the text has nothing speakable after normalisation")
    return chunks


def synthesize_chunks(
    engine: Engine, binding: VoiceBinding, chunks: list[str], speed: float = 1.0
) -> Iterator[ChunkAudio]:
    """Chunk by chunk (sentence by sentence): what streaming sends as soon as each is ready."""
    rate = engine.info.sample_rate
    gap = silence(SENTENCE_PAUSE_S / max(speed, 0.25), rate)
    for i, chunk in enumerate(chunks):
        t0 = time.perf_counter()
        pcm = engine.synthesize(chunk, speaker=binding.speaker, language=binding.engine_language, speed=speed)
        pcm = trim_silence(np.asarray(pcm, dtype=np.float32), rate)
        if i < len(chunks) - 1:
            pcm = np.concatenate([pcm, gap])
        yield ChunkAudio(i, len(chunks), chunk, pcm, time.perf_counter() - t0)


def synthesize_text(engine: Engine, binding: VoiceBinding, text: str, speed: float = 1.0) -> PCM:
    """The whole clip for a text."""
    parts = [c.pcm for c in synthesize_chunks(engine, binding, text_chunks(text, binding), speed)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def synthesize_many(engine: Engine, items: list[tuple[VoiceBinding, str]], speed: float = 1.0) -> list[PCM]:
    """Several chunks through ``synthesize_batch`` (engines that batch run them in one pass)."""
    reqs = [SynthesisRequest(text, b.speaker, b.engine_language, speed) for b, text in items]
    return [np.asarray(p, dtype=np.float32) for p in engine.synthesize_batch(reqs)]


def engine_for(engines: Mapping[str, Engine], binding: VoiceBinding) -> Engine:
    try:
        return engines[binding.model]
    except KeyError:
        raise KeyError(f"model {binding.model} is not loaded here") from None
