"""The evaluation run: synthesize the sentence set per avatar, check it, and gather the report data.

Speech is made exactly as the service makes it (in-process :class:`ModelWorker`, the binding the
catalog resolves, the same text chunks, trims and pauses). Sections:

1. ``avatars``: per avatar, Whisper base round trip (WER en/es, CER all), Whisper tiny.en (English),
   language detection, median F0, seconds per character, clipping/silence ratios, voicing, RTF, and
   d-vector similarity within and across avatars;
2. ``controls``: espeak-ng true voices in en, es, hi and ur (the formant synthesizer that is the only
   Arabic voice, where the recogniser is reliable, and the only true Urdu voice);
3. ``fallback``: how far each declared fallback (en-AU, Arabic dialects, Urdu) is from a true voice;
4. ``quantization``: every engine's quantized variant side by side with full precision, and the
   default chosen from the figures.
"""

from __future__ import annotations

import functools
import hashlib
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.audio.analysis import median_f0
from voxray_runtime.evaluation import metrics as m
from voxray_runtime.evaluation.checkers import Detection, Recognizer, SpeakerEmbedder, to_16k
from voxray_runtime.evaluation.corpus import SentenceSet
from voxray_runtime.evaluation.quantization import Evidence, choose_default
from voxray_runtime.models import NamedModel, catalog_for, default_models
from voxray_runtime.pipeline import text_chunks
from voxray_runtime.serve.worker import Job, ModelWorker
from voxray_runtime.spec.voicemodel import DEFAULT_QUANTIZATION, VoiceModelSpec
from voxray_runtime.voices import ALL_AVATARS, Avatar, VoiceBinding, parse_avatar

SECTIONS = ("avatars", "controls", "fallback", "quantization")
#: espeak-ng voices measured as controls: (avatar, why)
CONTROL_AVATARS = ("female_en-US", "female_es", "female_hi", "female_ur", "male_ur")
PIPER_SPEAKER = "en_US-joe-medium"
Embedding = npt.NDArray[np.float64]
Log = Callable[[str], None]


def _print(msg: str) -> None:
    print(msg, flush=True)


# ---- checkers ---------------------------------------------------------------------------------------
@dataclass
class Heard:
    transcript: str
    detection: Detection
    embedding: Embedding
    tiny_en: str | None = None


class Checkers:
    """Whisper base, Whisper tiny.en and the d-vector embedder, loaded once. Bit-identical audio (avatars
    sharing one engine voice) is heard once."""

    def __init__(self, threads: int = 2) -> None:
        self.base = Recognizer.base(threads)
        self.tiny_en = Recognizer.tiny_en(threads)
        self.embedder = SpeakerEmbedder(threads)
        self._cache: dict[tuple[str, str], Heard] = {}

    def hear(self, pcm16k: npt.NDArray[np.float32], language: str) -> Heard:
        key = (hashlib.sha256(pcm16k.tobytes()).hexdigest(), language)
        found = self._cache.get(key)
        if found is None:
            found = Heard(
                transcript=self.base.transcribe(pcm16k, language),
                detection=self.base.detect(pcm16k),
                embedding=self.embedder.embed(pcm16k),
                tiny_en=self.tiny_en.transcribe(pcm16k, "en") if language == "en" else None,
            )
            self._cache[key] = found
        return found


# ---- synthesis --------------------------------------------------------------------------------------
@dataclass
class Render:
    sentence: str
    text: str
    pcm: npt.NDArray[np.float32]
    rate: int
    synth_s: float


def synthesize(
    worker: ModelWorker, binding: VoiceBinding, text: str
) -> tuple[npt.NDArray[np.float32], float]:
    """The avatar's speech for a text as the service makes it (chunks, trims, pauses), and the seconds the
    engine took."""
    job = Job(binding.speaker, binding.engine_language, text_chunks(text, binding), 1.0, "wav", 64)
    t0 = time.perf_counter()
    parts = [worker.chunk(r) for r in job.requests()]
    synth_s = time.perf_counter() - t0
    return worker.join(parts, job.speed), synth_s


def render_all(
    worker: ModelWorker, binding: VoiceBinding, sentences: SentenceSet, language: str | None = None
) -> list[Render]:
    """Every sentence in the binding's language (or ``language``), after one warm-up call."""
    lang = language or binding.avatar.language
    synthesize(worker, binding, "1")  # warm-up: a speaker's first call loads its style / voice
    out = []
    for s in sentences.sentences:
        pcm, secs = synthesize(worker, binding, s.text(lang))
        out.append(Render(s.id, s.text(lang), pcm, worker.rate, secs))
    return out


