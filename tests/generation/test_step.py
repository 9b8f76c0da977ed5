"""The generation step's own paths that a real model cannot be made to take on demand, over the real
HTTP client against the loopback server: refused answers asked for again with the next seed, a post that
never comes right recorded as failed and left unspoken, a TextModel that stays busy stopping the run with
what was written kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.generation.client import HttpTextClient, TextModelBusyError
from voxray_runtime.generation.plan import plan_generation
from voxray_runtime.generation.records import Settings, post_seed
from voxray_runtime.generation.step import generate_posts
from voxray_runtime.spec.speechbatch import GenerateSpec

from .conftest import Scripted, chat_body

SPEC = GenerateSpec(brief="A seaside hotel.", count=2, languages=["en", "es"], seed=7, maxTokens=64)
SETTINGS = Settings.from_spec(SPEC, model="gemma-3-270m-q4_k_m")


def client(url: str) -> HttpTextClient:
    return HttpTextClient(url, SETTINGS.model, sleep=lambda _s: None, max_attempts=2)


def lines(out: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (out / "posts.jsonl").read_text(encoding="utf-8").splitlines()]


def test_refused_answers_are_asked_for_again_with_the_next_seed(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, script = server
    script.replies = [
        (200, {}, chat_body("Here is your post:\n\n#hotel<end_of_turn>")),  # empty once cleaned
        (200, {}, chat_body("**Sea Views**\nWake up to the sound of the waves.")),
        (200, {}, chat_body("Welcome to the hotel where every", finish_reason="length")),  # runaway
        (200, {}, chat_body("Despierte con el sonido de las olas.")),
        (200, {}, chat_body("Breakfast is served on the terrace.")),
        (200, {}, chat_body("El desayuno se sirve en la terraza.")),
    ]
    said: list[str] = []
    result = generate_posts(plan_generation(SETTINGS, {}), client(url), tmp_path, say=said.append)
    assert (result.posts_written, result.translations_written, result.rejected) == (2, 2, 2)
    assert result.failures == []
    seeds = [r["json"]["seed"] for r in script.requests]
    assert seeds == [
        post_seed(7, 1, "en", 1),
        post_seed(7, 1, "en", 2),
        post_seed(7, 1, "es", 1),
        post_seed(7, 1, "es", 2),
        post_seed(7, 2, "en", 1),
        post_seed(7, 2, "es", 1),
    ]
    first, second = lines(tmp_path)
    assert first["texts"] == {
        "en": "Wake up to the sound of the waves.",
        "es": "Despierte con el sonido de las olas.",
    }
    assert first["seeds"] == {"en": post_seed(7, 1, "en", 2), "es": post_seed(7, 1, "es", 2)}
    assert first["seed"] == post_seed(7, 1, "en")
    assert second["texts"]["es"] == "El desayuno se sirve en la terraza."
    assert [i.index for i in result.items] == [1, 2]
    assert any("answer 1 refused (empty:" in m for m in said)
    assert any("answer 1 refused (runaway:" in m for m in said)


def test_a_post_that_never_comes_right_is_recorded_and_not_spoken(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, script = server
    script.replies = [
        (200, {}, chat_body("Breakfast is at seven.")),
        (200, {}, chat_body("Breakfast is at seven.")),  # untranslated
        (200, {}, chat_body("Breakfast is at seven.")),
        (200, {}, chat_body("The spa opens at ten.")),
        (200, {}, chat_body("El spa abre a las diez.")),
    ]
    result = generate_posts(
        plan_generation(SETTINGS, {}), client(url), tmp_path, max_attempts=2, say=lambda _m: None
    )
    assert len(result.failures) == 1
    failure = result.failures[0]
    assert (failure["index"], failure["language"], failure["kind"], failure["attempts"]) == (
        1,
        "es",
        "translation",
        2,
    )
    assert failure["error"].startswith("untranslated:")
    assert [i.index for i in result.items] == [2]  # every voice speaks the same posts
    assert lines(tmp_path)[0]["texts"] == {"en": "Breakfast is at seven."}  # kept: a rerun translates it
    again = plan_generation(SETTINGS, {int(r["index"]): r for r in lines(tmp_path)})
    assert [(t.index, t.language) for t in again.tasks] == [(1, "es")]


def test_busy_model_stops_the_run_keeping_what_was_written(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, script = server
    script.replies = [
        (200, {}, chat_body("The pool is warm all year.")),
        (503, {"retry-after": "0"}, {"detail": "all sequences busy"}),
    ]
    with pytest.raises(TextModelBusyError, match="all sequences busy"):
        generate_posts(plan_generation(SETTINGS, {}), client(url), tmp_path, say=lambda _m: None)
    assert [r["texts"] for r in lines(tmp_path)] == [{"en": "The pool is warm all year."}]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_without_an_output_directory_nothing_is_written(server: tuple[str, Scripted], tmp_path: Path) -> None:
    url, script = server
    script.replies = [
        (200, {}, chat_body("The pool is warm all year.")),
        (200, {}, chat_body("La piscina está templada.")),
    ]
    plan = plan_generation(SETTINGS, {}, indexes=[1])
    result = generate_posts(plan, client(url), None, say=lambda _m: None)
    assert result.path is None
    assert result.records[1]["texts"] == {
        "en": "The pool is warm all year.",
        "es": "La piscina está templada.",
    }
