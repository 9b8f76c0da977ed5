"""Batch throughput with the publish-ready steps and the quality check on against everything off.

    python benchmarks/bench_batch_steps.py [--posts 2] [--avatars female_en-US,...] [--rounds 1]

The same files (the first N hospitality posts x the avatars, real engines, real MP3) rendered by the
driver (``run_plan``, actor pool, utilisation ceiling 0.8) on one local Ray, three ways, interleaved:
1. off: no captions, loudness off, quality check off;
2. publish: SRT + VTT captions and loudness normalisation on, quality check off;
3. all: captions, loudness and the quality check (Whisper base transcribes every file back).
Reports each run's wall and work seconds, audio seconds per wall second, the worker CPU seconds the
driver measured, and the per-step CPU from the manifest rows (``timings.cpu_s``: rendering with
loudness and captions; ``timings.loudness_cpu_s`` / ``timing_cpu_s`` / ``captions_cpu_s``: the finishing
steps' own CPU timers inside that; ``timings.qa_cpu_s``: the check, decode +
Whisper base). Ratios: throughput all/off (target >= 0.75), captions + loudness CPU over rendering's from the
step timers (target <= 3%), the check's CPU over the rest (target <= 35%). ``--configs`` picks the
configurations (default off,all: the step timers make the publish-only run unnecessary).
Writes benchmarks/results/batch_steps.{json,md}, with the quality summary of the ``all`` run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench_batch import machine_info, throughput
from common import machine_line, write_results

from voxray_runtime.batch.driver import RunOptions, run_plan
from voxray_runtime.batch.plan import build_plan
from voxray_runtime.models import default_models
from voxray_runtime.spec.documents import parse_document
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

AVATARS = "female_en-US,male_es,male_ar-SA,female_ur,female_hi"
#: the finishing steps with their own CPU timers (manifest ``timings.<step>_cpu_s``)
STEPS = ("loudness", "timing", "captions")
CONFIGS: dict[str, dict[str, Any]] = {
    "off": {"output": {"loudness": {"enabled": False}}, "quality": {"check": False}},
    "publish": {"output": {"captions": ["srt", "vtt"]}, "quality": {"check": False}},
    "all": {"output": {"captions": ["srt", "vtt"]}, "quality": {"check": True}},
}


def run(config: str, posts: int, avatars: list[str]) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix=f"vxr-bench-steps-{config}-"))
    spec_raw: dict[str, Any] = {
        "input": {"file": "packaged:hospitality", "limit": posts},
        "variants": {"avatars": avatars},
        **CONFIGS[config],
    }
    doc = {"apiVersion": "voxray.io/v1alpha1", "kind": "SpeechBatch", "metadata": {"name": "bench"}}
    spec = parse_document({**doc, "spec": spec_raw}).spec
    assert isinstance(spec, SpeechBatchSpec)
    try:
        plan = build_plan(spec, models=default_models(), output_dir=out)
        s = run_plan(plan, RunOptions(progress="none")).data
        rows = [
            json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
        ]
    finally:
        shutil.rmtree(out, ignore_errors=True)
    render_cpu = sum(float(r["timings"].get("cpu_s", 0.0)) for r in rows)
    qa_cpu = sum(float(r["timings"].get("qa_cpu_s", 0.0)) for r in rows)
    steps = {k: round(sum(float(r["timings"].get(f"{k}_cpu_s", 0.0)) for r in rows), 3) for k in STEPS}
    util = s["utilisation"] or {}
    return {
        "config": config,
        **throughput(s),
        "worker_cpu_seconds": util.get("worker_cpu_seconds"),
        "utilisation": util.get("observed"),
        "render_cpu_seconds": round(render_cpu, 2),
        "check_cpu_seconds": round(qa_cpu, 2),
        "step_cpu_seconds": steps,
        "quality": {k: v for k, v in s["quality"].items() if k != "bounds"},
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
    }


def mean_cpu(runs: list[dict[str, Any]], config: str) -> dict[str, float]:
    """A configuration's CPU seconds, the mean over its rounds (CPU varies less than wall on a shared
    machine, but it varies)."""
    mine = [x for x in runs if x["config"] == config]
    keys = ("render_cpu_seconds", "check_cpu_seconds", "worker_cpu_seconds")
    return {k: sum(float(x[k]) for x in mine) / len(mine) for k in keys}


def step_share(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Each finishing step's CPU over the render CPU of the same runs (every run with the steps on)."""
    on = [x for x in runs if any(x["step_cpu_seconds"].values())]
    render = sum(float(x["render_cpu_seconds"]) for x in on) or 1.0
    return {k: round(sum(float(x["step_cpu_seconds"][k]) for x in on) / render, 4) for k in STEPS}