# ---- measuring --------------------------------------------------------------------------------------
@dataclass
class Measured:
    """One voice's renders, measured; ``row`` goes to the report, the embeddings stay in memory."""

    row: dict[str, Any]
    embeddings: list[Embedding]
    renders: list[Render] = field(repr=False)


def _r(v: float, digits: int = 3) -> float:
    return round(float(v), digits)


def audio_measures(pcm: npt.NDArray[np.float32], rate: int) -> dict[str, float]:
    return {
        "rms": _r(m.rms(pcm), 4),
        "clipping_ratio": _r(m.clipping_ratio(pcm), 5),
        "silence_ratio": _r(m.silence_ratio(pcm, rate)),
        "voiced_fraction": _r(m.voiced_fraction(pcm, rate)),
        "median_f0_hz": _r(median_f0(pcm, rate), 1),
    }


def measure(
    chk: Checkers,
    binding: VoiceBinding,
    renders: Sequence[Render],
    sentences: SentenceSet,
    *,
    asr_language: str | None = None,
    reference_language: str | None = None,
) -> Measured:
    """Transcribe, embed and measure renders. By default the avatar's language is both the decoding
    language and the reference; ``asr_language``/``reference_language`` score a render against another
    language's text of the same sentence (the Hindi/Urdu twins)."""
    lang, dialect = binding.avatar.language, binding.avatar.dialect
    asr = asr_language or lang
    ref_lang = reference_language or lang
    ref_dialect = dialect if ref_lang == lang else None
    clips: list[dict[str, Any]] = []
    embeddings: list[Embedding] = []
    pairs: list[tuple[str, str]] = []
    tiny_pairs: list[tuple[str, str]] = []
    twin_pairs: list[tuple[str, str]] = []
    digest = hashlib.sha256()
    by_id = {s.id: s for s in sentences.sentences}
    for rd in renders:
        digest.update(rd.pcm.tobytes())
        heard = chk.hear(to_16k(rd.pcm, rd.rate), asr)
        reference = by_id[rd.sentence].text(ref_lang)
        ref_s = m.scoring_form(reference, ref_lang, ref_dialect)
        hyp_s = m.scoring_form(heard.transcript, ref_lang, ref_dialect, hypothesis=True)
        pairs.append((ref_s, hyp_s))
        rates = m.error_rates([(ref_s, hyp_s)])
        duration = len(rd.pcm) / rd.rate
        clip: dict[str, Any] = {
            "sentence": rd.sentence,
            "reference": ref_s,
            "hypothesis": heard.transcript,
            "hypothesis_scored": hyp_s,
            "hypothesis_script": m.dominant_script(heard.transcript),
            "wer": _r(rates.wer),
            "cer": _r(rates.cer),
            "detected": heard.detection.language,
            "detected_p": _r(heard.detection.probability),
            f"p_{lang}": _r(heard.detection.p(lang)),
            "duration_s": _r(duration, 2),
            "s_per_char": _r(m.seconds_per_char(duration, m.spoken_chars(rd.text, lang, dialect)), 4),
            "rtf": _r(rd.synth_s / duration if duration else 0.0, 4),
            **audio_measures(rd.pcm, rd.rate),
        }
        if lang == "ur":
            clip["p_hi"] = _r(heard.detection.p("hi"))
        if heard.tiny_en is not None:
            tiny_s = m.scoring_form(heard.tiny_en, "en", dialect, hypothesis=True)
            tiny_pairs.append((ref_s, tiny_s))
            clip["tiny_en_hypothesis"] = heard.tiny_en
            clip["tiny_en_wer"] = _r(m.error_rates([(ref_s, tiny_s)]).wer)
        if lang == "hi" and ref_lang == "hi" and clip["hypothesis_script"] == "arabic":
            # Whisper wrote the Hindi in Urdu script: score it against the Urdu twin of the sentence
            # (the same spoken words), so the figure measures the speech rather than the script
            twin = (
                m.scoring_form(by_id[rd.sentence].text("ur"), "ur"),
                m.scoring_form(heard.transcript, "ur", hypothesis=True),
            )
            twin_pairs.append(twin)
            clip["cer_vs_urdu_twin"] = _r(m.error_rates([twin]).cer)
        clips.append(clip)
        embeddings.append(heard.embedding)
    rates = m.error_rates(pairs)
    total_audio = sum(len(r.pcm) / r.rate for r in renders)
    whole = np.concatenate([r.pcm for r in renders])
    scripts = [c["hypothesis_script"] for c in clips if c["hypothesis_script"]]
    row: dict[str, Any] = {
        **binding.describe(),
        "engine_language": binding.engine_language,
        "asr_language": asr,
        "reference_language": ref_lang,
        "wer": _r(rates.wer) if ref_lang in m.WER_LANGUAGES else None,
        "cer": _r(rates.cer),
        "reference_words": rates.words,
        "word_errors": rates.word_edits,
        "tiny_en_wer": _r(m.error_rates(tiny_pairs).wer) if tiny_pairs else None,
        "tiny_en_word_errors": m.error_rates(tiny_pairs).word_edits if tiny_pairs else None,
        "cer_vs_urdu_twin": _r(m.error_rates(twin_pairs).cer) if twin_pairs else None,
        "transcript_scripts": {k: scripts.count(k) for k in sorted(set(scripts))},
        "repetition_loops": sum(m.repetitive(c["hypothesis"]) for c in clips),
        "detected_languages": {
            k: [c["detected"] for c in clips].count(k) for k in sorted({c["detected"] for c in clips})
        },
        "detected_share": _r(sum(c["detected"] == lang for c in clips) / len(clips)),
        f"mean_p_{lang}": _r(statistics.mean(c[f"p_{lang}"] for c in clips)),
        "median_f0_hz": _r(median_f0(whole, renders[0].rate), 1),
        "s_per_char": _r(statistics.mean(c["s_per_char"] for c in clips), 4),
        "rms": _r(min(c["rms"] for c in clips), 4),
        "clipping_ratio": max(c["clipping_ratio"] for c in clips),
        "silence_ratio": max(c["silence_ratio"] for c in clips),
        "voiced_fraction": min(c["voiced_fraction"] for c in clips),
        "rtf": _r(sum(r.synth_s for r in renders) / total_audio if total_audio else 0.0, 4),
        "synth_s": _r(sum(r.synth_s for r in renders), 3),
        "audio_s": _r(total_audio, 2),
        "same_voice_cosine": _r(m.mean_cross(embeddings, embeddings)),
        "audio_sha256": digest.hexdigest(),
        "clips": clips,
    }
    if lang == "ur":
        row["mean_p_hi"] = _r(statistics.mean(c["p_hi"] for c in clips))
    return Measured(row, embeddings, list(renders))


