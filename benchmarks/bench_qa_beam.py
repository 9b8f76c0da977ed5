"""Beam 1 (greedy) vs beam 5 in the batch quality check, on the same rendered files.

    python benchmarks/bench_qa_beam.py [--posts 3] [--avatars female_en-US,male_es,male_ar-SA,female_ur]

Renders the first N hospitality posts with each avatar (real engines, MP3), transcribes every file with
Whisper base at beam 5 and at beam 1 (decoding forced to the file's language, as ``qa_check``), and
reports each file's CER, verdict and transcription CPU both ways. Writes
benchmarks/results/qa_beam.{json,md}.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import machine_info
from common import machine_line, write_results

from voxray_runtime.batch.plan import build_plan
from voxray_runtime.batch.qa_check import recognizer
from voxray_runtime.batch.quality import cer, judge_for
from voxray_runtime.batch.worker import RenderSettings, load_engines, process_cpu_seconds, render_file
from voxray_runtime.engines.stt.decode import AudioLimits, decode
from voxray_runtime.models import default_models
from voxray_runtime.spec.documents import parse_document
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

AVATARS = "female_en-US,male_es,male_ar-SA,female_ur"
BEAMS = (5, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=3)
    parser.add_argument("--avatars", default=AVATARS)
    args = parser.parse_args(argv)
    m = machine_info()
    out = Path(tempfile.mkdtemp(prefix="vxr-qa-beam-"))
    doc = {"apiVersion": "voxray.io/v1alpha1", "kind": "SpeechBatch", "metadata": {"name": "beam"}}
    raw = {
        "input": {"file": "packaged:hospitality", "limit": args.posts},
        "variants": {"avatars": args.avatars.split(",")},
    }
    spec = parse_document({**doc, "spec": raw}).spec
    assert isinstance(spec, SpeechBatchSpec)
    plan = build_plan(spec, models=default_models(), output_dir=out)
    settings = RenderSettings(str(out), plan.format, plan.bitrate_kbps, plan.speed, threads=2)
    engines = load_engines(plan.models, 2)
    model = recognizer(2)
    assert not isinstance(model, str), model
    rows: list[dict[str, Any]] = []
    for work in plan.work:
        _, audio = render_file(engines, work, settings, attempt=1, worker="bench")
        judge = judge_for(work.binding.avatar.language, work.binding.engine, {})
        pcm = decode(audio, AudioLimits(max_bytes=1 << 30, max_seconds=3600.0))
        row: dict[str, Any] = {
            "name": work.name,
            "language": judge.language,
            "seconds": round(len(pcm) / 16000, 2),
        }
        for beam in BEAMS:
            c0 = process_cpu_seconds()
            text = model.transcribe(pcm, judge.language, beam_size=beam)
            spent = process_cpu_seconds() - c0
            rate = cer(work.text, text, judge.language, work.binding.avatar.dialect)
            passed = None if judge.bound is None else rate <= judge.bound
            row[f"beam{beam}"] = {
                "cer": round(rate, 4),
                "passed": passed,
                "cpu_s": round(spent, 3),
                "text": text,
            }
        row["bound"] = judge.bound
        rows.append(row)
        print(
            work.name,
            row["beam5"]["cer"],
            row["beam1"]["cer"],
            row["beam5"]["cpu_s"],
            row["beam1"]["cpu_s"],
            flush=True,
        )
    lines = [
        "# Beam 1 vs beam 5 in the quality check (`bench_qa_beam.py`)",
        "",
        machine_line(m),
        "",
        f"The first {args.posts} hospitality posts x {args.avatars}; each file transcribed by Whisper base "
        "(int8, 2 threads, language forced) at beam 5 and at beam 1.",
        "",
        "| file | audio s | bound | CER beam 5 | CER beam 1 | verdict 5 / 1 | CPU s beam 5 | CPU s beam 1 |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]

    def verdict(v: Any) -> str:
        return "unchecked" if v is None else ("passed" if v else "FAILED")

    for r in rows:
        b5, b1 = r["beam5"], r["beam1"]
        lines.append(
            f"| {r['name']} | {r['seconds']} | {r['bound']} | {b5['cer']} | {b1['cer']} | "
            f"{verdict(b5['passed'])} / {verdict(b1['passed'])} | {b5['cpu_s']} | {b1['cpu_s']} |"
        )
    lines += [
        "",
        "| language | files | mean CER 5 | mean CER 1 | CPU s 5 | CPU s 1 | verdicts changed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    summary: dict[str, dict[str, Any]] = {}
    for lang in dict.fromkeys(r["language"] for r in rows):
        mine = [r for r in rows if r["language"] == lang]
        s = {
            "files": len(mine),
            "mean_cer_5": round(sum(r["beam5"]["cer"] for r in mine) / len(mine), 4),
            "mean_cer_1": round(sum(r["beam1"]["cer"] for r in mine) / len(mine), 4),
            "cpu_5": round(sum(r["beam5"]["cpu_s"] for r in mine), 2),
            "cpu_1": round(sum(r["beam1"]["cpu_s"] for r in mine), 2),
            "changed": sum(r["beam5"]["passed"] != r["beam1"]["passed"] for r in mine),
        }
        summary[lang] = s
        lines.append(
            f"| {lang} | {s['files']} | {s['mean_cer_5']} | {s['mean_cer_1']} | {s['cpu_5']} | {s['cpu_1']} | {s['changed']} |"
        )
    write_results("qa_beam", {"machine": m, "rows": rows, "languages": summary}, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
