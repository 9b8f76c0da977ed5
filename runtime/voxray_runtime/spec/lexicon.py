"""Lexicon: a brand's pronunciation entries, per language, with a version the manifests record.

An entry says a word (or several) as other text (``alias``) or as phonemes (``ipa``). Matching is on whole
words, case-insensitive unless the entry sets ``caseSensitive`` (the rules in full:
:mod:`voxray_runtime.text.pronounce`). The same document is a ``Lexicon`` custom resource and a local file
(``-f``); requests add entries inline (``pronunciations``) in the same form.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal, Protocol

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from voxray_runtime.spec.common import SpecModel

Language = Literal["en", "ar", "es", "hi", "ur"]
#: what an entry matches: no leading or trailing space, no line break, at most 100 characters
EntryText = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^\S(?:[^\n\r\t]*\S)?$")]
#: IPA: no markup characters, at most 200 characters
Ipa = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^<>&\"\n\r\t]+$")]
MAX_ENTRIES = 5000
#: a Lexicon's name as VoiceModels and SpeechBatches give it (a Kubernetes resource name)
LexiconName = Annotated[
    str, StringConstraints(min_length=1, max_length=253, pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
]
#: most lexicons one VoiceModel or SpeechBatch names
MAX_LEXICONS = 16


class EntryLike(Protocol):
    """What uniqueness looks at in an entry (a LexiconEntry, or a request's pronunciation)."""

    @property
    def text(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def case_sensitive(self) -> bool: ...


def _one_of_alias_or_ipa(schema: dict[str, Any]) -> None:
    """The schema says what the validator checks: exactly one of ``alias`` and ``ipa``, neither null."""
    props = schema.get("properties", {})
    for name in ("alias", "ipa"):
        branches = props.get(name, {}).pop("anyOf", None)
        if branches:
            props[name].update(next(b for b in branches if b.get("type") != "null"))
        props.get(name, {}).pop("default", None)
    if "alias" in props:  # not blank: at least one character that is not white space
        props["alias"]["pattern"] = r"\S"
    schema["oneOf"] = [{"required": ["alias"]}, {"required": ["ipa"]}]


class LexiconEntry(SpecModel):
    """Say ``text`` as ``alias`` (other text in the same language) or as ``ipa`` (phonemes)."""

    model_config = ConfigDict(json_schema_extra=_one_of_alias_or_ipa)

    text: EntryText
    language: Language
    alias: str | None = Field(default=None, min_length=1, max_length=200)
    ipa: Ipa | None = None
    #: match only as written (default: case-insensitive)
    case_sensitive: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> LexiconEntry:
        if (self.alias is None) == (self.ipa is None):
            raise ValueError(f"entry {self.text!r}: give exactly one of alias or ipa")
        if self.alias is not None and not self.alias.strip():
            raise ValueError(f"entry {self.text!r}: alias is blank")
        return self

    @property
    def key(self) -> tuple[str, str]:
        return entry_key(self)

    def digest(self) -> str:
        """A short hash of the entry (what the resume rule compares to find changed entries)."""
        return _hash(self.to_wire())


class LexiconSpec(SpecModel):
    entries: list[LexiconEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)

    @model_validator(mode="after")
    def _unique(self) -> LexiconSpec:
        check_unique(self.entries, where="entries")
        return self

    @property
    def version(self) -> str:
        """``sha256:`` + 16 hex digits over the entries in a canonical order: equal sets, equal versions."""
        return entries_version(self.entries)


def entry_key(e: EntryLike) -> tuple[str, str]:
    """What two entries must not share: language and text (case-folded unless case-sensitive)."""
    return (e.language, e.text if e.case_sensitive else e.text.casefold())


def check_unique(entries: Sequence[EntryLike], *, where: str) -> None:
    seen: dict[tuple[str, str], int] = {}
    for i, e in enumerate(entries):
        key = entry_key(e)
        if key in seen:
            raise ValueError(
                f"{where}[{i}] ({e.text!r}, {e.language}) repeats {where}[{seen[key]}]"
                + ("" if e.case_sensitive else " (matching is case-insensitive)")
            )
        seen[key] = i


def _hash(data: object) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def entries_version(entries: Iterable[LexiconEntry]) -> str:
    return _hash(sorted(e.digest() for e in entries))


def changed_entries(old: Iterable[LexiconEntry], new: Iterable[LexiconEntry]) -> list[LexiconEntry]:
    """Entries added, removed or changed between two versions (an item whose text uses one re-renders)."""
    before = {e.key: e for e in old}
    after = {e.key: e for e in new}
    out = [e for k, e in after.items() if k not in before or before[k].digest() != e.digest()]
    return out + [e for k, e in before.items() if k not in after]


def lexicons_field() -> Any:
    """``spec.lexicons`` of a VoiceModel or SpeechBatch: Lexicon names, the first listed winning."""
    return Field(default_factory=list, max_length=MAX_LEXICONS)


def check_lexicon_names(names: Sequence[str]) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"lexicons names {', '.join(repeated)} more than once")


class LexiconNotFoundError(ValueError):
    """A named lexicon is not there (``missing`` lists every one)."""

    def __init__(self, missing: Sequence[str], known: Iterable[str]) -> None:
        self.missing = list(missing)
        have = ", ".join(sorted(known)) or "none"
        super().__init__(f"no Lexicon named {', '.join(self.missing)} (lexicons here: {have})")


def resolve_lexicons(names: Sequence[str], lexicons: Mapping[str, LexiconSpec]) -> list[LexiconEntry]:
    """The entries of the named lexicons merged in precedence order: where two lexicons have an entry of the
    same text and language (and case rule), the one listed FIRST in ``names`` wins. Request entries
    (``pronunciations``) come after these and override them. LexiconNotFoundError names every missing one."""
    missing = [n for n in names if n not in lexicons]
    if missing:
        raise LexiconNotFoundError(missing, lexicons)
    seen: set[tuple[str, str]] = set()
    out: list[LexiconEntry] = []
    for name in names:
        for e in lexicons[name].entries:
            if e.key not in seen:
                seen.add(e.key)
                out.append(e)
    return out


class ResolvedLexicon(SpecModel):
    """The entries a model or batch applies (its lexicons merged), with their names and version: what the
    serving app's ``user_config`` carries and a manifest row records."""

    names: list[str] = Field(default_factory=list, max_length=MAX_LEXICONS)
    entries: list[LexiconEntry] = Field(default_factory=list, max_length=MAX_ENTRIES * MAX_LEXICONS)

    @property
    def version(self) -> str:
        return entries_version(self.entries)

    @classmethod
    def of(cls, names: Sequence[str], lexicons: Mapping[str, LexiconSpec]) -> ResolvedLexicon:
        return cls(names=list(names), entries=resolve_lexicons(names, lexicons))
