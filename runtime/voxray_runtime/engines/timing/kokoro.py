"""Kokoro's word timing from its own duration predictor.

Kokoro predicts how many frames each input token lasts (``round(duration / speed)``, at least 1) and
repeats the token's features that many times before the decoder; one frame is 600 samples at 24 kHz
(25 ms). The shipped graph keeps those integers internal. :func:`with_durations` marks that tensor (the
int64 ``Cast`` after the duration predictor's ``Round -> Clip``) as a second graph output at load, the
way ``engines/int8_conv.py`` edits the graph: nothing is computed differently, so the audio is the same
bit for bit (tests/engines holds it), and each run also answers the frames of every token.

A word's time is then exact arithmetic: the frames before its first phoneme to the frames after its last
(punctuation tokens, which Kokoro renders as pauses, are left out of the word).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.engines.timing.mapping import Unit

_log = logging.getLogger(__name__)

#: samples of audio per predicted frame (the decoder's upsampling: 24 kHz / 40 frames a second)
SAMPLES_PER_FRAME = 600
#: tokens that are pauses, not sounds of a word
PAUSE_SYMBOLS = frozenset(';:,.!?¡¿—…"«»“”()')


def durations_tensor(graph: Any) -> str | None:
    """The name of the per-token frame counts in a Kokoro graph (``onnx.GraphProto``), or None."""
    nodes = list(getattr(graph, "node", []))
    producers = {out: node for node in nodes for out in node.output}
    consumers: dict[str, list[Any]] = {}
    for node in nodes:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    rounds = [n for n in nodes if n.op_type == "Round"]
    if len(rounds) != 1:
        return None
    clips = [n for n in consumers.get(rounds[0].output[0], []) if n.op_type == "Clip"]
    if len(clips) != 1:
        return None
    casts = [n for n in consumers.get(clips[0].output[0], []) if n.op_type == "Cast"]
    if len(casts) != 1:
        return None
    name = str(casts[0].output[0])
    return name if name in producers else None


def with_durations(model: bytes | Path) -> tuple[bytes | Path, str | None]:
    """The graph with its token durations as an extra output, and that output's name.

    A graph where the durations cannot be found (another export) comes back as it was, with None: its
    words are then timed by forced alignment.
    """
    import onnx
    from onnx import TensorProto, helper

    try:
        proto = onnx.load_from_string(model) if isinstance(model, bytes) else onnx.load(str(model))
    except Exception as exc:  # onnxruntime judges the graph as it is (and says what is wrong with it)
        _log.warning("Kokoro graph not read for word timing (%s); words are force-aligned", exc)
        return model, None
    name = durations_tensor(proto.graph)
    if name is None:
        _log.warning("no duration tensor in this Kokoro graph; words are force-aligned")
        return model, None
    if all(o.name != name for o in proto.graph.output):
        proto.graph.output.append(helper.make_tensor_value_info(name, TensorProto.INT64, None))
    return proto.SerializeToString(), name


def phoneme_units(
    ids: Sequence[int],
    frames: npt.ArrayLike,
    vocab: Mapping[str, int],
    *,
    offset_s: float = 0.0,
    sample_rate: int = 24_000,
) -> list[Unit]:
    """The phoneme words of one run (token ids between the pad tokens, words split at the space token),
    each with its size and time from the predicted frames; ``offset_s`` is where the run's audio starts."""
    per_token = np.asarray(frames, dtype=np.int64).reshape(-1)
    if per_token.size != len(ids) + 2:
        raise ValueError(f"{per_token.size} durations for {len(ids)} tokens (+2 pads)")
    seconds = SAMPLES_PER_FRAME / sample_rate
    edges = np.concatenate([[0], np.cumsum(per_token)]) * seconds + offset_s
    space = vocab[" "]
    pauses = {vocab[c] for c in PAUSE_SYMBOLS if c in vocab}
    units: list[Unit] = []
    first: int | None = None
    last = 0
    size = 0
    for position, token in enumerate(ids, start=1):  # position in the padded sequence
        if token == space:
            if first is not None:
                units.append(Unit(size, float(edges[first]), float(edges[last + 1])))
            first, size = None, 0
            continue
        if token in pauses:
            continue
        if first is None:
            first = position
        last = position
        size += 1
    if first is not None:
        units.append(Unit(size, float(edges[first]), float(edges[last + 1])))
    return units


def run_timed(
    run: Callable[[Sequence[int]], Sequence[Any]],
    chunks: Sequence[Sequence[int]],
    vocab: Mapping[str, int],
    timed: bool,
) -> tuple[npt.NDArray[np.float32], list[Unit] | None]:
    """Each token chunk through ``run`` (the session's outputs: audio, then frames where ``timed``), the
    audio joined and the phoneme words placed at the sample where their chunk starts."""
    pieces: list[npt.NDArray[np.float32]] = []
    units: list[Unit] | None = [] if timed else None
    offset = 0
    for chunk in chunks:
        outputs = run(chunk)
        audio = np.asarray(outputs[0], dtype=np.float32).reshape(-1)
        if units is not None:
            units += phoneme_units(chunk, outputs[1], vocab, offset_s=offset / 24_000)
        pieces.append(audio)
        offset += audio.size
    return np.concatenate(pieces), units
