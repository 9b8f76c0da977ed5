"""``voxray serve --generate FILE`` (what ``make run`` does): a TextModel writes one post of a
``spec.generate`` SpeechBatch, voxray speaks it, and the post and its audio files are shown.

It is the batch itself, limited to its first post, into ``<output>/generated``: the same posts.jsonl,
manifest and resume (a second ``make run`` writes and renders nothing new).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from voxray_runtime.generation.records import POSTS_FILE, parse_records


def describe_post(out: Path, index: int = 1, manifest: str = "manifest.jsonl") -> list[str]:
    """Lines showing post ``index`` of ``out/posts.jsonl`` and the audio files the manifest lists for it."""
    posts = (
        parse_records((out / POSTS_FILE).read_text(encoding="utf-8").splitlines())
        if (out / POSTS_FILE).is_file()
        else {}
    )
    record = posts.get(index)
    if record is None:
        return [f"no generated post {index} in {out / POSTS_FILE}"]
    lines = [f"generated post {index} ({record.get('model')}, seed {record.get('seed')}):"]
    lines += [f"  [{lang}] {text}" for lang, text in record["texts"].items()]
    entries = []
    if (out / manifest).is_file():
        for raw in (out / manifest).read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and entry.get("index") == index:
                entries.append(entry)
    for e in sorted(entries, key=lambda e: str(e.get("name"))):
        lines.append(
            f"  speech [{e.get('avatar')}]: {out / str(e['name'])} ({float(e.get('duration_s', 0)):.1f} s)"
        )
    return lines


def show_generated_post(spec_file: str, out: Path, models: Sequence[str] | None = None) -> int:
    """Run the batch in ``spec_file`` for its first post into ``out`` and print the post and its speech;
    returns the batch's exit status."""
    from voxray_runtime.batch.cli import main as batch_main

    argv = ["-f", spec_file, "--out", str(out), "--limit", "1"]
    for m in models or ():
        argv += ["-m", m]
    print(f"generating one post of {spec_file} and speaking it into {out} ...", flush=True)
    code = batch_main(argv)
    for line in describe_post(out):
        print(line, flush=True)
    return code