def evaluate(
    chk: Checkers, worker: ModelWorker, binding: VoiceBinding, sentences: SentenceSet, **kw: Any
) -> Measured:
    return measure(chk, binding, render_all(worker, binding, sentences), sentences, **kw)


# ---- sections ---------------------------------------------------------------------------------------
def evaluate_avatars(
    chk: Checkers,
    sentences: SentenceSet,
    avatars: Sequence[Avatar],
    workers: dict[str, ModelWorker],
    models: Sequence[NamedModel],
    log: Log,
) -> dict[str, Measured]:
    catalog = catalog_for(models)
    out: dict[str, Measured] = {}
    for avatar in avatars:
        b = catalog.resolve(avatar)
        got = evaluate(chk, workers[b.model], b, sentences)
        out[avatar.name] = got
        r = got.row
        log(
            f"{avatar.name:14s} {b.model:8s} wer={r['wer']} cer={r['cer']} tiny={r['tiny_en_wer']} "
            f"f0={r['median_f0_hz']} rtf={r['rtf']} same={r['same_voice_cosine']}"
        )
    return out


def similarity(measured: dict[str, Measured]) -> dict[str, Any]:
    """d-vector cosine between avatars (different sentences), nearest neighbours, female vs male."""
    names = list(measured)
    matrix = {
        a: {b: _r(m.mean_cross(measured[a].embeddings, measured[b].embeddings)) for b in names} for a in names
    }
    nearest = {}
    for a in names:
        others = [(matrix[a][b], b) for b in names if b != a]
        if others:
            cos, b = max(others)
            nearest[a] = {"avatar": b, "cosine": cos}
    locales = []
    for loc in dict.fromkeys(measured[n].row["dialect"] or measured[n].row["language"] for n in names):
        f, mm = f"female_{loc}", f"male_{loc}"
        if f in measured and mm in measured:
            ff, fm = measured[f].row["median_f0_hz"], measured[mm].row["median_f0_hz"]
            locales.append(
                {
                    "locale": loc,
                    "female_f0_hz": ff,
                    "male_f0_hz": fm,
                    "f0_ratio_female_male": _r(ff / fm, 2) if fm else None,
                    "female_male_cosine": matrix[f][mm],
                    "female_same_voice_cosine": matrix[f][f],
                    "male_same_voice_cosine": matrix[mm][mm],
                }
            )
    same = [matrix[a][a] for a in names]
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(measured[n].row["audio_sha256"], []).append(n)
    return {
        "matrix": matrix,
        "nearest_other": nearest,
        "locales": locales,
        "same_voice_mean": _r(statistics.mean(same)) if same else None,
        "same_voice_min": _r(min(same)) if same else None,
        "female_male_mean": _r(statistics.mean(x["female_male_cosine"] for x in locales))
        if locales
        else None,
        "identical_audio": [g for g in groups.values() if len(g) > 1],
    }


