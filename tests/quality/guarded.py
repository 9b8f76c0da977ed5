"""What the quality guard renders, shared by its conftest and its tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voxray_runtime.evaluation.checkers import to_16k
from voxray_runtime.voices import VoiceBinding

#: (avatar, model pinned or None for the one the catalog resolves): every bundled engine, both genders
#: where the engine has both, and the languages where Whisper base's language identification is reliable
GUARDED: tuple[tuple[str, str | None], ...] = (
    ("female_en-US", None),  # Kokoro
    ("male_en-US", None),  # Kokoro
    ("male_en-US", "piper-joe"),  # Piper (full precision, as bundled)
    ("female_es", None),  # Kokoro
    ("male_es", None),  # Kokoro
    ("female_ar-SA", None),  # Kokoro (Hindi voices, mapped Arabic phonemes)
    ("male_ar-SA", None),  # Kokoro
    ("female_ar-SA", "espeak"),  # espeak-ng, the further fallback
    ("male_ar-SA", "espeak"),  # espeak-ng
)
#: one sentence of the evaluation set (v1 "tea": fricatives, a cluster, a number word) per avatar
SENTENCE_ID = "tea"


@dataclass(frozen=True)
class Clip:
    key: str
    binding: VoiceBinding
    text: str
    pcm: npt.NDArray[np.float32]
    rate: int

    @property
    def pcm16k(self) -> npt.NDArray[np.float32]:
        return to_16k(self.pcm, self.rate)


def clip_key(avatar: str, model: str | None) -> str:
    return f"{avatar}@{model}" if model else avatar
