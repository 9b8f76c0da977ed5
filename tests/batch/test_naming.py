"""File-name templates: allowed fields, format specs, and names that would leave the output directory."""

from __future__ import annotations

import pytest

from voxray_runtime.storage.naming import (
    NamingError,
    check_relative_name,
    extension_for,
    render_name,
    template_fields,
)

VALUES = {
    "index": 7,
    "id": "post_07",
    "gender": "female",
    "locale": "en-GB",
    "language": "en",
    "dialect": "en-GB",
    "avatar": "female_en-GB",
    "ext": "mp3",
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("post_{index:02d}_{gender}_{locale}.{ext}", "post_07_female_en-GB.mp3"),
        ("post_{index:03d}_{avatar}.{ext}", "post_007_female_en-GB.mp3"),
        ("{locale}/{id}_{gender}.{ext}", "en-GB/post_07_female.mp3"),
        ("{language}/{dialect}/{index}-{gender}.mp3", "en/en-GB/7-female.mp3"),
        ("{id:_>10}_{avatar}.{ext}", "___post_07_female_en-GB.mp3"),
        ("a {{literal}} {index}.{ext}", "a {literal} 7.mp3"),
    ],
)
def test_renders(template: str, expected: str) -> None:
    assert render_name(template, VALUES) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("post_{name}.{ext}", "unknown field {name}"),
        ("post_{}.{ext}", "positional"),
        ("post_{0}.{ext}", "positional"),
        ("post_{index!r}.{ext}", "conversions"),
        ("post_{id.upper}.{ext}", "unknown field"),
        ("post_{id[0]}.{ext}", "unknown field"),
        ("post_{index:{width}}.{ext}", "nested"),
        ("post.mp3", "no fields"),
        ("post_{index.{ext}", "not a valid template"),
        ("post_{gender:03d}.{ext}", "cannot render"),
        ("../{avatar}_{index}.{ext}", "'..'"),
        ("{avatar}/../../{index}.{ext}", "'..'"),
        ("/abs/{avatar}_{index}.{ext}", "absolute"),
        ("{avatar}//{index}.{ext}", "empty"),
        ("{avatar}_{index}/", "empty"),
        (".{avatar}_{index}.{ext}", "hidden"),
        ("{avatar}\\{index}.{ext}", "forbidden"),
        ("{avatar}\n{index}.{ext}", "forbidden"),
        ("{avatar} /{index}.{ext}", "spaces"),
        ("{avatar}_{index}" + "x" * 260 + ".{ext}", "longer than 255"),
    ],
)
def test_refuses(template: str, message: str) -> None:
    with pytest.raises(
        NamingError, match=message.replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")
    ):
        render_name(template, VALUES)


def test_field_values_cannot_escape_either() -> None:
    with pytest.raises(NamingError, match=r"'\.\.'"):
        render_name("{id}/{avatar}.{ext}", {**VALUES, "id": ".."})
    with pytest.raises(NamingError, match="absolute"):
        render_name("{dialect}/{avatar}.{ext}", {**VALUES, "dialect": ""})
    with pytest.raises(NamingError, match="empty"):
        render_name("x/{dialect}/{avatar}.{ext}", {**VALUES, "dialect": ""})


def test_template_fields_lists_in_order() -> None:
    assert template_fields("post_{index:02d}_{gender}_{locale}.{ext}") == ["index", "gender", "locale", "ext"]


@pytest.mark.parametrize("name", ["a.mp3", "x/y/z.mp3", "ünïcode ok.mp3", "a..b.mp3"])
def test_safe_relative_names(name: str) -> None:
    assert check_relative_name(name) == name


@pytest.mark.parametrize(("fmt", "ext"), [("mp3", "mp3"), ("wav", "wav"), ("flac", "flac"), ("opus", "opus")])
def test_extensions(fmt: str, ext: str) -> None:
    assert extension_for(fmt) == ext


def test_unknown_format_extension() -> None:
    with pytest.raises(NamingError):
        extension_for("aac")