def espeak_model() -> NamedModel:
    return next(x for x in default_models() if x.spec.engine == "espeak")


def controls(chk: Checkers, sentences: SentenceSet, log: Log) -> dict[str, Measured]:
    """espeak-ng true voices where the recogniser is reliable (en, es) or where voxray's served voice is a
    fallback (ur): the formant synthesizer read against itself."""
    espeak = espeak_model()
    catalog = catalog_for([espeak])
    worker = ModelWorker(espeak.name, espeak.spec, threads=1)
    out = {}
    for name in CONTROL_AVATARS:
        got = evaluate(chk, worker, catalog.resolve(parse_avatar(name)), sentences)
        out[name] = got
        log(f"control espeak {name:12s} wer={got.row['wer']} cer={got.row['cer']}")
    return out


def fallback_gap(
    chk: Checkers,
    sentences: SentenceSet,
    measured: dict[str, Measured],
    ctrl: dict[str, Measured],
    workers: dict[str, ModelWorker],
    log: Log,
) -> dict[str, Any]:
    """How far each declared fallback is from a true voice, in numbers."""
    out: dict[str, Any] = {}
    # -- Urdu: Kokoro Hindi voices fed Urdu phonemes. The same speaker reading the Hindi twin (its true
    # language), decoded as Urdu and scored against the same Urdu text, is the yardstick.
    urdu = []
    for gender in ("female", "male"):
        name = f"{gender}_ur"
        if name not in measured or measured[name].row["engine"] != "kokoro":
            continue
        ur = measured[name]
        b = VoiceBinding(Avatar(gender, "hi"), ur.row["model"], "kokoro", ur.row["speaker"], "hi", None)
        own = evaluate(
            chk, workers[ur.row["model"]], b, sentences, asr_language="ur", reference_language="ur"
        )
        true_ur = ctrl.get(name)
        entry = {
            "avatar": name,
            "speaker": ur.row["speaker"],
            "cer_urdu_phonemes": ur.row["cer"],
            "cer_same_voice_speaking_hindi": own.row["cer"],
            "cer_espeak_true_urdu": true_ur.row["cer"] if true_ur else None,
            "mean_p_ur": ur.row["mean_p_ur"],
            "mean_p_hi": ur.row["mean_p_hi"],
            "espeak_true_urdu_mean_p_ur": true_ur.row["mean_p_ur"] if true_ur else None,
            "espeak_true_urdu_mean_p_hi": true_ur.row["mean_p_hi"] if true_ur else None,
            "cosine_to_source_voice_in_hindi": _r(m.mean_cross(ur.embeddings, own.embeddings)),
            "same_voice_cosine": ur.row["same_voice_cosine"],
            "hindi_render_clips": own.row["clips"],
        }
        urdu.append(entry)
        log(
            f"fallback {name}: cer ur {entry['cer_urdu_phonemes']} "
            f"vs own hindi {entry['cer_same_voice_speaking_hindi']}"
        )
    out["urdu"] = urdu
    # -- en-AU: British voices. Phonemized and normalised as British English; a different British speaker.
    en_au = []
    for gender in ("female", "male"):
        au, gb, us = (measured.get(f"{gender}_{loc}") for loc in ("en-AU", "en-GB", "en-US"))
        if au is None:
            continue
        same_text = sum(
            m.scoring_form(s.text("en"), "en", "en-AU") == m.scoring_form(s.text("en"), "en", "en-GB")
            for s in sentences.sentences
        )
        en_au.append(
            {
                "avatar": au.row["avatar"],
                "speaker": au.row["speaker"],
                "engine_language": au.row["engine_language"],
                "en_gb_engine_language": gb.row["engine_language"] if gb else None,
                "spoken_text_identical_to_en_gb": f"{same_text}/{len(sentences.sentences)}",
                "wer": au.row["wer"],
                "en_gb_wer": gb.row["wer"] if gb else None,
                "en_us_wer": us.row["wer"] if us else None,
                "cosine_to_en_gb": _r(m.mean_cross(au.embeddings, gb.embeddings)) if gb else None,
                "cosine_to_en_us": _r(m.mean_cross(au.embeddings, us.embeddings)) if us else None,
                "p_en": au.row["mean_p_en"],
            }
        )
    out["en_au"] = en_au
    # -- Arabic dialects: one espeak-ng voice per gender for three dialects
    arabic = []
    for gender in ("female", "male"):
        rows = [measured[f"{gender}_{d}"] for d in ("ar-SA", "ar-EG", "ar-AE") if f"{gender}_{d}" in measured]
        if not rows:
            continue
        distinct = len({r.row["audio_sha256"] for r in rows})
        en_ctrl = ctrl.get(f"{gender}_en-US") or ctrl.get("female_en-US")
        es_ctrl = ctrl.get(f"{gender}_es") or ctrl.get("female_es")
        arabic.append(
            {
                "gender": gender,
                "dialects": [r.row["dialect"] for r in rows],
                "distinct_renders": distinct,
                "cosine_between_dialects": _r(
                    statistics.mean(
                        m.mean_paired(a.embeddings, b.embeddings)
                        for i, a in enumerate(rows)
                        for b in rows[i + 1 :]
                    )
                )
                if len(rows) > 1
                else None,
                "cer": rows[0].row["cer"],
                "mean_p_ar": rows[0].row["mean_p_ar"],
                "detected_languages": rows[0].row["detected_languages"],
                "repetition_loops": rows[0].row["repetition_loops"],
                "espeak_en_us_cer": en_ctrl.row["cer"] if en_ctrl else None,
                "espeak_es_cer": es_ctrl.row["cer"] if es_ctrl else None,
            }
        )
    out["arabic"] = arabic
    return out


