"""Completion-style prompts (few-shot documents and their stop sequences) for a base model: pure,
table-tested; and the HTTP client's /v1/completions request."""

from __future__ import annotations

import pytest

from voxray_runtime.generation.clean import SCRIPTS, script_share
from voxray_runtime.generation.client import HttpTextClient, parse_completion
from voxray_runtime.generation.prompts import (
    ANGLES,
    EXAMPLE_POSTS,
    EXAMPLE_SENTENCES,
    LANGUAGE_NAMES,
    PROMPT_VERSION,
    Prompt,
    post_document,
    post_prompt,
    prompt_text,
    translation_document,
    translation_prompt,
)
from voxray_runtime.generation.step import echo_reference

from .conftest import Scripted

BRIEF = "Hotel Mirador in Granada: rooftop pool,\n  Andalusian breakfast."


def test_prompt_version_is_bumped_for_the_documents() -> None:
    assert PROMPT_VERSION == 3


def test_post_document_ends_with_the_brief_topic_and_label() -> None:
    doc = post_document(BRIEF, number=2)
    assert doc.endswith(
        f"\n\nHotel: Hotel Mirador in Granada: rooftop pool, Andalusian breakfast.\nTopic: {ANGLES[1]}\nPost:"
    )
    # every example is one paragraph, separated by blank lines: "\n\n" ends the model's post
    for brief, angle, post in EXAMPLE_POSTS:
        assert f"Hotel: {brief}\nTopic: {angle}\nPost: {post}\n\n" in doc
        assert "\n" not in post
    assert doc.count("\n\n") == len(EXAMPLE_POSTS) + 1


@pytest.mark.parametrize(
    ("number", "angle"), [(1, ANGLES[0]), (len(ANGLES), ANGLES[-1]), (len(ANGLES) + 1, ANGLES[0])]
)
def test_post_document_rotates_angles(number: int, angle: str) -> None:
    assert post_document(BRIEF, number=number).endswith(f"Topic: {angle}\nPost:")


@pytest.mark.parametrize(("language", "label"), [("en", "\nPost:"), ("es", "\nPost (Spanish):")])
def test_post_document_labels_the_language(language: str, label: str) -> None:
    assert post_document(BRIEF, number=1, language=language).endswith(label)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"brief": " ", "number": 1}, "the brief is empty"),
        ({"brief": BRIEF, "number": 0}, "start at 1"),
        ({"brief": BRIEF, "number": 1, "language": "de"}, "unsupported language 'de'"),
    ],
)
def test_post_document_refuses(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        post_document(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "target"), [("en", "es"), ("en", "ar"), ("en", "hi"), ("en", "ur"), ("es", "en")]
)
def test_translation_document_pairs_each_language_in_its_script(source: str, target: str) -> None:
    text = "Welcome to the hotel.\nEnjoy your stay."
    doc = translation_document(text, source=source, target=target)
    src, dst = LANGUAGE_NAMES[source], LANGUAGE_NAMES[target]
    assert doc.endswith(f"\n\n{src}: Welcome to the hotel. Enjoy your stay.\n{dst}:")
    for a, b in zip(EXAMPLE_SENTENCES[source], EXAMPLE_SENTENCES[target], strict=True):
        assert f"{src}: {a}\n{dst}: {b}\n\n" in doc
        assert script_share(b, SCRIPTS[target]) == 1.0


def test_example_sentences_cover_every_language() -> None:
    assert set(EXAMPLE_SENTENCES) == set(LANGUAGE_NAMES)


@pytest.mark.parametrize(
    ("text", "source", "target", "message"),
    [("", "en", "es", "the text is empty"), ("Hola", "es", "es", "both es"), ("Hola", "es", "de", "'de'")],
)
def test_translation_document_refuses(text: str, source: str, target: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        translation_document(text, source=source, target=target)


@pytest.mark.parametrize(
    ("prompt", "stop"),
    [
        (post_prompt(BRIEF, number=1), ("\n\n", "\nHotel:")),
        (translation_prompt("Welcome.", source="en", target="ar"), ("\n\n", "\nEnglish:", "\nArabic:")),
        (translation_prompt("Hola.", source="es", target="en"), ("\n\n", "\nSpanish:", "\nEnglish:")),
    ],
)
def test_completion_prompts_stop_at_the_next_label(prompt: Prompt, stop: tuple[str, ...]) -> None:
    assert (prompt.style, prompt.stop, prompt.messages) == ("completion", stop, ())
    assert prompt.text == prompt.document
    # a stop sequence never occurs in the part the model writes after the last label
    assert not any(s in prompt.document.rsplit("\n", 1)[1] for s in stop)


def test_chat_style_keeps_the_instruction_messages() -> None:
    prompt = post_prompt(BRIEF, number=1, style="chat")
    assert (prompt.style, prompt.document, prompt.stop) == ("chat", "", ())
    assert prompt.text == prompt_text(prompt.messages)
    assert "Write a short hotel post" in prompt.messages[0].content
    tr = translation_prompt("Welcome.", source="en", target="es", style="chat")
    assert tr.messages[0].content.endswith("Welcome.")


@pytest.mark.parametrize(
    ("prompt", "own"),
    [
        (post_prompt(BRIEF, number=1), BRIEF),
        (translation_prompt("Welcome  to the hotel.", source="en", target="es"), "Welcome  to the hotel."),
        (post_prompt(BRIEF, number=1, style="chat"), BRIEF),
    ],
)
def test_echo_reference_leaves_out_the_brief_or_source(prompt: Prompt, own: str) -> None:
    ref = echo_reference(prompt, own)
    assert "Mirador" not in ref
    assert "Welcome  to" not in ref
    assert "Welcome to the hotel" not in ref


def test_parse_completion_reads_a_text_choice() -> None:
    body = {"choices": [{"text": " Welcome.", "finish_reason": "length"}], "usage": {"completion_tokens": 2}}
    got = parse_completion(body, "m")
    assert (got.text, got.truncated, got.completion_tokens, got.model) == (" Welcome.", True, 2, "m")


def test_complete_posts_the_document_and_stops(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.replies = [(200, {}, {"choices": [{"text": " Welcome.", "finish_reason": "stop"}]})]
    c = HttpTextClient(url, "gemma-3-270m-q4_k_m")
    assert c.style == "completion"
    got = c.complete("Hotel: x\nPost:", stop=["\n\n"], max_tokens=32, temperature=0.7, seed=5)
    c.close()
    assert got.text == " Welcome."
    (req,) = script.requests
    assert req["path"] == "/v1/completions"
    assert req["json"] == {
        "model": "gemma-3-270m-q4_k_m",
        "prompt": "Hotel: x\nPost:",
        "stop": ["\n\n"],
        "max_tokens": 32,
        "temperature": 0.7,
        "seed": 5,
        "stream": False,
    }
    assert HttpTextClient(url, "m", style="chat").style == "chat"
