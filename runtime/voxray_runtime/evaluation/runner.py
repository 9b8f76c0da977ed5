"""The evaluation run: synthesize the sentence set per avatar, check it, and gather the report data.

Speech is made exactly as the service makes it (:mod:`.rendering`: in-process ``ModelWorker``, the
binding the catalog resolves, the same text chunks, trims and pauses). Sections:

1. ``avatars``: per avatar, Whisper base round trip (WER en/es, CER all), Whisper tiny.en (English),
   language detection, median F0, seconds per character, clipping/silence ratios, voicing, RTF, and
   d-vector similarity within and across avatars (:mod:`.measuring`, :mod:`.sections`);
2. ``controls``: espeak-ng true voices in en, es, hi and ur (the formant synthesizer that is the only
   Arabic voice, where the recogniser is reliable, and the only true Urdu voice);
3. ``fallback``: how far each declared fallback (en-AU, Arabic dialects, Urdu) is from a true voice;
4. ``quantization``: every engine's quantized variant side by side with full precision, and the
   default chosen from the figures (:mod:`.side_by_side`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from voxray_runtime.evaluation.corpus import SentenceSet
from voxray_runtime.evaluation.measuring import Checkers, Log, Measured
from voxray_runtime.evaluation.sections import controls, evaluate_avatars, fallback_gap, similarity
from voxray_runtime.evaluation.side_by_side import quantization
from voxray_runtime.models import default_models
from voxray_runtime.speech.worker import ModelWorker
from voxray_runtime.voices import ALL_AVATARS, Avatar

SECTIONS = ("avatars", "controls", "fallback", "quantization")


def _print(msg: str) -> None:
    print(msg, flush=True)


@dataclass
class Options:
    sentences: SentenceSet
    avatars: Sequence[Avatar] = ALL_AVATARS
    sections: Sequence[str] = SECTIONS
    threads: int = 2
    quick: bool = False


def run(opts: Options, log: Log = _print) -> dict[str, Any]:
    """Everything the report shows, as one JSON-ready dict."""
    t0 = time.perf_counter()
    load_start = os.getloadavg()[0]
    log(f"sentences {opts.sentences.version} {opts.sentences.ids()}; loading the checkers")
    chk = Checkers(opts.threads)
    phases: dict[str, float] = {}
    data: dict[str, Any] = {"sentence_set": opts.sentences.version, "sentences": opts.sentences.ids()}
    models = default_models()
    workers = {x.name: ModelWorker(x.name, x.spec, threads=opts.threads) for x in models}
    measured: dict[str, Measured] = {}
    ctrl: dict[str, Measured] = {}
    if "avatars" in opts.sections:
        t = time.perf_counter()
        measured = evaluate_avatars(chk, opts.sentences, opts.avatars, workers, models, log)
        data["avatars"] = [x.row for x in measured.values()]
        data["similarity"] = similarity(measured)
        phases["avatars_s"] = round(time.perf_counter() - t, 1)
    if "controls" in opts.sections:
        t = time.perf_counter()
        ctrl = controls(chk, opts.sentences, log)
        data["espeak_controls"] = [x.row for x in ctrl.values()]
        phases["controls_s"] = round(time.perf_counter() - t, 1)
    if "fallback" in opts.sections and measured:
        t = time.perf_counter()
        data["fallback_gap"] = fallback_gap(chk, opts.sentences, measured, ctrl, workers, log)
        phases["fallback_s"] = round(time.perf_counter() - t, 1)
    if "quantization" in opts.sections:
        t = time.perf_counter()
        data["quantization"] = quantization(chk, opts.sentences, log)
        phases["quantization_s"] = round(time.perf_counter() - t, 1)
    data["phases"] = phases
    data["load_average_1min"] = {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2)}
    data["wall_s"] = round(time.perf_counter() - t0, 1)
    data["quick"] = opts.quick
    return data