# ---- quantization -----------------------------------------------------------------------------------
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
            "same_sentence_cosine": _r(m.mean_paired(got[ref].embeddings, got[name].embeddings)),
            "same_length_renders": f"{len(snr)}/{len(got[name].renders)}",
            "waveform_snr_db": _r(statistics.mean(snr), 1) if snr and name != ref else None,
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
        speedup=_r(timing["none"] / timing["int8"], 3),
        word_change=runs["int8 noise off"]["word_errors"] - runs["fp32 noise off"]["word_errors"],
        word_spread=abs(runs["fp32 again"]["word_errors"] - runs["fp32"]["word_errors"]),
        cosine_quantized=runs["int8 noise off"]["same_sentence_cosine"],
        cosine_other_sentence=_r(m.mean_cross(got["fp32"].embeddings, got["fp32"].embeddings)),
    )
    return {
        "engine": "piper",
        "speaker": PIPER_SPEAKER,
        "reference_words": words,
        "runs": runs,
        "timing": {
            "engine_s": {k: _r(v, 3) for k, v in timing.items()},
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
        out[q] = {"synth_s": _r(timing[q], 4), "audio_s": _r(sum(len(p) for p in pcms) / 16_000, 2)}
    rate = 16_000
    full = audio["none"]
    emb_full = [chk.embedder.embed(to_16k(p, rate)) for p in full]
    for q in variants:
        pcms = audio[q]
        same_len = [(a, b) for a, b in zip(full, pcms, strict=True) if len(a) == len(b)]
        emb = [chk.embedder.embed(to_16k(p, rate)) for p in pcms]
        out[q].update(
            {
                "speedup_vs_fp32": _r(out["none"]["synth_s"] / out[q]["synth_s"], 3),
                "same_length_renders": f"{len(same_len)}/{len(pcms)}",
                "waveform_snr_db": _r(statistics.mean(m.waveform_snr_db(a, b) for a, b in same_len), 1)
                if same_len and q != "none"
                else None,
                "same_sentence_cosine_to_fp32": _r(m.mean_paired(emb_full, emb)),
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
        "different_sentence_cosine_fp32": _r(m.mean_cross(emb_full, emb_full)),
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


# ---- the run ----------------------------------------------------------------------------------------
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
