"""Output file names: ``str.format`` templates over a fixed set of fields, checked to stay inside the
output directory. Pure: no I/O.

Fields: ``{index}`` (int, format specs such as ``{index:03d}`` work), ``{id}``, ``{gender}``,
``{locale}`` (the dialect where one exists, else the language), ``{language}``, ``{dialect}`` (empty
for languages without dialects), ``{avatar}`` (``female_en-GB``) and ``{ext}`` (the format's extension).
A template may name sub-directories (``{locale}/post_{index:03d}.{ext}``) but never leave the output
directory.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

TEMPLATE_FIELDS: tuple[str, ...] = ("index", "id", "gender", "locale", "language", "dialect", "avatar", "ext")
#: file extension per audio format (Ogg Opus files are conventionally ``.opus``)
EXTENSIONS: dict[str, str] = {"mp3": "mp3", "wav": "wav", "flac": "flac", "opus": "opus"}
_MAX_SEGMENT = 255
_FORBIDDEN_CHARS = frozenset("\\\x00") | frozenset(chr(c) for c in range(32)) | {"\x7f"}


class NamingError(ValueError):
    """A template or rendered name that cannot be used; the message says why."""


def extension_for(fmt: str) -> str:
    try:
        return EXTENSIONS[fmt]
    except KeyError:
        raise NamingError(f"unknown format {fmt!r}; formats: {', '.join(EXTENSIONS)}") from None


def template_fields(template: str) -> list[str]:
    """The fields a template uses, in order; raises NamingError for anything but plain known fields.

    Positional ``{}``, attribute or index access (``{id.x}``, ``{id[0]}``), conversions (``{id!r}``) and
    fields nested inside format specs are refused: a file name needs none of them.
    """
    fields: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise NamingError(f"not a valid template: {exc}") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field == "" or field.isdigit():
            raise NamingError("positional fields ({}) are not allowed; name a field: " + _allowed())
        if conversion:
            raise NamingError(f"conversions such as {{{field}!{conversion}}} are not allowed")
        if spec and ("{" in spec or "}" in spec):
            raise NamingError(f"fields nested in the format spec of {{{field}}} are not allowed")
        if field not in TEMPLATE_FIELDS:
            raise NamingError(f"unknown field {{{field}}}; allowed: {_allowed()}")
        fields.append(field)
    if not fields:
        raise NamingError("the template uses no fields; every item and voice would get the same name")
    return fields


def _allowed() -> str:
    return ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)


def render_name(template: str, values: Mapping[str, object]) -> str:
    """Render and check one name (relative, inside the output directory). Raises NamingError."""
    template_fields(template)
    try:
        name = template.format_map(dict(values))
    except (ValueError, TypeError) as exc:
        raise NamingError(f"cannot render the template with {dict(values)!r}: {exc}") from None
    except KeyError as exc:
        raise NamingError(f"no value for field {exc}") from None
    return check_relative_name(name)


def check_relative_name(name: str) -> str:
    """``name`` unchanged when it is a safe relative path inside the output directory; else NamingError.

    Refused: empty names, absolute paths, ``.`` and ``..`` segments, empty segments (``a//b``, a trailing
    ``/``), hidden segments (a leading ``.``, reserved for temporary files), backslashes and control
    characters, and segments longer than 255 characters.
    """
    if not name or not name.strip():
        raise NamingError("the name is empty")
    if name.startswith("/"):
        raise NamingError(f"{name!r} is an absolute path; names are relative to the output directory")
    bad = sorted({c for c in name if c in _FORBIDDEN_CHARS})
    if bad:
        raise NamingError(f"{name!r} contains forbidden characters {bad!r} (backslash or control characters)")
    for segment in name.split("/"):
        if segment in ("", ".", ".."):
            raise NamingError(f"{name!r} has an empty, '.' or '..' path segment (leaves its directory)")
        if segment.startswith("."):
            raise NamingError(f"{name!r} has a hidden segment {segment!r} (leading '.')")
        if segment != segment.strip():
            raise NamingError(f"{name!r} has a path segment with leading or trailing spaces")
        if len(segment.encode("utf-8")) > _MAX_SEGMENT:
            raise NamingError(f"{name!r} has a path segment longer than {_MAX_SEGMENT} bytes")
    return name
