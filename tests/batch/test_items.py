"""Inputs: inline items, JSON Lines files, the packaged posts; and the posts data format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.items import load_items, packaged_path, parse_jsonl
from voxray_runtime.batch.posts import (
    POSTS_FILE,
    check_posts,
    merge_parts,
    parse_posts,
)
from voxray_runtime.spec.documents import SpecError
from voxray_runtime.spec.speechbatch import InputSpec
from voxray_runtime.voices.avatars import LANGUAGES


def _post(i: int) -> dict[str, Any]:
    return {
        "index": i,
        "id": f"post_{i:02d}",
        "channel": "instagram",
        "topic": "hotel",
        "texts": {lang: f"Post {i} in {lang}." for lang in LANGUAGES},
    }


def test_packaged_posts_are_complete_and_valid() -> None:
    path = packaged_path("hospitality")
    posts = parse_posts(path.read_text(encoding="utf-8").splitlines())
    check_posts(posts, expected=100)
    assert [p["index"] for p in posts] == list(range(1, 101))
    items = load_items(InputSpec(file="packaged:hospitality"), limit=3)
    assert [i.index for i in items] == [1, 2, 3]
    assert set(items[0].texts) == set(LANGUAGES)


def test_file_items_ordered_limited_and_extra_keys_ignored(tmp_path: Path) -> None:
    f = tmp_path / "posts.jsonl"
    f.write_text("\n".join(json.dumps(_post(i)) for i in (3, 1, 2)) + "\n\n", encoding="utf-8")
    items = load_items(InputSpec(file="posts.jsonl", limit=2), base_dir=tmp_path)
    assert [i.index for i in items] == [1, 2]
    assert items[0].id == "post_01"
    assert [i.index for i in load_items(InputSpec(file=str(f)), limit=1)] == [1]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 1: not valid JSON"),
        ("[1, 2]", "line 1: an item must be a JSON object"),
        ('{"index": -1, "texts": {"en": "x"}}', "line 1: index"),
        ('{"index": 1}', "line 1: texts"),
        ('{"index": 1, "texts": {}}', "line 1: texts"),
    ],
)
def test_bad_lines_are_reported_with_their_number(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_jsonl([line])


def test_bad_file_is_a_spec_error_on_input_file(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"index": 1, "texts": {"en": "x"}}\n{oops\n')
    with pytest.raises(SpecError, match="line 2") as info:
        load_items(InputSpec(file=str(tmp_path / "bad.jsonl")))
    assert info.value.field == "spec.input.file"


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({k: v for k, v in _post(1).items() if k != "topic"}, "missing topic"),
        ({**_post(1), "extra": 1}, "unexpected keys extra"),
        ({**_post(1), "index": 0}, "index must be"),
        ({**_post(1), "id": " "}, "id must be"),
        ({**_post(1), "texts": {**_post(1)["texts"], "ur": ""}}, "texts.ur is missing"),
        ({**_post(1), "texts": {**_post(1)["texts"], "fr": "Bonjour"}}, "unknown languages fr"),
    ],
)
def test_post_format_checks(post: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_posts([json.dumps(post)])


def test_check_posts_wants_unique_complete_indexes() -> None:
    check_posts([_post(i) for i in (2, 1)], expected=2)
    with pytest.raises(ValueError, match="repeated indexes"):
        check_posts([_post(1), _post(1)], expected=None)
    with pytest.raises(ValueError, match=r"missing \[2\]"):
        check_posts([_post(1), _post(3)], expected=3)


def test_merge_parts_sorts_validates_and_deletes(tmp_path: Path) -> None:
    (tmp_path / "hospitality_posts_part1.jsonl").write_text("\n".join(json.dumps(_post(i)) for i in (2, 1)))
    (tmp_path / "hospitality_posts_part2.jsonl").write_text(
        "\n".join(json.dumps(_post(i)) for i in (4, 3)) + "\n"
    )
    out = merge_parts(tmp_path, expected=4)
    assert out == tmp_path / POSTS_FILE
    assert [json.loads(line)["index"] for line in out.read_text().splitlines()] == [1, 2, 3, 4]
    assert sorted(p.name for p in tmp_path.iterdir()) == [POSTS_FILE]


def test_merge_refuses_incomplete_parts_and_touches_nothing(tmp_path: Path) -> None:
    (tmp_path / "hospitality_posts_part1.jsonl").write_text(json.dumps(_post(1)))
    with pytest.raises(FileNotFoundError, match="part2"):
        merge_parts(tmp_path, expected=2)
    (tmp_path / "hospitality_posts_part2.jsonl").write_text(json.dumps(_post(3)))
    with pytest.raises(ValueError, match="missing"):
        merge_parts(tmp_path, expected=3)
    assert not (tmp_path / POSTS_FILE).exists()
    assert len(list(tmp_path.iterdir())) == 2
