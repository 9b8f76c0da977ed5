"""The packaged hospitality posts: format checks, and the one-off merge of the two authored parts.

``runtime/voxray_runtime/data/hospitality_posts.jsonl`` holds 100 posts, one JSON object a line,
ordered by index: ``{"index", "id", "channel", "topic", "texts": {"en", "ar", "es", "hi", "ur"}}``
(see data/README.md). It was written in two parts; ``merge_parts`` concatenates them sorted by index,
validates the result, writes it atomically and deletes the parts:
``python -m voxray_runtime.batch.posts merge``.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from voxray_runtime.batch.items import parse_json_lines
from voxray_runtime.storage.atomic import atomic_write_bytes, fsync_dir
from voxray_runtime.voices.avatars import LANGUAGES

POSTS_FILE = "hospitality_posts.jsonl"
PART_FILES = ("hospitality_posts_part1.jsonl", "hospitality_posts_part2.jsonl")
EXPECTED_POSTS = 100
POST_KEYS = ("index", "id", "channel", "topic", "texts")


def data_dir() -> Path:
    return Path(str(importlib.resources.files("voxray_runtime") / "data"))


def check_post(raw: Any, where: str) -> dict[str, Any]:
    """One post object, checked: every key present, non-empty strings, a text in every language."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: a post must be a JSON object")
    missing = [k for k in POST_KEYS if k not in raw]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    extra = sorted(set(raw) - set(POST_KEYS))
    if extra:
        raise ValueError(f"{where}: unexpected keys {', '.join(extra)}")
    if not isinstance(raw["index"], int) or isinstance(raw["index"], bool) or raw["index"] < 1:
        raise ValueError(f"{where}: index must be an integer >= 1")
    for key in ("id", "channel", "topic"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise ValueError(f"{where}: {key} must be a non-empty string")
    texts = raw["texts"]
    if not isinstance(texts, dict):
        raise ValueError(f"{where}: texts must be an object keyed by language")
    for lang in LANGUAGES:
        if not isinstance(texts.get(lang), str) or not texts[lang].strip():
            raise ValueError(f"{where}: texts.{lang} is missing or empty")
    unknown = sorted(set(texts) - set(LANGUAGES))
    if unknown:
        raise ValueError(f"{where}: texts has unknown languages {', '.join(unknown)}")
    return raw


def parse_posts(lines: Iterable[str], source: str = "") -> list[dict[str, Any]]:
    return parse_json_lines(lines, source, check_post)


def check_posts(posts: Sequence[dict[str, Any]], expected: int | None = EXPECTED_POSTS) -> None:
    """Unique indexes and ids; with ``expected``, exactly indexes 1..expected."""
    indexes = [p["index"] for p in posts]
    dupes = sorted({i for i in indexes if indexes.count(i) > 1})
    if dupes:
        raise ValueError(f"repeated indexes: {dupes}")
    ids = [p["id"] for p in posts]
    dupe_ids = sorted({i for i in ids if ids.count(i) > 1})
    if dupe_ids:
        raise ValueError(f"repeated ids: {dupe_ids}")
    if expected is not None and sorted(indexes) != list(range(1, expected + 1)):
        missing = sorted(set(range(1, expected + 1)) - set(indexes))
        beyond = sorted(set(indexes) - set(range(1, expected + 1)))
        raise ValueError(f"expected indexes 1..{expected}; missing {missing}, beyond {beyond}")


def render_posts(posts: Sequence[dict[str, Any]]) -> bytes:
    ordered = sorted(posts, key=lambda p: int(p["index"]))
    lines = [json.dumps({k: p[k] for k in POST_KEYS}, ensure_ascii=False) for p in ordered]
    return ("\n".join(lines) + "\n").encode("utf-8")


def merge_parts(directory: Path | None = None, expected: int | None = EXPECTED_POSTS) -> Path:
    """Merge the parts into POSTS_FILE (sorted by index, validated), then delete the parts.

    Raises FileNotFoundError when a part is missing and ValueError when the merged posts are
    incomplete or malformed; in both cases nothing is written or deleted.
    """
    d = directory or data_dir()
    parts = [d / name for name in PART_FILES]
    absent = [p.name for p in parts if not p.is_file()]
    if absent:
        raise FileNotFoundError(f"missing parts in {d}: {', '.join(absent)}")
    posts: list[dict[str, Any]] = []
    for p in parts:
        posts.extend(parse_posts(p.read_text(encoding="utf-8").splitlines(), source=p.name))
    check_posts(posts, expected)
    target = d / POSTS_FILE
    atomic_write_bytes(target, render_posts(posts))
    for p in parts:
        p.unlink()
    fsync_dir(d)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voxray_runtime.batch.posts")
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("merge", help="merge the two authored parts into hospitality_posts.jsonl")
    m.add_argument("--dir", type=Path, default=None)
    m.add_argument("--expected", type=int, default=EXPECTED_POSTS)
    c = sub.add_parser("check", help="validate hospitality_posts.jsonl")
    c.add_argument("--dir", type=Path, default=None)
    c.add_argument("--expected", type=int, default=EXPECTED_POSTS)
    args = parser.parse_args(argv)
    try:
        if args.command == "merge":
            print(f"wrote {merge_parts(args.dir, args.expected)}")
        else:
            path = (args.dir or data_dir()) / POSTS_FILE
            posts = parse_posts(path.read_text(encoding="utf-8").splitlines(), source=path.name)
            check_posts(posts, args.expected)
            print(f"{path}: {len(posts)} posts, valid")
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
