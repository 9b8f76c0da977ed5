"""The public API: exports, language validation and argument errors."""

from collections.abc import Callable

import pytest

import voxray_runtime.text as text_api
from voxray_runtime.text import (
    SUPPORTED_LANGUAGES,
    TextError,
    normalize,
    number_to_words,
    prepare,
    split_sentences,
)


def test_supported_languages() -> None:
    assert SUPPORTED_LANGUAGES == ("en", "ar", "es", "hi", "ur")
    assert set(text_api.__all__) >= {
        "normalize",
        "split_sentences",
        "prepare",
        "number_to_words",
        "TextError",
    }


@pytest.mark.parametrize(
    "call",
    [
        lambda: normalize("hello", "fr"),
        lambda: split_sentences("hello", "fr"),
        lambda: prepare("hello", "fr"),
        lambda: number_to_words(5, "fr"),
    ],
    ids=["normalize", "split_sentences", "prepare", "number_to_words"],
)
def test_unsupported_language_is_a_text_error(call: Callable[[], object]) -> None:
    with pytest.raises(TextError, match=r"'fr'.*en, ar, es, hi, ur"):
        call()


def test_text_error_is_a_value_error() -> None:
    assert issubclass(TextError, ValueError)


def test_language_codes_are_case_insensitive_and_may_carry_a_region() -> None:
    assert normalize("12/31", "EN-us") == normalize("12/31", "en", "en-US") == "December thirty-first"


def test_dialect_of_another_language_is_rejected() -> None:
    with pytest.raises(TextError, match="does not belong"):
        normalize("hola", "es", "en-US")


def test_max_chars_must_be_positive() -> None:
    with pytest.raises(TextError, match="max_chars"):
        split_sentences("hello", "en", max_chars=0)


def test_empty_text() -> None:
    assert normalize("", "en") == ""
    assert prepare("", "ur") == []
