"""Hearing and measuring renders: the checkers (loaded once), and one voice's renders turned into its
report row (WER/CER, language detection, F0, pace, clipping, silence, voicing, RTF, d-vectors)."""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from voxray_runtime.audio.analysis import median_f0
from voxray_runtime.evaluation import metrics as m
from voxray_runtime.evaluation.checkers import Detection, Recognizer, SpeakerEmbedder, to_16k
from voxray_runtime.evaluation.corpus import SentenceSet
from voxray_runtime.evaluation.rendering import Render, render_all
from voxray_runtime.speech.worker import ModelWorker
from voxray_runtime.voices import VoiceBinding

Embedding = npt.NDArray[np.float64]
Log = Callable[[str], None]


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


@dataclass
class Measured:
    """One voice's renders, measured; ``row`` goes to the report, the embeddings stay in memory."""

    row: dict[str, Any]
    embeddings: list[Embedding]
    renders: list[Render] = field(repr=False)


def rounded(v: float, digits: int = 3) -> float:
    return round(float(v), digits)


def audio_measures(pcm: npt.NDArray[np.float32], rate: int) -> dict[str, float]:
    return {
        "rms": rounded(m.rms(pcm), 4),
        "clipping_ratio": rounded(m.clipping_ratio(pcm), 5),
        "silence_ratio": rounded(m.silence_ratio(pcm, rate)),
        "voiced_fraction": rounded(m.voiced_fraction(pcm, rate)),
        "median_f0_hz": rounded(median_f0(pcm, rate), 1),
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
            "wer": rounded(rates.wer),
            "cer": rounded(rates.cer),
            "detected": heard.detection.language,
            "detected_p": rounded(heard.detection.probability),
            f"p_{lang}": rounded(heard.detection.p(lang)),
            "duration_s": rounded(duration, 2),
            "s_per_char": rounded(m.seconds_per_char(duration, m.spoken_chars(rd.text, lang, dialect)), 4),
            "rtf": rounded(rd.synth_s / duration if duration else 0.0, 4),
            **audio_measures(rd.pcm, rd.rate),
        }
        if lang == "ur":
            clip["p_hi"] = rounded(heard.detection.p("hi"))
        if heard.tiny_en is not None:
            tiny_s = m.scoring_form(heard.tiny_en, "en", dialect, hypothesis=True)
            tiny_pairs.append((ref_s, tiny_s))
            clip["tiny_en_hypothesis"] = heard.tiny_en
            clip["tiny_en_wer"] = rounded(m.error_rates([(ref_s, tiny_s)]).wer)
        if lang == "hi" and ref_lang == "hi" and clip["hypothesis_script"] == "arabic":
            # Whisper wrote the Hindi in Urdu script: score it against the Urdu twin of the sentence
            # (the same spoken words), so the figure measures the speech rather than the script
            twin = (
                m.scoring_form(by_id[rd.sentence].text("ur"), "ur"),
                m.scoring_form(heard.transcript, "ur", hypothesis=True),
            )
            twin_pairs.append(twin)
            clip["cer_vs_urdu_twin"] = rounded(m.error_rates([twin]).cer)
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
        "wer": rounded(rates.wer) if ref_lang in m.WER_LANGUAGES else None,
        "cer": rounded(rates.cer),
        "reference_words": rates.words,
        "word_errors": rates.word_edits,
        "tiny_en_wer": rounded(m.error_rates(tiny_pairs).wer) if tiny_pairs else None,
        "tiny_en_word_errors": m.error_rates(tiny_pairs).word_edits if tiny_pairs else None,
        "cer_vs_urdu_twin": rounded(m.error_rates(twin_pairs).cer) if twin_pairs else None,
        "transcript_scripts": {k: scripts.count(k) for k in sorted(set(scripts))},
        "repetition_loops": sum(m.repetitive(c["hypothesis"]) for c in clips),
        "detected_languages": {
            k: [c["detected"] for c in clips].count(k) for k in sorted({c["detected"] for c in clips})
        },
        "detected_share": rounded(sum(c["detected"] == lang for c in clips) / len(clips)),
        f"mean_p_{lang}": rounded(statistics.mean(c[f"p_{lang}"] for c in clips)),
        "median_f0_hz": rounded(median_f0(whole, renders[0].rate), 1),
        "s_per_char": rounded(statistics.mean(c["s_per_char"] for c in clips), 4),
        "rms": rounded(min(c["rms"] for c in clips), 4),
        "clipping_ratio": max(c["clipping_ratio"] for c in clips),
        "silence_ratio": max(c["silence_ratio"] for c in clips),
        "voiced_fraction": min(c["voiced_fraction"] for c in clips),
        "rtf": rounded(sum(r.synth_s for r in renders) / total_audio if total_audio else 0.0, 4),
        "synth_s": rounded(sum(r.synth_s for r in renders), 3),
        "audio_s": rounded(total_audio, 2),
        "same_voice_cosine": rounded(m.mean_cross(embeddings, embeddings)),
        "audio_sha256": digest.hexdigest(),
        "clips": clips,
    }
    if lang == "ur":
        row["mean_p_hi"] = rounded(statistics.mean(c["p_hi"] for c in clips))
    return Measured(row, embeddings, list(renders))


def evaluate(
    chk: Checkers, worker: ModelWorker, binding: VoiceBinding, sentences: SentenceSet, **kw: Any
) -> Measured:
    return measure(chk, binding, render_all(worker, binding, sentences), sentences, **kw)
