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


def sentence_gap(sample_rate: int, speed: float = 1.0) -> PCM:
    """The pause between sentences, shortened as speech speeds up."""
    return silence(SENTENCE_PAUSE_S / max(speed, 0.25), sample_rate)


def speak(engine: Engine, req: SynthesisRequest) -> PCM:
    """One chunk through the engine, with the engine's own leading/trailing silence trimmed."""
    pcm = engine.synthesize(req.text, speaker=req.speaker, language=req.language, speed=req.speed)
    return trim_silence(np.asarray(pcm, dtype=np.float32), engine.info.sample_rate)


def synthesize_chunks(
    engine: Engine, binding: VoiceBinding, chunks: list[str], speed: float = 1.0
) -> Iterator[ChunkAudio]:
    """Chunk by chunk (sentence by sentence): what streaming sends as soon as each is ready."""
    gap = sentence_gap(engine.info.sample_rate, speed)
    for i, chunk in enumerate(chunks):
        t0 = time.perf_counter()
        pcm = speak(engine, SynthesisRequest(chunk, binding.speaker, binding.engine_language, speed))
        if i < len(chunks) - 1:
            pcm = np.concatenate([pcm, gap])
        yield ChunkAudio(i, len(chunks), chunk, pcm, time.perf_counter() - t0)


def engine_for(engines: Mapping[str, Engine], binding: VoiceBinding) -> Engine:
    try:
        return engines[binding.model]
    except KeyError:
        raise KeyError(f"model {binding.model} is not loaded here") from None
