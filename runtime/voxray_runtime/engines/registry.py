"""``load_engine``: a VoiceModel spec -> a loaded engine, and each engine's license.

Engine modules are imported only when their engine is loaded, so a replica serving espeak-ng never
imports onnxruntime or torch.
"""

from __future__ import annotations

from collections.abc import Callable

from voxray_runtime.engines.base import Engine, EngineError
from voxray_runtime.spec.voicemodel import VoiceModelSpec

#: What ships with each engine, shown in /v1/models and the docs. The weights' own terms come first.
ENGINE_LICENSES: dict[str, str] = {
    "kokoro": "Apache-2.0 (Kokoro-82M weights, kokoro-js voices); phonemes: espeak-ng in piper-tts (GPL-3.0)",
    "piper": "GPL-3.0 (piper-tts, in process); each voice has its own license (joe: public-domain data)",
    "espeak": "GPL-3.0 (espeak-ng, run as a separate program)",
    "vits": "per checkpoint (MMS-TTS: CC-BY-NC-4.0, non-commercial); transformers and torch: Apache-2.0/BSD",
}

Loader = Callable[[VoiceModelSpec, int | None, str], Engine]


def _kokoro(spec: VoiceModelSpec, threads: int | None, device: str) -> Engine:
    from voxray_runtime.engines.kokoro import KokoroEngine

    return KokoroEngine.from_spec(spec, threads=threads, device=device)


def _piper(spec: VoiceModelSpec, threads: int | None, device: str) -> Engine:
    from voxray_runtime.engines.piper import PiperEngine

    return PiperEngine.from_spec(spec, threads=threads, device=device)


def _espeak(spec: VoiceModelSpec, threads: int | None, device: str) -> Engine:
    from voxray_runtime.engines.espeak import EspeakEngine

    return EspeakEngine.from_spec(spec, threads=threads, device=device)


def _vits(spec: VoiceModelSpec, threads: int | None, device: str) -> Engine:
    try:
        from voxray_runtime.engines.vits import VitsEngine

        return VitsEngine.from_spec(spec, threads=threads, device=device)
    except ModuleNotFoundError as exc:
        if exc.name not in ("torch", "transformers"):
            raise
        raise EngineError(f"engine vits needs {exc.name}: pip install 'voxray[torch]'") from exc


_LOADERS: dict[str, Loader] = {"kokoro": _kokoro, "piper": _piper, "espeak": _espeak, "vits": _vits}


def load_engine(spec: VoiceModelSpec, *, threads: int | None = None, device: str = "cpu") -> Engine:
    """Load the engine a VoiceModel spec names. ``threads`` defaults to ``spec.serving.threads``.

    Raises WeightsNotFoundError when the weights are not where the spec says, EngineError otherwise.
    """
    loader = _LOADERS.get(spec.engine)
    if loader is None:
        raise EngineError(f"unknown engine {spec.engine!r}; engines: {', '.join(sorted(_LOADERS))}")
    return loader(spec, threads if threads is not None else spec.serving.threads, device)
