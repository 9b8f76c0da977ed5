"""The report's voice sections: every avatar as served, the espeak-ng controls, d-vector similarity
between avatars, and how far each declared fallback is from a true voice."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from voxray_runtime.evaluation import metrics as m
from voxray_runtime.evaluation.corpus import SentenceSet
from voxray_runtime.evaluation.measuring import Checkers, Log, Measured, evaluate, rounded
from voxray_runtime.models import NamedModel, catalog_for, default_models
from voxray_runtime.speech.worker import ModelWorker
from voxray_runtime.voices import Avatar, VoiceBinding, parse_avatar

#: espeak-ng voices measured as controls: (avatar, why)
CONTROL_AVATARS = (
    "female_en-US",
    "female_es",
    "female_hi",
    "female_ur",
    "male_ur",
    "female_ar-SA",  # espeak-ng Arabic: the further fallback, and what the Arabic avatars were before Kokoro
    "male_ar-SA",
)


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
        a: {b: rounded(m.mean_cross(measured[a].embeddings, measured[b].embeddings)) for b in names}
        for a in names
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
                    "f0_ratio_female_male": rounded(ff / fm, 2) if fm else None,
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
        "same_voice_mean": rounded(statistics.mean(same)) if same else None,
        "same_voice_min": rounded(min(same)) if same else None,
        "female_male_mean": rounded(statistics.mean(x["female_male_cosine"] for x in locales))
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
            "cosine_to_source_voice_in_hindi": rounded(m.mean_cross(ur.embeddings, own.embeddings)),
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
                "cosine_to_en_gb": rounded(m.mean_cross(au.embeddings, gb.embeddings)) if gb else None,
                "cosine_to_en_us": rounded(m.mean_cross(au.embeddings, us.embeddings)) if us else None,
                "p_en": au.row["mean_p_en"],
            }
        )
    out["en_au"] = en_au
    # -- Arabic: per avatar, the served voice's CER beside espeak-ng's (the further fallback, and before)
    out["arabic_avatars"] = [
        {
            "avatar": name,
            "model": row["model"],
            "engine": row["engine"],
            "speaker": row["speaker"],
            "cer": row["cer"],
            "espeak_cer": ctrl[esp].row["cer"] if (esp := f"{row['gender']}_ar-SA") in ctrl else None,
            "fallback_reason": row["fallback_reason"],
        }
        for name, got in measured.items()
        if (row := got.row)["language"] == "ar"
    ]
    # -- Arabic dialects: one voice per gender for three dialects
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
                "cosine_between_dialects": rounded(
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
