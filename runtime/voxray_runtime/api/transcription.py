"""The transcription frontend: decode and check an upload (before anything reaches the model), then
transcribe it on the speech-recognition deployment (or in process)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.engines.stt.decode import AudioLimits, decode
from voxray_runtime.engines.stt.errors import BadOptionError
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
    #: the TranscriptionModel's spec.languages: the languages accepted (empty: any); with one, a request
    #: naming none is transcribed in it
    languages: tuple[str, ...] = ()
    #: other names clients may send: the TranscriptionModel's metadata.name beside its servedModelName
    aliases: tuple[str, ...] = ()

    def accepts(self, model: str) -> bool:
        return model == self.name or model in self.aliases or model in OPENAI_MODEL_NAMES

    def language(self, code: str | None) -> str | None:
        """The language to transcribe in: the request's when this model accepts it (400 naming
        ``language`` otherwise), the model's only language when the request names none, else detection."""
        if not self.languages:
            return code
        if code is None:
            return self.languages[0] if len(self.languages) == 1 else None
        if code not in self.languages:
            accepted = ", ".join(self.languages)
            raise BadOptionError("language", f"language {code!r} is not served by {self.name} ({accepted})")
        return code

    async def run(
        self,
        data: bytes,
        *,
        language: str | None,
        prompt: str | None,
        temperature: float,
        words: bool,
    ) -> Transcript:
        code = self.language(check_options(language, prompt, temperature))
        pcm = decode(data, self.limits)
        options = {"language": code, "prompt": prompt, "temperature": temperature, "word_timestamps": words}
        return await self.transcribe(pcm, options)
