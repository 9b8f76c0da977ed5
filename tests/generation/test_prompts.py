"""Prompts for a post and its translations: pure, table-tested."""

from __future__ import annotations

import pytest

from voxray_runtime.generation.prompts import (
    ANGLES,
    post_messages,
    prompt_text,
    translation_messages,
    word_budget,
)

BRIEF = "Hotel Mirador in Granada: rooftop pool, Andalusian breakfast, views of the Alhambra."


@pytest.mark.parametrize(
    ("language", "name", "neutral"),
    [
        ("en", "English", "neutral international English"),
        ("es", "Spanish", "neutral international Spanish"),
        ("ar", "Arabic", "Modern Standard Arabic"),
        ("hi", "Hindi", "Devanagari"),
        ("ur", "Urdu", "Perso-Arabic"),
    ],
)
def test_post_prompt_names_language_and_neutral_form(language: str, name: str, neutral: str) -> None:
    (user,) = post_messages(BRIEF, number=3, language=language, max_tokens=160)
    assert user.role == "user"  # instructions and request in one user turn (Gemma has no system role)
    assert neutral in user.content
    assert f"Post number 3 in {name}" in user.content
    assert BRIEF in user.content


@pytest.mark.parametrize(
    ("number", "angle"),
    [(1, ANGLES[0]), (2, ANGLES[1]), (len(ANGLES), ANGLES[-1]), (len(ANGLES) + 1, ANGLES[0])],
)
def test_posts_rotate_angles(number: int, angle: str) -> None:
    assert angle in post_messages(BRIEF, number=number)[0].content


@pytest.mark.parametrize(
    ("max_tokens", "words", "sentences"),
    [
        (16, 12, "two or three"),
        (64, 25, "two or three"),
        (160, 64, "three to five"),
        (400, 160, "three to five"),
    ],
)
def test_length_follows_max_tokens(max_tokens: int, words: int, sentences: str) -> None:
    assert word_budget(max_tokens) == words
    user = post_messages(BRIEF, number=1, max_tokens=max_tokens)[0].content
    assert f"{sentences} short sentences, at most {words} words" in user


def test_prompt_does_not_depend_on_the_count() -> None:
    # raising spec.generate.count must keep the posts already written: the prompt of post 1 is fixed
    assert post_messages(BRIEF, number=1) == post_messages(BRIEF, number=1)
    assert "of " + "2" not in post_messages(BRIEF, number=1)[0].content


def test_tone_is_in_the_prompt() -> None:
    assert "Tone: playful" in post_messages(BRIEF, number=1, tone="playful")[0].content


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"brief": "  ", "number": 1}, "the brief is empty"),
        ({"brief": BRIEF, "number": 0}, "post numbers start at 1"),
        ({"brief": BRIEF, "number": 1, "language": "fr"}, "unsupported language 'fr'"),
    ],
)
def test_post_prompt_refuses(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        post_messages(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "target", "want"),
    [
        ("en", "es", "from English into Spanish"),
        ("en", "ar", "into Arabic"),
        ("es", "en", "from Spanish into English"),
        ("en", "ur", "Urdu (Perso-Arabic) script"),
    ],
)
def test_translation_prompt(source: str, target: str, want: str) -> None:
    (user,) = translation_messages("Welcome to the hotel.", source=source, target=target)
    assert want in user.content
    assert user.content.endswith("Welcome to the hotel.")


@pytest.mark.parametrize(
    ("text", "source", "target", "message"),
    [
        ("", "en", "es", "the text is empty"),
        ("Hola", "es", "es", "both es"),
        ("Hola", "es", "de", "unsupported language 'de'"),
    ],
)
def test_translation_prompt_refuses(text: str, source: str, target: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        translation_messages(text, source=source, target=target)


def test_prompt_text_joins_roles() -> None:
    text = prompt_text(post_messages(BRIEF, number=1))
    assert text.startswith("user: Write a short hotel post")
    assert "\n\nHotel: " in text
