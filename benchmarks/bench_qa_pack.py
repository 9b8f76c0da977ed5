"""Packed vs single quality checks on the same rendered files: the CER of each file both ways.

    python benchmarks/bench_qa_pack.py [--posts 3] [--avatars female_en-US,male_es,male_ar-SA,female_ur]

Renders the first N hospitality posts with each avatar (real engines, MP3), checks every file alone
(Whisper base, one call per file, as ``qa_check.check_file``) and in packs of the same language as a
worker packs them (``qa_pack.pack_rows``: clips joined with 1 s of silence up to 28 s, one call with
word timestamps, words given to clips by time), and reports the per-file CER both ways and the CPU of
the two. Writes benchmarks/results/qa_pack.{json,md}.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_batch import machine_info
from common import machine_line, write_results

from voxray_runtime.batch.plan import build_plan
from voxray_runtime.batch.qa_check import check_file, decoded
from voxray_runtime.batch.qa_pack import Pending, fits, pack_rows
from voxray_runtime.batch.quality import judge_for
from voxray_runtime.batch.worker import RenderSettings, load_engines, process_cpu_seconds, render_file
from voxray_runtime.models import default_models
from voxray_runtime.spec.documents import parse_document
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

AVATARS = "female_en-US,male_es,male_ar-SA,female_ur"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=3)
    parser.add_argument("--avatars", default=AVATARS)
    args = parser.parse_args(argv)
    out = Path(tempfile.mkdtemp(prefix="vxr-qa-pack-"))
    doc = {"apiVersion": "voxray.io/v1alpha1", "kind": "SpeechBatch", "metadata": {"name": "pack"}}
    raw = {
        "input": {"file": "packaged:hospitality", "limit": args.posts},
        "variants": {"avatars": args.avatars.split(",")},
    }
    spec = parse_document({**doc, "spec": raw}).spec
    assert isinstance(spec, SpeechBatchSpec)
    plan = build_plan(spec, models=default_models(), output_dir=out)
    settings = RenderSettings(str(out), plan.format, plan.bitrate_kbps, plan.speed, threads=2)
    engines = load_engines(plan.models, 2)
    rows: list[dict[str, Any]] = []
    by_lang: dict[str, list[Pending]] = {}
    single_cpu = 0.0
    for work in plan.work:
        _, audio = render_file(engines, work, settings, attempt=1, worker="bench")
        judge = judge_for(work.binding.avatar.language, work.binding.engine, {})
        c0 = process_cpu_seconds()
        single = check_file(work, audio, judge, 2, 1)
        single_cpu += process_cpu_seconds() - c0
        pending = Pending(work, judge, decoded(audio))
        by_lang.setdefault(judge.language, []).append(pending)
        rows.append(
            {
                "name": work.name,
                "language": judge.language,
                "seconds": round(pending.seconds, 2),
                "single": single,
            }
        )
        print(work.name, single.get("cer"), flush=True)
    packed: dict[str, dict[str, Any]] = {}
    by_segment: dict[str, dict[str, Any]] = {}
    pack_cpu, seg_cpu, calls = 0.0, 0.0, 0
    for files in by_lang.values():
        packs: list[list[Pending]] = [[]]
        for p in files:
            if packs[-1] and not fits([q.seconds for q in packs[-1]], p.seconds):
                packs.append([])
            packs[-1].append(p)
        for pack in packs:
            c0 = process_cpu_seconds()
            for p, row in zip(pack, pack_rows(pack, 2), strict=True):
                packed[p.work.name] = {**row, "pack": len(pack)}
            pack_cpu += process_cpu_seconds() - c0
            c0 = process_cpu_seconds()
            for p, row in zip(pack, pack_rows(pack, 2, per_word=False), strict=True):
                by_segment[p.work.name] = row
            seg_cpu += process_cpu_seconds() - c0
            calls += 1
    for r in rows:
        r["packed"] = packed[r["name"]]
        r["segments"] = by_segment[r["name"]]
    m = machine_info()
    lines = [
        "# Packed vs single quality checks (`bench_qa_pack.py`)",
        "",
        f"{machine_line(m)}",
        "",
        f"The first {args.posts} hospitality posts x {args.avatars}; each file checked alone (one Whisper base "
        "call per file) and in packs of its language (clips joined with 1 s of silence up to 28 s, one call "
        "with word timestamps, words given to clips by time).",
        "",
        "| file | audio s | CER single | CER packed (words) | CER packed (segments) | pack of | verdict single | verdict packed (words / segments) |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        s, p, g = r["single"], r["packed"], r["segments"]
        lines.append(
            f"| {r['name']} | {r['seconds']} | {s.get('cer')} | {p.get('cer')} | {g.get('cer')} | {p['pack']} | {s['verdict']} | {p['verdict']} / {g['verdict']} |"
        )
    lines += [
        "",
        f"Check CPU: single {single_cpu:.1f} s ({len(rows)} calls), packed with word timestamps {pack_cpu:.1f} s, "
        f"packed with segment timestamps {seg_cpu:.1f} s ({calls} calls each); "
        "the single CPU includes decoding each file, the packed CPU the transcription only.",
        "",
    ]
    data = {
        "machine": m,
        "rows": rows,
        "single_cpu_s": single_cpu,
        "packed_cpu_s": pack_cpu,
        "segments_cpu_s": seg_cpu,
        "calls": calls,
        "at": time.time(),
    }
    write_results("qa_pack", data, "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
