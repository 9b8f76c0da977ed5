"""The evaluation's figures read against the guard bounds (:func:`guard_margins`) and in plain words
(:func:`reading`); :func:`fmt` writes a figure as the report shows it. Pure."""

from __future__ import annotations

from typing import Any

from voxray_runtime.evaluation import bounds


def fmt(v: Any, digits: int = 2) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def guard_margins(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each guard bound beside the worst figure the full evaluation measured for it."""
    rows = data.get("avatars", [])
    if not rows:
        return []
    clips = [(r, c) for r in rows for c in r["clips"]]
    female = [r["median_f0_hz"] for r in rows if r["gender"] == "female"]
    male = [r["median_f0_hz"] for r in rows if r["gender"] == "male"]
    english = [r["tiny_en_wer"] for r in rows if r["tiny_en_wer"] is not None]
    detect = [c for r, c in clips if r["language"] in bounds.DETECTED_LANGUAGES]
    out = [
        {"bound": bounds.MIN_RMS, "worst": min(c["rms"] for _, c in clips), "side": ">="},
        {"bound": bounds.MAX_SILENCE_RATIO, "worst": max(c["silence_ratio"] for _, c in clips), "side": "<="},
        {
            "bound": bounds.MIN_VOICED_FRACTION,
            "worst": min(c["voiced_fraction"] for _, c in clips),
            "side": ">=",
        },
        {
            "bound": bounds.MAX_CLIPPING_RATIO,
            "worst": max(c["clipping_ratio"] for _, c in clips),
            "side": "<=",
        },
    ]
    if female:
        out.append({"bound": bounds.F0_GENDER_SPLIT, "worst": min(female), "side": "female >="})
    if male:
        out.append({"bound": bounds.F0_GENDER_SPLIT, "worst": max(male), "side": "male <="})
    if english:
        out.append({"bound": bounds.MAX_ENGLISH_WER, "worst": max(english), "side": "<="})
    if detect:
        wrong = sum(
            c["detected"] != r["language"] for r, c in clips if r["language"] in bounds.DETECTED_LANGUAGES
        )
        out.append(
            {"bound": None, "worst": f"{wrong} of {len(detect)} en/es clips detected wrongly", "side": ""}
        )
    return out


def reading(data: dict[str, Any]) -> str:
    """A plain-language reading; thresholds here only choose words, they assert nothing."""
    rows = data.get("avatars", [])
    parts: list[str] = []

    def vals(lang: str, key: str) -> list[float]:
        return [r[key] for r in rows if r["language"] == lang and r[key] is not None]

    def span(xs: list[float]) -> str:
        return f"{min(xs):.2f}-{max(xs):.2f}" if xs else "–"

    if vals("en", "wer"):
        parts.append(
            f"English WER {span(vals('en', 'wer'))} (Whisper base) and {span(vals('en', 'tiny_en_wer'))} "
            f"(tiny.en); Spanish WER {span(vals('es', 'wer'))}."
        )
    if vals("hi", "cer"):
        parts.append(
            f"Hindi CER {span(vals('hi', 'cer'))} against Devanagari measures Whisper's script choice as "
            f"much as the speech; against the Urdu twin it is {span(vals('hi', 'cer_vs_urdu_twin'))}. "
            f"Urdu (fallback) CER {span(vals('ur', 'cer'))}."
        )
    if vals("ar", "cer"):
        distinct = {r["audio_sha256"]: r for r in rows if r["language"] == "ar"}.values()
        loops = sum(r["repetition_loops"] for r in distinct)
        clips = sum(len(r["clips"]) for r in distinct)
        parts.append(
            f"Arabic CER {span(vals('ar', 'cer'))}, {loops} of {clips} distinct transcripts "
            "hallucination loops: no automatic check here confirms the Arabic avatars are intelligible, "
            "and Whisper base is itself unreliable for Arabic."
        )
    gap = data.get("fallback_gap", {})
    for e in gap.get("urdu", []):
        parts.append(
            f"{e['avatar']} ({e['speaker']}, a Hindi voice reading Urdu phonemes): CER "
            f"{fmt(e['cer_urdu_phonemes'])} against {fmt(e['cer_same_voice_speaking_hindi'])} for the same "
            f"voice reading the Hindi twin and {fmt(e['cer_espeak_true_urdu'])} for espeak's true Urdu "
            "voice; Whisper gives it p(ur) "
            f"{fmt(e['mean_p_ur'])} and p(hi) {fmt(e['mean_p_hi'])}."
        )
    for e in gap.get("en_au", []):
        parts.append(
            f"{e['avatar']} is phonemized as {e['engine_language']} (British) with the en-GB text on "
            f"{e['spoken_text_identical_to_en_gb']} sentences: the distance to a true Australian voice is "
            "the whole accent, which no checker here measures."
        )
    for e in gap.get("arabic", []):
        parts.append(
            f"{e['gender'].capitalize()} Arabic: {e['distinct_renders']} distinct render(s) for "
            f"{len(e['dialects'])} dialects ({', '.join(e['dialects'])}): the dialects are not distinguished."
        )
    locs = data.get("similarity", {}).get("locales", [])
    ratios = [x["f0_ratio_female_male"] for x in locs if x["f0_ratio_female_male"]]
    if ratios:
        parts.append(f"Female/male median-F0 ratio per locale {min(ratios):.2f}-{max(ratios):.2f}.")
    q = data.get("quantization", {})
    for name in ("piper", "vits"):
        c = q.get(name, {}).get("choice")
        if c:
            parts.append(f"{name}: default {c['default']} ({c['reason']}).")
    if q:
        spec = q["spec_defaults"]
        bundled = q.get("bundled_models", {})
        piper_choice = q.get("piper", {}).get("choice", {}).get("default")
        if piper_choice and bundled.get("piper-joe") and bundled["piper-joe"] != piper_choice:
            parts.append(
                f"The bundled piper-joe VoiceModel runs {bundled['piper-joe']}, while these figures choose "
                f"{piper_choice} (the spec default is {spec['piper']})."
            )
    return " ".join(parts)
