"""Beam sizes in the batch quality check (beam 5, Whisper's default, against smaller ones), on the same
rendered files.

    python benchmarks/bench_qa_beam.py [--posts 3] [--avatars female_en-US,male_es,male_ar-SA,female_ur]
        [--beams 5,1] [--name qa_beam]

Renders the first N hospitality posts with each avatar (real engines, MP3), transcribes every file with
Whisper base at beam 5 and at beam 1 (decoding forced to the file's language, as ``qa_check``), and
reports each file's CER, verdict and transcription CPU at each beam (the first of ``--beams`` is the
reference the others are compared with). Writes benchmarks/results/<name>.{json,md}.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=3)
    parser.add_argument("--avatars", default=AVATARS)
    parser.add_argument("--beams", default="5,1", help="beam sizes, the reference first")
    parser.add_argument("--name", default="qa_beam", help="results file name under benchmarks/results")
    args = parser.parse_args(argv)
    beams = [int(b) for b in args.beams.split(",")]
    ref = beams[0]
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
        for beam in beams:
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
            *(f"b{b} cer {row[f'beam{b}']['cer']} cpu {row[f'beam{b}']['cpu_s']}" for b in beams),
            flush=True,
        )
    beam_list = " and ".join(str(b) for b in beams)
    lines = [
        f"# Beams {', '.join(map(str, beams))} in the quality check (`bench_qa_beam.py`)",
        "",
        machine_line(m),
        "",
        f"The first {args.posts} hospitality posts x {args.avatars}; each file transcribed by Whisper base "
        f"(int8, 2 threads, language forced) at beam {beam_list}.",
        "",
        "| file | audio s | bound | "
        + " | ".join(f"CER beam {b}" for b in beams)
        + " | verdicts | "
        + " | ".join(f"CPU s beam {b}" for b in beams)
        + " |",
        "|---|---:|---:|" + "---:|" * len(beams) + "---|" + "---:|" * len(beams),
    ]

    def verdict(v: Any) -> str:
        return "unchecked" if v is None else ("passed" if v else "FAILED")

    for r in rows:
        lines.append(
            f"| {r['name']} | {r['seconds']} | {r['bound']} | "
            + " | ".join(str(r[f"beam{b}"]["cer"]) for b in beams)
            + " | "
            + " / ".join(verdict(r[f"beam{b}"]["passed"]) for b in beams)
            + " | "
            + " | ".join(str(r[f"beam{b}"]["cpu_s"]) for b in beams)
            + " |"
        )
    lines += [
        "",
        "| language | files | "
        + " | ".join(f"mean CER {b}" for b in beams)
        + " | "
        + " | ".join(f"CPU s {b}" for b in beams)
        + f" | verdicts changed vs beam {ref} |",
        "|---|---:|" + "---:|" * (2 * len(beams) + 1),
    ]
    summary: dict[str, dict[str, Any]] = {}
    for lang in dict.fromkeys(r["language"] for r in rows):
        mine = [r for r in rows if r["language"] == lang]
        s: dict[str, Any] = {"files": len(mine)}
        for b in beams:
            s[f"mean_cer_{b}"] = round(sum(r[f"beam{b}"]["cer"] for r in mine) / len(mine), 4)
            s[f"cpu_{b}"] = round(sum(r[f"beam{b}"]["cpu_s"] for r in mine), 2)
        s["changed"] = {
            b: sum(r[f"beam{ref}"]["passed"] != r[f"beam{b}"]["passed"] for r in mine) for b in beams[1:]
        }
        summary[lang] = s
        lines.append(
            f"| {lang} | {s['files']} | "
            + " | ".join(str(s[f"mean_cer_{b}"]) for b in beams)
            + " | "
            + " | ".join(str(s[f"cpu_{b}"]) for b in beams)
            + " | "
            + ", ".join(f"beam {b}: {n}" for b, n in s["changed"].items())
            + " |"
        )
    write_results(
        args.name, {"machine": m, "beams": beams, "rows": rows, "languages": summary}, "\n".join(lines) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
