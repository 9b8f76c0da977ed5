"""Publish-ready speech on the 18 avatars: loudness spread before/after normalisation (read by pyloudnorm
and, independently, by ffmpeg's ebur128 filter), word timing source per engine, and the CPU share of
captions + loudness against rendering (process CPU time, one file per avatar, one sentence per language).

    PYTHONPATH=runtime python benchmarks/bench_publish.py   (writes benchmarks/results/publish.{json,md})
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import numpy as np

from voxray_runtime.engines.registry import load_engine
from voxray_runtime.engines.timing.forced import ForcedAligner
from voxray_runtime.evaluation.checkers import whisper_base_dir
from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.speech.job import SpeechJob
from voxray_runtime.speech.publish import Publish, publish, speak_timed
from voxray_runtime.voices.avatars import ALL_AVATARS

RESULTS = Path(__file__).parent / "results"
#: one held-out sentence per language (numbers, a time and money: the normaliser at work)
TEXTS = {
    "en": "Our rooftop bar opens at 6 pm, with live jazz every Friday and cocktails from $12.",
    "es": "El spa abre a las 9 de la mañana y ofrece masajes con un 20% de descuento.",
    "hi": "हमारा रेस्टोरेंट शाम 7 बजे खुलता है और हर शुक्रवार को लाइव संगीत होता है।",
    "ur": "ہمارا ریستوران شام 7 بجے کھلتا ہے اور ہر جمعہ کو موسیقی ہوتی ہے۔",
    "ar": "يفتح المطعم أبوابه في الساعة 7 مساءً، ونقدم موسيقى حية كل يوم جمعة.",
}


def ebur128(pcm: np.ndarray, rate: int) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) by ffmpeg's ebur128 filter (a second implementation)."""
    done = subprocess.run(
        ["ffmpeg", "-nostats", "-hide_banner", "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
         "-af", "ebur128=peak=true", "-f", "null", "-"],
        input=np.asarray(pcm, np.float32).tobytes(), capture_output=True, check=True,
    )  # fmt: skip
    text = done.stderr.decode()
    summary = text[text.rfind("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))  # type: ignore[union-attr]
    return integrated, peak


def main() -> None:
    models = default_models()
    catalog = catalog_for(models)
    engines = {m.name: load_engine(m.spec, threads=2) for m in models}
    aligner = ForcedAligner.from_folder(whisper_base_dir(), threads=2)
    rows = []
    excerpts: dict[str, str] = {}
    for avatar in ALL_AVATARS:
        binding = catalog.resolve(avatar)
        engine = engines[binding.model]
        text = TEXTS[avatar.language]
        spec = Publish(text, avatar.language, avatar.dialect, captions=("srt", "vtt"))
        job = SpeechJob.for_text(binding, text, publish=spec)
        timed_here = hasattr(engine, "synthesize_timed")
        c0 = time.process_time()
        parts = [speak_timed(engine, r, None if timed_here else aligner) for r in job.requests()]
        render_cpu = time.process_time() - c0
        c1 = time.process_time()
        done = publish(parts, engine.info.sample_rate, job.speed, spec)
        finish_cpu = time.process_time() - c1
        gap = np.zeros(round(0.28 * engine.info.sample_rate), np.float32)
        joined = [
            p for i, part in enumerate(parts) for p in ([part.pcm, gap] if i < len(parts) - 1 else [part.pcm])
        ]
        before = ebur128(np.concatenate(joined), engine.info.sample_rate)
        after = ebur128(done.pcm, engine.info.sample_rate)
        rows.append({
            "avatar": avatar.name, "model": binding.model, "timing": done.timing,
            "seconds": round(done.pcm.size / engine.info.sample_rate, 2),
            "before_lufs": round(done.source_loudness.integrated_lufs, 2),
            "after_lufs": round(done.loudness.integrated_lufs, 2),
            "after_dbtp": round(done.loudness.true_peak_dbtp, 2),
            "ffmpeg_before_lufs": before[0], "ffmpeg_after_lufs": after[0], "ffmpeg_after_dbtp": after[1],
            "render_cpu_s": round(render_cpu, 3),
            "loudness_s": round(done.loudness_s, 4), "captions_s": round(done.captions_s, 4),
            "finish_cpu_s": round(finish_cpu, 4), "cues": len(done.cues),
        })  # fmt: skip
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
        if avatar.name in ("female_en-US", "female_es", "male_ar-EG"):
            excerpts[avatar.name] = done.captions["srt"]
    spread = lambda key: round(max(r[key] for r in rows) - min(r[key] for r in rows), 2)  # noqa: E731
    model_timed = [r for r in rows if r["timing"] == "model"]
    summary = {
        "spread_before_lu": spread("ffmpeg_before_lufs"),
        "spread_after_lu": spread("ffmpeg_after_lufs"),
        "max_after_dbtp_ffmpeg": max(r["ffmpeg_after_dbtp"] for r in rows),
        "max_abs_after_error_lu_ffmpeg": round(max(abs(r["ffmpeg_after_lufs"] + 16.0) for r in rows), 2),
        "finish_share_of_render_model_timed": round(
            sum(r["finish_cpu_s"] for r in model_timed) / sum(r["render_cpu_s"] for r in model_timed), 4
        ),
        # the first file pays the one-time imports (scipy.signal, pyloudnorm): steady state without it
        "finish_share_of_render_model_timed_after_first": round(
            sum(r["finish_cpu_s"] for r in model_timed[1:]) / sum(r["render_cpu_s"] for r in model_timed[1:]),
            4,
        ),
        "finish_share_of_render_all": round(
            sum(r["finish_cpu_s"] for r in rows) / sum(r["render_cpu_s"] for r in rows), 4
        ),
    }
    print(json.dumps(summary))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "publish.json").write_text(
        json.dumps({"summary": summary, "rows": rows, "srt": excerpts}, ensure_ascii=False, indent=1)
    )
    lines = ["# Publish-ready speech: loudness and captions on the 18 avatars", "",
             "| avatar | model | timing | s | LUFS before (ffmpeg) | LUFS after (ffmpeg) | dBTP after (ffmpeg) | render CPU s | loudness+captions CPU s |",
             "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        lines.append(
            f"| {r['avatar']} | {r['model']} | {r['timing']} | {r['seconds']} | {r['ffmpeg_before_lufs']} | "
            f"{r['ffmpeg_after_lufs']} | {r['ffmpeg_after_dbtp']} | {r['render_cpu_s']} | {r['finish_cpu_s']} |"
        )
    lines += ["", "```", json.dumps(summary, indent=1), "```", ""]
    for name, text in excerpts.items():
        lines += [f"SRT of {name}:", "", "```", text.strip(), "```", ""]
    (RESULTS / "publish.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
