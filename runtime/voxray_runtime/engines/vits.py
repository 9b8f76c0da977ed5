"""VITS through transformers (``VitsModel`` + ``VitsTokenizer``: the MMS-TTS architecture), on torch.

torch and transformers are imported only when an engine is built, so this module imports without them
(they come with ``voxray[torch]``).

Weights, by ``weights.source``: ``huggingface`` is a snapshot of ``repo@revision`` into the HF cache;
``path`` and ``pvc`` are a ``save_pretrained`` folder; both then load with ``from_pretrained(folder,
local_files_only=True)``. ``path: "random:tiny"`` builds a small
randomly initialised model (:meth:`VitsEngine.random_init`): no registry ships MMS-TTS weights, so this
exercises the torch plumbing honestly (tokenizing, padding, batching, quantization, devices), never the
quality; its output is noise-like, not speech.

One checkpoint speaks one language (the spec's ``language``). Quantization: ``int8`` is torch's dynamic
int8 quantization of the ``nn.Linear`` layers (CPU only; the attention projections, as VITS's
feed-forward layers are convolutions); ``fp16`` casts the model on CUDA; ``bf16`` on CUDA or CPU.
Noise is seeded per call, so the same batch gives the same audio.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voxray_runtime.engines.base import (
    PCM,
    EngineError,
    EngineInfo,
    SynthesisRequest,
    WeightsNotFoundError,
    check_request,
    empty_pcm,
    to_pcm,
)
from voxray_runtime.engines.weights import describe, hub_snapshot, local_weights_path, require_dir
from voxray_runtime.spec.voicemodel import VoiceModelSpec

QUANTIZATIONS = ("none", "int8", "fp16", "bf16")
RANDOM_TINY = "random:tiny"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
HUB_PATTERNS = ("*.json", "*.safetensors")
LICENSE = "per checkpoint (MMS-TTS: CC-BY-NC-4.0); transformers: Apache-2.0"
#: the characters the random-init tokenizer knows; id 0 is the blank VITS puts between characters
TINY_VOCAB = ("<pad>", " ", *"abcdefghijklmnopqrstuvwxyz", "'", "<unk>")
#: a VitsConfig small enough to build in milliseconds and run a sentence in a few on one core
TINY_CONFIG: dict[str, Any] = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "ffn_dim": 64,
    "flow_size": 16,
    "spectrogram_bins": 33,
    "upsample_initial_channel": 32,
    "resblock_kernel_sizes": [3],
    "resblock_dilation_sizes": [[1, 3]],
    "duration_predictor_filter_channels": 32,
    "prior_encoder_num_flows": 2,
    "prior_encoder_num_wavenet_layers": 2,
    "posterior_encoder_num_wavenet_layers": 2,
    # the deterministic duration predictor keeps random-init durations near one frame per token
    "use_stochastic_duration_prediction": False,
    "sampling_rate": 16_000,
}
_log = logging.getLogger(__name__)


def pick_device(requested: str) -> str:
    """``cuda`` when asked for and present (else ``cpu``, with a warning); ``cpu`` otherwise."""
    import torch

    if requested == "cpu":
        return "cpu"
    if requested == "cuda":
        if torch.cuda.is_available():
            return "cuda"
        _log.warning("device cuda asked for but torch sees no CUDA device; engine vits runs on the CPU")
        return "cpu"
    raise EngineError(f"unknown device {requested!r}; use cpu or cuda")


def quantize(model: Any, quantization: str, device: str) -> Any:
    """The model in the requested numeric format (see the module docstring for what each means)."""
    import torch

    if quantization == "none":
        return model
    if quantization == "int8":
        if device != "cpu":
            raise EngineError(
                "vits int8 (dynamic quantization) runs on the CPU only; use fp16 or bf16 on cuda"
            )
        with warnings.catch_warnings():
            # torch deprecates its eager quantized tensors in favour of torchao; they still work in 2.13
            warnings.filterwarnings("ignore", message=".*quantized tensor creation functions")
            quantize_dynamic: Any = torch.ao.quantization.quantize_dynamic  # untyped in torch
            return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    if quantization == "fp16":
        if device != "cuda":
            raise EngineError("vits fp16 needs a CUDA device; on the CPU use bf16 or int8")
        return model.to(torch.float16)
    if quantization == "bf16":
        return model.to(torch.bfloat16)
    raise EngineError(f"vits quantization {quantization!r} unknown; use one of {', '.join(QUANTIZATIONS)}")


def tiny_tokenizer(language: str) -> Any:
    """A VitsTokenizer over :data:`TINY_VOCAB` (lower-case letters, space, apostrophe)."""
    from transformers import VitsTokenizer

    with tempfile.TemporaryDirectory() as folder:
        vocab = Path(folder) / "vocab.json"
        vocab.write_text(json.dumps({c: i for i, c in enumerate(TINY_VOCAB)}), encoding="utf-8")
        return VitsTokenizer(str(vocab), language=language, phonemize=False, normalize=True, add_blank=True)


def check_checkpoint(folder: Path) -> None:
    """The files ``from_pretrained`` needs, checked up front for a clear message."""
    require_dir(folder, "VITS checkpoint folder", "check weights.path")
    missing = [name for name in ("config.json", "vocab.json") if not (folder / name).is_file()]
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        missing.append(" or ".join(WEIGHT_FILES))
    if missing:
        raise WeightsNotFoundError(
            f"{folder} is not a VITS checkpoint (save_pretrained layout): missing {', '.join(missing)}"
        )


def _check_uroman(tokenizer: Any) -> None:
    if getattr(tokenizer, "is_uroman", False) and importlib.util.find_spec("uroman") is None:
        raise EngineError(
            "this checkpoint reads romanized text: install the uroman package (pip install uroman)"
        )


def pad(sequences: Sequence[Sequence[int]]) -> tuple[Any, Any]:
    """(input_ids, attention_mask) tensors for token sequences of different lengths, padded with 0."""
    import torch

    width = max(len(s) for s in sequences)
    ids = torch.zeros((len(sequences), width), dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(list(seq), dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids, mask


class VitsEngine:
    """A transformers VITS checkpoint. Batched: inputs are padded and run in one forward pass.

    Single-speaker checkpoints declare no speaker names (any name is that one voice); multi-speaker ones
    declare ``"0"``..``"n-1"``.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        language: str,
        quantization: str = "none",
        device: str = "cpu",
        threads: int | None = None,
        seed: int = 0,
        weights: str = "",
        license: str = LICENSE,
    ) -> None:
        import torch

        if threads is not None:
            torch.set_num_threads(threads)  # process-wide: one engine per replica process
        _check_uroman(tokenizer)
        self._device = pick_device(device)
        self._model = quantize(model.to(self._device).eval(), quantization, self._device)
        self._tokenizer = tokenizer
        self._seed = seed
        config = model.config
        #: token count of text with nothing to speak (a lone blank when the tokenizer intersperses blanks)
        self._empty_len = 1 if getattr(tokenizer, "add_blank", False) else 0
        speakers = tuple(str(i) for i in range(config.num_speakers)) if config.num_speakers > 1 else ()
        self._info = EngineInfo(
            name="vits",
            sample_rate=int(config.sampling_rate),
            languages=frozenset({language}),
            speakers=speakers,
            quantization=quantization,
            weights=weights,
            license=license,
            device=self._device,
            batched=True,
            extra={"architecture": "VitsModel (transformers)"},
        )

    @classmethod
    def from_folder(cls, folder: Path, **kwargs: Any) -> VitsEngine:
        """A checkpoint saved with ``save_pretrained`` (or a Hub snapshot): config, vocab and weights."""
        from transformers import VitsModel, VitsTokenizer

        check_checkpoint(folder)
        try:
            tokenizer = VitsTokenizer.from_pretrained(str(folder), local_files_only=True)
            model = VitsModel.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise WeightsNotFoundError(f"cannot load the VITS checkpoint in {folder}: {exc}") from exc
        kwargs.setdefault("weights", str(folder))
        return cls(model, tokenizer, **kwargs)

    @classmethod
    def from_hub(cls, repo: str, revision: str | None = None, **kwargs: Any) -> VitsEngine:
        """A Hub checkpoint (``facebook/mms-tts-urd-script_arabic``, say), fetched once into the HF cache.

        Fetched with one snapshot call rather than ``from_pretrained(repo)``, whose per-file retries take
        minutes to give up when the Hub is unreachable; safetensors are preferred over pickled weights.
        """
        folder = hub_snapshot(repo, revision, HUB_PATTERNS)
        if not any(folder.glob("*.safetensors")):
            folder = hub_snapshot(repo, revision, ["*.json", "pytorch_model.bin"])
        kwargs.setdefault("weights", f"{repo}@{revision or 'main'}")
        return cls.from_folder(folder, **kwargs)

    @classmethod
    def random_init(
        cls,
        config_overrides: Mapping[str, Any] | None = None,
        *,
        language: str = "und",
        seed: int = 0,
        **kwargs: Any,
    ) -> VitsEngine:
        """A tiny randomly initialised model (see the module docstring: plumbing, not quality)."""
        import torch
        from transformers import VitsConfig, VitsModel

        config = VitsConfig(**{**TINY_CONFIG, "vocab_size": len(TINY_VOCAB), **(config_overrides or {})})
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = VitsModel(config)
        kwargs.setdefault("weights", RANDOM_TINY)
        return cls(
            model,
            tiny_tokenizer(language),
            language=language,
            seed=seed,
            license="none (random weights)",
            **kwargs,
        )

    @classmethod
    def from_spec(
        cls, spec: VoiceModelSpec, *, threads: int | None = None, device: str = "cpu"
    ) -> VitsEngine:
        w = spec.weights
        options: dict[str, Any] = {
            "language": spec_language(spec),
            "quantization": spec.effective_quantization,
            "threads": threads,
            "device": device,
        }
        if w.source == "path" and w.path == RANDOM_TINY:
            return cls.random_init(**options)
        if w.source == "huggingface" and w.repo:
            return cls.from_hub(w.repo, w.revision, **options)
        if w.source == "packaged":
            raise WeightsNotFoundError(
                "no VITS (MMS-TTS) weights are packaged; use weights.source huggingface, pvc or path"
            )
        return cls.from_folder(local_weights_path(w), weights=describe(w), **options)

    @property
    def info(self) -> EngineInfo:
        return self._info

    def synthesize(self, text: str, *, speaker: str, language: str, speed: float = 1.0) -> PCM:
        return self.synthesize_batch([SynthesisRequest(text, speaker, language, speed)])[0]

    def synthesize_batch(self, requests: Sequence[SynthesisRequest]) -> list[PCM]:
        """Requests sharing speed and speaker run in one padded forward pass; results come back in order."""
        for r in requests:
            check_request(self._info, r.speaker, r.language, r.speed)
        out: list[PCM] = [empty_pcm() for _ in requests]
        groups: dict[tuple[float, str], list[int]] = {}
        for i, r in enumerate(requests):
            groups.setdefault((r.speed, r.speaker if self._info.speakers else ""), []).append(i)
        for (speed, speaker), members in groups.items():
            tokens = {i: self._tokens(requests[i].text) for i in members}
            speaking = [i for i in members if len(tokens[i]) > self._empty_len]
            if speaking:
                audio = self._forward([tokens[i] for i in speaking], speed, speaker)
                for i, pcm in zip(speaking, audio, strict=True):
                    out[i] = pcm
        return out

    def _tokens(self, text: str) -> list[int]:
        return list(self._tokenizer(text)["input_ids"])

    def _forward(self, sequences: Sequence[Sequence[int]], speed: float, speaker: str) -> list[PCM]:
        import torch

        ids, mask = pad(sequences)
        speaker_id = int(speaker) if speaker else None
        devices = [torch.cuda.current_device()] if self._device == "cuda" else []
        with torch.random.fork_rng(devices=devices), torch.inference_mode():
            torch.manual_seed(self._seed)
            result = self._model(
                input_ids=ids.to(self._device),
                attention_mask=mask.to(self._device),
                speaker_id=speaker_id,
                speaking_rate=speed,
            )
        waves = result.waveform.float().cpu().numpy()
        lengths = result.sequence_lengths.cpu().numpy()
        return [to_pcm(np.asarray(w[: int(n)]), engine="vits") for w, n in zip(waves, lengths, strict=True)]


def spec_language(spec: VoiceModelSpec) -> str:
    """The checkpoint's language: ``spec.language``, else the one engine language its voices name."""
    if spec.language:
        return spec.language
    named = {v.engine_language for v in spec.voices if v.engine_language}
    if len(named) == 1:
        return named.pop()
    raise EngineError("engine vits needs spec.language (the checkpoint's single language), e.g. ur")
