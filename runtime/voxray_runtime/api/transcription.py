"""The transcription frontend: decode and check an upload (before anything reaches the model), then
transcribe it on the speech-recognition deployment (or in process)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.engines.stt.decode import AudioLimits, decode
from voxray_runtime.engines.stt.whisper import Transcript, check_options

#: what transcribes 16 kHz samples with options (a Serve handle's remote call, or a local model)
Transcribe = Callable[[npt.NDArray[np.float32], dict[str, Any]], Awaitable[Transcript]]
#: model names a client may send: OpenAI's own, and the served model's
OPENAI_MODEL_NAMES = frozenset({"whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"})


@dataclass
class TranscriptionFrontend:
    name: str
    limits: AudioLimits
    transcribe: Transcribe

    def accepts(self, model: str) -> bool:
        return model == self.name or model in OPENAI_MODEL_NAMES

    async def run(
        self,
        data: bytes,
        *,
        language: str | None,
        prompt: str | None,
        temperature: float,
        words: bool,
    ) -> Transcript:
        code = check_options(language, prompt, temperature)
        pcm = decode(data, self.limits)
        options = {"language": code, "prompt": prompt, "temperature": temperature, "word_timestamps": words}
        return await self.transcribe(pcm, options)