def paired(runs: list[dict[str, Any]], key: str) -> list[float]:
    """Per round, ``all``'s ``key`` over ``off``'s: the two ran one after the other, on the machine as it
    was then (a shared machine's load moves between rounds far more than within one)."""
    offs = [x for x in runs if x["config"] == "off"]
    alls = [x for x in runs if x["config"] == "all"]
    return [float(a[key]) / float(o[key]) for o, a in zip(offs, alls, strict=False)]


def ratios(best: dict[str, dict[str, Any]], runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Throughput: the median over rounds of each round's all/off ratio (and, for comparison, the ratio of
    each configuration's fastest run); CPU from the mean of its rounds."""
    off, full = best["off"], best["all"]
    wall = paired(runs, "audio_seconds_per_wall_second")
    work = paired(runs, "audio_seconds_per_work_second")
    cpu_off, cpu_all = (mean_cpu(runs, c) for c in ("off", "all"))
    shares = step_share(runs)
    diff: dict[str, float] = {}
    if "publish" in best:  # the older measure, by difference of two runs
        cpu_pub = mean_cpu(runs, "publish")
        diff["captions_loudness_cpu_by_difference"] = round(
            (cpu_pub["render_cpu_seconds"] - cpu_off["render_cpu_seconds"]) / cpu_off["render_cpu_seconds"], 4
        )
    return {
        **diff,
        **{f"{k}_cpu_share": v for k, v in shares.items()},
        "throughput_all_over_off": round(statistics.median(wall), 3),
        "throughput_all_over_off_rounds": [round(x, 3) for x in wall],
        "throughput_all_over_off_work": round(statistics.median(work), 3),
        "throughput_all_over_off_fastest": round(
            full["audio_seconds_per_wall_second"] / off["audio_seconds_per_wall_second"], 3
        ),
        "captions_loudness_cpu_share": round(sum(shares.values()), 4),
        "check_cpu_extra": round(cpu_all["check_cpu_seconds"] / cpu_all["render_cpu_seconds"], 4),
        "check_cpu_share_of_all": round(
            cpu_all["check_cpu_seconds"] / (cpu_all["check_cpu_seconds"] + cpu_all["render_cpu_seconds"]), 4
        ),
        "worker_cpu_all_over_off": round(cpu_all["worker_cpu_seconds"] / cpu_off["worker_cpu_seconds"], 3),
    }


def markdown(
    m: dict[str, Any], posts: int, avatars: list[str], runs: list[dict[str, Any]], r: dict[str, Any]
) -> str:
    lines = [
        "# Batch steps: captions + loudness + quality check on vs all off (`bench_batch_steps.py`)",
        "",
        f"{machine_line(m)} Load average after each run is in the table.",
        "",
        f"Work: the first {posts} hospitality post(s) x {len(avatars)} avatars ({', '.join(avatars)}), MP3 64 kbps, "
        "driver `run_plan` (actor pool, ceiling 0.8) on one local Ray, the configurations interleaved "
        "round after round (every run listed; throughput ratio: the median of the rounds' on/off ratios, each "
        "round's two runs one after the other; CPU "
        "ratios from the mean of its runs). "
        "Wall includes starting the pool (engines and recogniser loaded); work excludes it. Render CPU: "
        "the manifest rows' `timings.cpu_s` (synthesis, loudness, captions, encoding, writing: the last "
        "render of a file); loudness + timing + captions: the steps' own CPU timers inside render CPU "
        "(`timings.loudness_cpu_s`, `timing_cpu_s`, `captions_cpu_s`); check CPU: `timings.qa_cpu_s` "
        "(decode + Whisper base, every render's check; beam per `quality.beam_for`).",
        "",
        "| config | files | audio s | wall s | work s | audio s / wall s | audio s / work s | worker CPU s | render CPU s | loudness + timing + captions CPU s | check CPU s | utilisation | load after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for x in runs:
        lines.append(
            f"| {x['config']} | {x['files']} | {x['audio_seconds']:.1f} | {x['wall_seconds']:.1f} | "
            f"{x['work_seconds']:.1f} | {x['audio_seconds_per_wall_second']:.3f} | "
            f"{x['audio_seconds_per_work_second']:.3f} | {x['worker_cpu_seconds']:.1f} | "
            f"{x['render_cpu_seconds']:.1f} | {sum(x['step_cpu_seconds'].values()):.2f} | "
            f"{x['check_cpu_seconds']:.1f} | {x['utilisation']:.2f} | "
            f"{x['loadavg_1m_after']:.2f} |"
        )
    lines += [
        "",
        "| ratio | measured | target |",
        "|---|---:|---|",
        f"| throughput, everything on / everything off (wall; median of the rounds "
        f"{', '.join(f'{x:.3f}' for x in r['throughput_all_over_off_rounds'])}) "
        f"| {r['throughput_all_over_off']:.3f} | >= 0.75 |",
        f"| throughput, everything on / everything off (work, median) | {r['throughput_all_over_off_work']:.3f} | |",
        f"| throughput, everything on / everything off (each configuration's fastest run) "
        f"| {r['throughput_all_over_off_fastest']:.3f} | |",
        f"| captions + loudness CPU / render CPU (step timers: loudness + word timing + captions) | {r['captions_loudness_cpu_share']:.2%} | <= 3% |",
        f"| of which loudness (measure, gain, true-peak limiter) | {r['loudness_cpu_share']:.2%} | |",
        f"| of which word timing (trim, placing, aligning the written words) | {r['timing_cpu_share']:.2%} | |",
        f"| of which captions (cues, SRT + VTT) | {r['captions_cpu_share']:.2%} | |",
        f"| quality check CPU / render CPU (extra CPU) | {r['check_cpu_extra']:.1%} | <= 35% |",
        f"| quality check share of all worker CPU | {r['check_cpu_share_of_all']:.1%} | |",
        f"| worker CPU, everything on / off | {r['worker_cpu_all_over_off']:.3f} | |",
        "",
    ]
    full = [x for x in runs if x["config"] == "all"][-1]["quality"]
    lines += [
        "## Quality summary of the `all` run",
        "",
        f"{full['checked']} checked, {full['passed']} passed, {full['failed']} failed, "
        f"{full['unchecked']} unchecked (checker {full['checker']}).",
        "",
    ]
    for f in full["failed_files"]:
        lines.append(f"- failed: `{f['name']}` CER {f['cer']} > {f['bound']}; heard: {f['transcript']!r}")
    for reason, n in full["unchecked_reasons"].items():
        lines.append(f"- unchecked ({n}): {reason}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=int(os.environ.get("BENCH_STEPS_POSTS", "2")))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_STEPS_ROUNDS", "1")))
    parser.add_argument("--avatars", default=AVATARS)
    parser.add_argument("--configs", default="off,all", help=f"of {','.join(CONFIGS)}")
    args = parser.parse_args(argv)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    avatars = args.avatars.split(",")
    m = machine_info()
    print(
        f"{args.posts} post(s) x {len(avatars)} avatars x {args.rounds} round(s); {machine_line(m)}",
        flush=True,
    )
    import ray

    tmp = tempfile.mkdtemp(prefix="vxr-bench-ray-", dir="/tmp")
    ray.init(include_dashboard=False, _node_ip_address="127.0.0.1", _temp_dir=tmp, log_to_driver=False)
    runs: list[dict[str, Any]] = []
    try:
        for _ in range(args.rounds):
            for config in args.configs.split(","):
                runs.append(run(config, args.posts, avatars))
                print(json.dumps(runs[-1], ensure_ascii=False), flush=True)
    finally:
        ray.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    best: dict[str, dict[str, Any]] = {}
    for x in runs:  # the fastest round of each configuration
        if x["config"] not in best or x["wall_seconds"] < best[x["config"]]["wall_seconds"]:
            best[x["config"]] = x
    r = ratios(best, runs)
    data = {
        "machine": m,
        "posts": args.posts,
        "avatars": avatars,
        "rounds": args.rounds,
        "runs": runs,
        "ratios": r,
    }
    write_results("batch_steps", data, markdown(m, args.posts, avatars, runs, r))
    print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
