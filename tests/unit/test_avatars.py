"""Avatars and their resolution from the native API's fields (pure, table-driven)."""

from __future__ import annotations

import pytest

from voxray_runtime.voices import (
    ALL_AVATARS,
    Avatar,
    VoiceError,
    expand_variants,
    parse_avatar,
    resolve_avatar,
)


def test_eighteen_avatars_in_a_stable_order() -> None:
    names = [a.name for a in ALL_AVATARS]
    assert len(names) == 18 == len(set(names))
    assert names[:6] == [
        "female_en-US",
        "male_en-US",
        "female_en-GB",
        "male_en-GB",
        "female_en-AU",
        "male_en-AU",
    ]
    assert names[-2:] == ["female_ur", "male_ur"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("female_en-GB", Avatar("female", "en", "en-GB")),
        ("MALE_AR-EG", Avatar("male", "ar", "ar-EG")),
        ("female_en_gb", Avatar("female", "en", "en-GB")),
        (" male_es ", Avatar("male", "es", None)),
        ("female_ur", Avatar("female", "ur", None)),
    ],
)
def test_parse_avatar(text: str, expected: Avatar) -> None:
    assert parse_avatar(text) == expected


@pytest.mark.parametrize("bad", ["female_fr", "female", "robot_en-US", "female_en-NZ", "", "female_es-MX"])
def test_parse_avatar_rejects(bad: str) -> None:
    with pytest.raises(VoiceError, match="unknown avatar"):
        parse_avatar(bad)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"language": "en"}, "female_en-US"),
        ({"language": "ar", "gender": "male"}, "male_ar-SA"),
        ({"dialect": "en-GB"}, "female_en-GB"),
        ({"dialect": "ar_eg", "gender": "male"}, "male_ar-EG"),
        ({"language": "en", "dialect": "AU"}, "female_en-AU"),
        ({"language": "hi", "gender": "male"}, "male_hi"),
        ({"language": "UR"}, "female_ur"),
        ({"avatar": "male_es", "language": "es"}, "male_es"),
    ],
)
def test_resolve_avatar(kwargs: dict[str, str], expected: str) -> None:
    assert resolve_avatar(**kwargs).name == expected


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({}, "language", "give a language"),
        ({"language": "fr"}, "language", "unsupported language"),
        ({"language": "en", "dialect": "en-NZ"}, "dialect", "unsupported dialect"),
        ({"language": "es", "dialect": "ar-EG"}, "dialect", "not a dialect"),
        ({"language": "es", "dialect": "es-MX"}, "dialect", "dialects: none"),
        ({"language": "en", "gender": "other"}, "gender", "unsupported gender"),
        ({"avatar": "female_es", "gender": "male"}, "gender", "is female"),
        ({"avatar": "female_es", "language": "en"}, "language", "speaks es"),
    ],
)
def test_resolve_avatar_errors_name_the_field(kwargs: dict[str, str], field: str, words: str) -> None:
    with pytest.raises(VoiceError, match=words) as info:
        resolve_avatar(**kwargs)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"all_avatars": True}, 18),
        ({"languages": ["en"]}, 6),
        ({"languages": ["ar"], "genders": ["male"]}, 3),
        ({"dialects": ["en-GB", "ar-EG"]}, 4),
        ({"languages": ["en", "es"], "dialects": ["en-AU"]}, 4),
        ({"avatars": ["female_hi", "male_hi", "female_hi"]}, 2),
        ({"languages": ["hi", "ur"], "genders": ["female"]}, 2),
    ],
)
def test_expand_variants(kwargs: dict[str, object], expected: int) -> None:
    got = expand_variants(**kwargs)  # type: ignore[arg-type]
    assert len(got) == expected
    assert list(got) == sorted(got, key=list(ALL_AVATARS).index)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "variants"),
        ({"languages": ["fr"]}, "languages"),
        ({"dialects": ["en-NZ"]}, "dialects"),
        ({"languages": ["en"], "genders": ["x"]}, "genders"),
        ({"avatars": ["male_fr"]}, "avatar"),
    ],
)
def test_expand_variants_errors(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(VoiceError) as info:
        expand_variants(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
