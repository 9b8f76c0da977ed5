"""TTS engine adapters behind one Protocol (:class:`Engine`), loaded from a VoiceModel spec."""

from voxray_runtime.engines.base import (
    PCM,
    Engine,
    EngineError,
    EngineInfo,
    SynthesisRequest,
    UnknownSpeakerError,
    UnsupportedLanguageError,
    WeightsNotFoundError,
)
from voxray_runtime.engines.registry import ENGINE_LICENSES, load_engine

__all__ = [
    "ENGINE_LICENSES",
    "PCM",
    "Engine",
    "EngineError",
    "EngineInfo",
    "SynthesisRequest",
    "UnknownSpeakerError",
    "UnsupportedLanguageError",
    "WeightsNotFoundError",
    "load_engine",
]
