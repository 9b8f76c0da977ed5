"""The quantization section: every engine's quantized variant side by side with full precision (Piper
fp32/int8 with and without sampling noise, transformers VITS fp32/int8/bf16), timed in turns, and the
default each engine gets from the figures (:mod:`voxray_runtime.evaluation.quantization`)."""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.evaluation import metrics as m
from voxray_runtime.evaluation.checkers import to_16k
from voxray_runtime.evaluation.corpus import SentenceSet
from voxray_runtime.evaluation.measuring import Checkers, Log, Measured, evaluate, rounded
from voxray_runtime.evaluation.quantization import Evidence, choose_default
from voxray_runtime.evaluation.rendering import synthesize
from voxray_runtime.models import default_models
from voxray_runtime.spec.voicemodel import DEFAULT_QUANTIZATION, VoiceModelSpec
from voxray_runtime.speech.worker import ModelWorker
from voxray_runtime.voices import VoiceBinding, parse_avatar

PIPER_SPEAKER = "en_US-joe-medium"
TIMING_REPEATS = 3


def interleaved_seconds(
    synths: dict[str, Callable[[str], object]], texts: Sequence[str], repeats: int = TIMING_REPEATS
) -> dict[str, float]:
    """Engine seconds per variant over the texts: the variants take turns on each text, each text's best
    of ``repeats`` counts, so that load changing on a shared machine hits every variant alike."""
    best = {k: [float("inf")] * len(texts) for k in synths}
    for _ in range(repeats):
        for i, text in enumerate(texts):
            for k, synth in synths.items():
                t0 = time.perf_counter()
                synth(text)
                best[k][i] = min(best[k][i], time.perf_counter() - t0)
    return {k: sum(v) for k, v in best.items()}


#: Piper runs: (name, quantization, sampling noise off?, the run its same-sentence cosine is taken against)
PIPER_RUNS = (
    ("fp32", "none", False, "fp32"),
    ("fp32 again", "none", False, "fp32"),
    ("int8", "int8", False, "fp32"),
    ("fp32 noise off", "none", True, "fp32 noise off"),
    ("int8 noise off", "int8", True, "fp32 noise off"),
)


def piper_side_by_side(chk: Checkers, sentences: SentenceSet, log: Log) -> dict[str, Any]:
    """Piper joe at fp32 (quantization none) and int8, on the English sentences.

    Piper samples (VITS noise): a second pass of the same fp32 worker gives the run-to-run floor (a fresh
    worker would replay the same draws), and a pair with the sampling noise off isolates quantization.
    """
    from voxray_runtime.engines.piper import PiperEngine

    binding = VoiceBinding(parse_avatar("male_en-US"), "piper", "piper", PIPER_SPEAKER, "en-us")
    runs: dict[str, dict[str, Any]] = {}
    got: dict[str, Measured] = {}
    workers: dict[tuple[str, bool], ModelWorker] = {}
    for name, q, quiet, ref in PIPER_RUNS:
        w = workers.get((q, quiet))
        if w is None:
            w = ModelWorker(f"piper-{q}", VoiceModelSpec(engine="piper", quantization=q), threads=2)
            if quiet:  # the spec has no noise setting: the same voice and graph, sampling noise off
                w.engine = PiperEngine.packaged(quantization=q, threads=2, noise_scale=0.0, noise_w_scale=0.0)
            workers[(q, quiet)] = w
        got[name] = evaluate(chk, w, binding, sentences)
        row = got[name].row
        snr = [
            m.waveform_snr_db(a.pcm, b.pcm)
            for a, b in zip(got[ref].renders, got[name].renders, strict=True)
            if len(a.pcm) == len(b.pcm)
        ]
        runs[name] = {
            "quantization": q,
            "sampling_noise": "off" if quiet else "voice default",
            "wer": row["wer"],
            "cer": row["cer"],
            "word_errors": row["word_errors"],
            "tiny_en_wer": row["tiny_en_wer"],
            "rtf": row["rtf"],
            "synth_s": row["synth_s"],
            "median_f0_hz": row["median_f0_hz"],
            "against": ref,
            "same_sentence_cosine": rounded(m.mean_paired(got[ref].embeddings, got[name].embeddings)),
            "same_length_renders": f"{len(snr)}/{len(got[name].renders)}",
            "waveform_snr_db": rounded(statistics.mean(snr), 1) if snr and name != ref else None,
            "hypotheses": [c["hypothesis"] for c in row["clips"]],
        }
        log(f"piper {name}: wer={row['wer']} rtf={row['rtf']} cos={runs[name]['same_sentence_cosine']}")
    words = got["fp32"].row["reference_words"]
    texts = [s.text("en") for s in sentences.sentences]
    timing = interleaved_seconds(
        {q: functools.partial(synthesize, workers[(q, False)], binding) for q in ("none", "int8")}, texts
    )
    evidence = Evidence(
        engine="piper",
        variants=("none", "int8"),
        speedup=rounded(timing["none"] / timing["int8"], 3),
        word_change=runs["int8 noise off"]["word_errors"] - runs["fp32 noise off"]["word_errors"],
        word_spread=abs(runs["fp32 again"]["word_errors"] - runs["fp32"]["word_errors"]),
        cosine_quantized=runs["int8 noise off"]["same_sentence_cosine"],
        cosine_other_sentence=rounded(m.mean_cross(got["fp32"].embeddings, got["fp32"].embeddings)),
    )
    return {
        "engine": "piper",
        "speaker": PIPER_SPEAKER,
        "reference_words": words,
        "runs": runs,
        "timing": {
            "engine_s": {k: rounded(v, 3) for k, v in timing.items()},
            "method": f"fp32 and int8 take turns on each sentence, best of {TIMING_REPEATS}",
        },
        "evidence": evidence.__dict__,
        "choice": choose_default(evidence).__dict__,
    }


