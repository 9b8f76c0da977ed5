"""Cleaning model output: what is removed, what is kept, what is rejected (and why). Pure."""

from __future__ import annotations

import pytest

from voxray_runtime.generation.clean import OutputRejectedError, clean_output, script_share, trim_to_sentence


@pytest.mark.parametrize(
    ("raw", "language", "want"),
    [
        ("Welcome to the hotel.", "en", "Welcome to the hotel."),
        ("Welcome to the hotel.<end_of_turn>", "en", "Welcome to the hotel."),
        ("<start_of_turn>model\nWelcome back.<end_of_turn>\n", "en", "Welcome back."),
        ("<|im_start|>assistant\nWelcome back.<|im_end|>", "en", "Welcome back."),
        ("Here is your post:\n\nWelcome to the hotel.", "en", "Welcome to the hotel."),
        ("Sure! Here's a post for the hotel:\nWelcome.", "en", "Welcome."),
        ('"Welcome to the hotel."', "en", "Welcome to the hotel."),
        ("“Welcome to the hotel.”", "en", "Welcome to the hotel."),
        ("«Bienvenidos al hotel.»", "es", "Bienvenidos al hotel."),
        ('"Stay" and "relax" here.', "en", '"Stay" and "relax" here.'),
        ("## Spa Day\nRelax in our spa.", "en", "Relax in our spa."),
        ("**Spa Day**\n\nRelax in our spa.", "en", "Relax in our spa."),
        ("**Welcome!**\nCome in.", "en", "Welcome! Come in."),
        ("Enjoy **fresh** bread and *local* honey.", "en", "Enjoy fresh bread and local honey."),
        ("Post 2: Breakfast is at seven.", "en", "Breakfast is at seven."),
        ("Translation: Bienvenidos.", "es", "Bienvenidos."),
        ("- Pool open.\n- Bar open.", "en", "Pool open. Bar open."),
        ("Sunny days ahead! 🌞☀️ Book now.", "en", "Sunny days ahead! Book now."),
        ("Relax with us.\n\n#travel #hotel #spa", "en", "Relax with us."),
        ("Enjoy #Granada tonight.", "en", "Enjoy Granada tonight."),
        ("Relax with us.\nNote: I kept it short.", "en", "Relax with us."),
        ("مرحبا بكم في فندقنا.", "ar", "مرحبا بكم في فندقنا."),
        ("हमारे होटल में आपका स्वागत है।", "hi", "हमारे होटल में आपका स्वागत है।"),
        ("ہمارے ہوٹل میں خوش آمدید۔", "ur", "ہمارے ہوٹل میں خوش آمدید۔"),
        ("Visit the Alhambra. ¡Olé! ", "en", "Visit the Alhambra. ¡Olé!"),
        (
            "Okay, here are two options:\n\n**Option 1:**\nWake up to the sea.\n\n**Option 2:**\nDine on the roof.",
            "en",
            "Wake up to the sea.",
        ),
        ("Wake up to the sea.\n\n---\n\nI hope this helps! Let me know.", "en", "Wake up to the sea."),
        ("Wake up to the sea.\nLet me know if you would like another version.", "en", "Wake up to the sea."),
        ("Post 1 of our series is here. Enjoy it.", "en", "Post 1 of our series is here. Enjoy it."),
        ("Option 1 (warm):\nStay with us.\nOption 2 (short):\nCome in.", "en", "Stay with us."),
        (
            "Option 1 is the sea view. Option 2 is the garden.",
            "en",
            "Option 1 is the sea view. Option 2 is the garden.",
        ),
    ],
)
def test_cleaned(raw: str, language: str, want: str) -> None:
    assert clean_output(raw, language) == want


@pytest.mark.parametrize(
    ("raw", "language", "kwargs", "reason"),
    [
        ("", "en", {}, "empty"),
        ("<end_of_turn>", "en", {}, "empty"),
        ("Here is your post:\n\n#hotel #travel", "en", {}, "empty"),
        ("🌞🌞🌞", "en", {}, "empty"),
        ("Welcome to the hotel where every", "en", {"truncated": True}, "runaway"),
        ("Book now. Book now. Book now. Book now.", "en", {}, "repetitive"),
        ("Welcome to the hotel.", "ar", {}, "wrong_script"),
        ("Welcome to the hotel.", "hi", {}, "wrong_script"),
        ("مرحبا بكم في فندقنا.", "es", {}, "wrong_script"),
        ("Welcome  to the hotel.", "es", {"source_text": "Welcome to the hotel."}, "untranslated"),
        ("Welcome to the hotel. Enjoy the pool and the bar.", "es", {}, "wrong_language"),
        ("Bienvenidos al hotel. Disfrute de la piscina y del bar.", "en", {}, "wrong_language"),
        (
            "You write short social media posts for a hotel. Use plain sentences only, no lists.",
            "en",
            {
                "instructions": "user: You write short social media posts for a hotel. Use plain sentences only, no lists."
            },
            "echo",
        ),
    ],
)
def test_rejected(raw: str, language: str, kwargs: dict[str, object], reason: str) -> None:
    with pytest.raises(OutputRejectedError) as info:
        clean_output(raw, language, **kwargs)  # type: ignore[arg-type]
    assert info.value.reason == reason
    assert str(info.value)


def test_echoed_sentences_are_dropped() -> None:
    raw = "Write a post for a hotel in Spain today. Our rooftop opens at six. Enjoy the view."
    assert clean_output(raw, "en", instructions="user: Write a post for a hotel in Spain today.") == (
        "Our rooftop opens at six. Enjoy the view."
    )


def test_names_from_the_brief_are_no_echo() -> None:
    text = "Hotel Mirador welcomes you to Granada."
    assert (
        clean_output(text, "en", instructions="Write a post for a hotel in Spain. Hotel Mirador Granada.")
        == text
    )


def test_truncated_keeps_complete_sentences() -> None:
    assert clean_output("Welcome. The pool opens at", "en", truncated=True) == "Welcome."
    assert clean_output("مرحبا بكم. هل تريد؟ المسبح", "ar", truncated=True) == "مرحبا بكم. هل تريد؟"


@pytest.mark.parametrize(
    ("text", "want"),
    [("A. B", "A."), ("A! B? C", "A! B?"), ("no end", ""), ("सुबह है। और", "सुबह है।"), ("ok…", "ok…")],
)
def test_trim_to_sentence(text: str, want: str) -> None:
    assert trim_to_sentence(text) == want


@pytest.mark.parametrize(
    ("text", "script", "share"),
    [("abc", "LATIN", 1.0), ("abc مرح", "LATIN", 0.5), ("123 !", "ARABIC", 1.0), ("ab", "DEVANAGARI", 0.0)],
)
def test_script_share(text: str, script: str, share: float) -> None:
    assert script_share(text, script) == pytest.approx(share)


def test_unsupported_language() -> None:
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        clean_output("Bonjour.", "fr")
