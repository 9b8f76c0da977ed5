"""Piper's word timing from its own phoneme alignment.

A Piper (VITS) voice computes how many frames each phoneme id lasts (``w_ceil``, the ``Ceil`` of its
duration predictor) and piper-tts can mark that tensor as a second graph output
(``piper.patch_voice_with_alignment``); :func:`with_alignment` does it in memory at load, nothing computed
differently. piper-tts then reports, per sentence, each phoneme with its number of audio samples;
words are the runs between the space phonemes (punctuation, rendered as pauses, left out).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voxray_runtime.engines.timing.mapping import Unit

_log = logging.getLogger(__name__)

#: piper's sentence start/end phonemes and the punctuation it renders as pauses
SKIPPED = frozenset("^$_") | frozenset(';:,.!?¡¿—…"«»“”()')


def with_alignment(graph: Path) -> tuple[bytes | Path, bool]:
    """The voice graph with its phoneme frames as an extra output (and True), or as it was (and False)."""
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output

        proto = onnx.load(str(graph))
        if len(proto.graph.output) > 1:
            return graph, True  # patched on disk already
        add_alignment_output(proto)
        return proto.SerializeToString(), True
    except Exception as exc:  # no single Ceil: an export without the tensor; words are force-aligned
        _log.warning("Piper voice %s gives no phoneme alignment (%s); words are force-aligned", graph, exc)
        return graph, False


def phoneme_units(alignments: Sequence[Any], *, offset_s: float, sample_rate: int) -> list[Unit]:
    """Phoneme words of one sentence (piper's ``PhonemeAlignment`` list), timed from ``offset_s``."""
    units: list[Unit] = []
    at = 0
    start: int | None = None
    end = 0
    size = 0
    for item in alignments:
        phoneme, samples = str(item.phoneme), int(item.num_samples)
        if phoneme.isspace():
            if start is not None:
                units.append(Unit(size, offset_s + start / sample_rate, offset_s + end / sample_rate))
            start, size = None, 0
        elif phoneme not in SKIPPED:
            if start is None:
                start = at
            end = at + samples
            size += 1
        at += samples
    if start is not None:
        units.append(Unit(size, offset_s + start / sample_rate, offset_s + end / sample_rate))
    return units
