"""posts.jsonl records and the resumable generation plan: pure, table-tested."""

from __future__ import annotations

import json
from typing import Any

import pytest

from voxray_runtime.batch.items import parse_jsonl
from voxray_runtime.generation.plan import Task, plan_generation
from voxray_runtime.generation.records import (
    Settings,
    brief_sha256,
    matches,
    new_record,
    parse_records,
    post_seed,
    render_records,
    with_text,
)
from voxray_runtime.spec.speechbatch import GenerateSpec

SPEC = GenerateSpec(brief="A seaside hotel in Cádiz.", count=2, languages=["en", "es"], seed=7, maxTokens=64)
SETTINGS = Settings.from_spec(SPEC, model="gemma-3-270m-q4_k_m")


def written(settings: Settings, index: int, langs: tuple[str, ...]) -> dict[str, Any]:
    rec = new_record(settings, index)
    rec = with_text(rec, settings.source_language, f"Post {index}.", seed=1)
    for lang in langs:
        rec = with_text(rec, lang, f"Texto {index}.", seed=2, source_text=f"Post {index}.")
    return rec


def test_settings_from_spec() -> None:
    assert SETTINGS.languages == ("en", "es")
    assert SETTINGS.count == 2
    assert Settings.from_spec(SPEC, "m", limit=1).count == 1
    assert Settings.from_spec(SPEC, "m", limit=5).count == 2
    other = GenerateSpec(brief="b", sourceLanguage="es", languages=["ar", "es", "en"])
    assert Settings.from_spec(other, "m").languages == ("es", "ar", "en")


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (("x", 1, "en", 1), ("x", 1, "en", 1), True),
        (("x", 1, "en", 1), ("x", 2, "en", 1), False),
        (("x", 1, "en", 1), ("x", 1, "es", 1), False),
        (("x", 1, "en", 1), ("x", 1, "en", 2), False),
        (("x", 1, "en", 1), ("y", 1, "en", 1), False),
    ],
)
def test_post_seed_is_derived(a: tuple[Any, ...], b: tuple[Any, ...], equal: bool) -> None:
    seeds = [post_seed(len(t[0]) if t[0] == "x" else 99, t[1], t[2], t[3]) for t in (a, b)]
    assert (seeds[0] == seeds[1]) is equal
    assert all(0 <= s < 2**31 for s in seeds)


def test_post_seed_is_stable() -> None:
    # recorded in posts.jsonl: a change here would regenerate every post ever written
    assert post_seed(0, 1, "en") == post_seed(0, 1, "en", attempt=1)
    assert post_seed(7, 1, "en") != post_seed(7, 2, "en")


def test_brief_hash_ignores_wrapping() -> None:
    assert brief_sha256("A seaside  hotel\nin Cádiz.") == brief_sha256("A seaside hotel in Cádiz.")
    assert brief_sha256("A seaside hotel") != brief_sha256("A mountain hotel")


def test_record_is_a_batch_item_line() -> None:
    rec = written(SETTINGS, 1, ("es",))
    assert rec["model"] == "gemma-3-270m-q4_k_m"
    assert rec["batch_seed"] == 7
    assert rec["seed"] == post_seed(7, 1, "en")
    line = render_records({1: rec}).decode()
    (item,) = parse_jsonl(line.splitlines())
    assert (item.index, item.id, item.texts) == (1, "post_01", {"en": "Post 1.", "es": "Texto 1."})


def test_rewriting_the_source_drops_its_translations() -> None:
    rec = written(SETTINGS, 1, ("es",))
    again = with_text(rec, "en", "Another post.", seed=3)
    assert again["texts"] == {"en": "Another post."}
    assert again["seeds"] == {"en": 3}


@pytest.mark.parametrize(
    ("change", "reused"),
    [
        ({}, True),
        ({"model": "other"}, False),
        ({"batch_seed": 8}, False),
        ({"brief_sha256": "0" * 64}, False),
        ({"temperature": 0.1}, False),
        ({"max_tokens": 65}, False),
        ({"prompt_version": 0}, False),
        ({"source_language": "es"}, False),
        ({"source_sha256": "edited"}, False),
        ({"texts": {"es": "Texto."}}, False),
    ],
)
def test_matches(change: dict[str, Any], reused: bool) -> None:
    rec = {**written(SETTINGS, 1, ("es",)), **change}
    assert matches(rec, SETTINGS) is reused


def tasks(plan: Any) -> list[tuple[int, str, bool]]:
    return [(t.index, t.language, t.translation) for t in plan.tasks]


def test_plan_from_nothing_writes_everything_in_order() -> None:
    plan = plan_generation(SETTINGS, {})
    assert tasks(plan) == [(1, "en", False), (1, "es", True), (2, "en", False), (2, "es", True)]
    assert (plan.complete_posts, plan.posts_to_write, plan.translations_to_write) == (0, 2, 2)
    assert sorted(plan.records) == [1, 2]


@pytest.mark.parametrize(
    ("existing", "want", "complete"),
    [
        # both complete: nothing to do
        ({1: ("es",), 2: ("es",)}, [], 2),
        # post 2 lost its translation (killed between source and translation)
        ({1: ("es",), 2: ()}, [(2, "es", True)], 1),
        # post 2 never written
        ({1: ("es",)}, [(2, "en", False), (2, "es", True)], 1),
        # nothing translated yet
        ({1: (), 2: ()}, [(1, "es", True), (2, "es", True)], 0),
    ],
)
def test_plan_resumes(existing: dict[int, tuple[str, ...]], want: list[Any], complete: int) -> None:
    recs = {i: written(SETTINGS, i, langs) for i, langs in existing.items()}
    plan = plan_generation(SETTINGS, recs)
    assert tasks(plan) == want
    assert plan.complete_posts == complete


def test_plan_rewrites_records_of_other_settings_and_keeps_others() -> None:
    old = Settings.from_spec(SPEC.model_copy(update={"seed": 8}), model="gemma-3-270m-q4_k_m")
    recs = {1: written(old, 1, ("es",)), 2: written(SETTINGS, 2, ("es",)), 5: written(SETTINGS, 5, ("es",))}
    plan = plan_generation(SETTINGS, recs)
    assert tasks(plan) == [(1, "en", False), (1, "es", True)]
    assert plan.records[1]["texts"] == {}
    assert plan.records[1]["batch_seed"] == 7
    assert sorted(plan.records) == [1, 2, 5]  # post 5 (beyond count) kept in the file
    assert [i.index for i in plan.items()] == [2]  # post 1 is not written yet, post 5 is not spoken


def test_new_language_adds_translations_only() -> None:
    recs = {i: written(SETTINGS, i, ("es",)) for i in (1, 2)}
    more = Settings.from_spec(SPEC.model_copy(update={"languages": ["en", "es", "ar"]}), SETTINGS.model)
    plan = plan_generation(more, recs)
    assert plan.tasks == (Task(1, "ar", True), Task(2, "ar", True))


def test_parse_records_skips_what_is_not_a_record() -> None:
    good = json.dumps(written(SETTINGS, 1, ()))
    lines = ["", "not json", "[1]", '{"index": "1", "texts": {}}', '{"index": true, "texts": {}}', good]
    assert list(parse_records(lines)) == [1]


def test_render_records_orders_by_index() -> None:
    recs = {2: written(SETTINGS, 2, ()), 1: written(SETTINGS, 1, ())}
    lines = render_records(recs).decode().splitlines()
    assert [json.loads(line)["index"] for line in lines] == [1, 2]