VITS_REPEATS = 5


def vits_side_by_side(chk: Checkers, sentences: SentenceSet, log: Log) -> dict[str, Any]:
    """transformers VITS (random-init tiny config: the only weights that run here) at fp32, int8 and
    bf16 on the CPU: speed ratio and how close each stays to fp32. Words are meaningless here."""
    from voxray_runtime.engines.vits import VitsEngine

    texts = [s.text("en").lower() for s in sentences.sentences]
    variants = ("none", "int8", "bf16")
    engines = {q: VitsEngine.random_init(language="en", quantization=q, threads=2) for q in variants}
    for e in engines.values():
        e.synthesize("warm up", speaker="", language="en")
    timing = interleaved_seconds(
        {q: functools.partial(e.synthesize, speaker="", language="en") for q, e in engines.items()},
        texts,
        VITS_REPEATS,
    )
    out: dict[str, dict[str, Any]] = {}
    audio: dict[str, list[npt.NDArray[np.float32]]] = {}
    for q, e in engines.items():
        pcms = [np.asarray(e.synthesize(t, speaker="", language="en"), dtype=np.float32) for t in texts]
        audio[q] = pcms
        out[q] = {"synth_s": rounded(timing[q], 4), "audio_s": rounded(sum(len(p) for p in pcms) / 16_000, 2)}
    rate = 16_000
    full = audio["none"]
    emb_full = [chk.embedder.embed(to_16k(p, rate)) for p in full]
    for q in variants:
        pcms = audio[q]
        same_len = [(a, b) for a, b in zip(full, pcms, strict=True) if len(a) == len(b)]
        emb = [chk.embedder.embed(to_16k(p, rate)) for p in pcms]
        out[q].update(
            {
                "speedup_vs_fp32": rounded(out["none"]["synth_s"] / out[q]["synth_s"], 3),
                "same_length_renders": f"{len(same_len)}/{len(pcms)}",
                "waveform_snr_db": rounded(statistics.mean(m.waveform_snr_db(a, b) for a, b in same_len), 1)
                if same_len and q != "none"
                else None,
                "same_sentence_cosine_to_fp32": rounded(m.mean_paired(emb_full, emb)),
            }
        )
        log(f"vits {q}: {out[q]}")
    choice = choose_default(Evidence(engine="vits", variants=variants, real_weights=False))
    return {
        "engine": "vits",
        "weights": "random:tiny (transformers VitsConfig, random init)",
        "repeats": VITS_REPEATS,
        "timing_method": f"the variants take turns on each sentence, best of {VITS_REPEATS}",
        "variants": out,
        "different_sentence_cosine_fp32": rounded(m.mean_cross(emb_full, emb_full)),
        "choice": choice.__dict__,
    }


def quantization(chk: Checkers, sentences: SentenceSet, log: Log) -> dict[str, Any]:
    kokoro = choose_default(Evidence(engine="kokoro", variants=("int8",)))
    espeak = choose_default(Evidence(engine="espeak", variants=("none",)))
    return {
        "piper": piper_side_by_side(chk, sentences, log),
        "vits": vits_side_by_side(chk, sentences, log),
        "kokoro": {
            "engine": "kokoro",
            "variants": ["int8"],
            "note": "Kokoro-82M ships in the registries only as its int8 ONNX graph; no full-precision "
            "variant can be run here, so no side-by-side exists.",
            "choice": kokoro.__dict__,
        },
        "espeak": {"engine": "espeak", "variants": ["none"], "choice": espeak.__dict__},
        "spec_defaults": dict(DEFAULT_QUANTIZATION),
        "bundled_models": {x.name: x.spec.effective_quantization for x in default_models()},
    }
