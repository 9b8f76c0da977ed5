"""Avatars: ``{gender}_{locale}``, the locale being the dialect where one exists, else the language.

Pure logic, no I/O. Every function here is table-tested.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

Language = Literal["en", "ar", "es", "hi", "ur"]
Gender = Literal["female", "male"]

LANGUAGES: tuple[str, ...] = get_args(Language)
GENDERS: tuple[str, ...] = get_args(Gender)
#: Dialects per language. A language without dialects has the language itself as its only locale.
DIALECTS: dict[str, tuple[str, ...]] = {
    "en": ("en-US", "en-GB", "en-AU"),
    "ar": ("ar-SA", "ar-EG", "ar-AE"),
    "es": (),
    "hi": (),
    "ur": (),
}


class VoiceError(ValueError):
    """A voice, language, dialect or gender that voxray does not know. The message says what is valid."""

    def __init__(self, message: str, *, field: str = "voice") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, order=True)
class Avatar:
    """One of the 18 voices users ask for: a gender speaking a locale."""

    gender: str
    language: str
    dialect: str | None = None
    #: a custom avatar's own name (a VoiceModel's ``spec.avatars``); None for the 18 built-in ones
    custom: str | None = None

    @property
    def locale(self) -> str:
        return self.dialect or self.language

    @property
    def name(self) -> str:
        return self.custom or f"{self.gender}_{self.locale}"

    @property
    def is_custom(self) -> bool:
        return self.custom is not None

    def __str__(self) -> str:
        return self.name


def locales() -> tuple[str, ...]:
    """All nine locales in a stable order."""
    out: list[str] = []
    for language in LANGUAGES:
        out.extend(DIALECTS[language] or (language,))
    return tuple(out)


ALL_AVATARS: tuple[Avatar, ...] = tuple(
    Avatar(gender, loc.split("-")[0], loc if "-" in loc else None) for loc in locales() for gender in GENDERS
)
_BY_NAME: dict[str, Avatar] = {a.name.lower(): a for a in ALL_AVATARS}


def parse_avatar(name: str) -> Avatar:
    """``female_en-GB`` -> Avatar. Case-insensitive; ``_`` or ``-`` inside the locale both accepted."""
    key = name.strip().lower().replace("en_", "en-").replace("ar_", "ar-")
    if "_" in key:
        gender, _, loc = key.partition("_")
        key = f"{gender}_{loc.replace('_', '-')}"
    avatar = _BY_NAME.get(key)
    if avatar is None:
        raise VoiceError(
            f"unknown avatar {name!r}; avatars are {{gender}}_{{locale}}, one of: "
            + ", ".join(a.name for a in ALL_AVATARS),
            field="avatar",
        )
    return avatar


def _canonical_dialect(language: str, dialect: str) -> str:
    d = dialect.strip().replace("_", "-")
    if "-" not in d:  # "GB" or "gb"
        d = f"{language}-{d}"
    lang, _, region = d.partition("-")
    return f"{lang.lower()}-{region.upper()}"


def resolve_avatar(
    *,
    language: str | None = None,
    dialect: str | None = None,
    gender: str | None = None,
    avatar: str | None = None,
) -> Avatar:
    """Resolve the native API's (language, dialect, gender) or avatar to one Avatar.

    - ``avatar`` wins when given, and must agree with any language/dialect/gender also given.
    - a dialect implies its language; a language with dialects and no dialect takes its first
      (en -> en-US, ar -> ar-SA); gender defaults to female.
    """
    if avatar:
        found = parse_avatar(avatar)
        if language and language.lower() != found.language:
            raise VoiceError(f"avatar {found.name} speaks {found.language}, not {language}", field="language")
        if gender and gender.lower() != found.gender:
            raise VoiceError(f"avatar {found.name} is {found.gender}, not {gender}", field="gender")
        return found
    lang = (language or "").strip().lower() or None
    dia: str | None = None
    if dialect:
        if lang is None:
            lang = dialect.strip().lower().replace("_", "-").split("-")[0]
        dia = _canonical_dialect(lang, dialect)
    if lang is None:
        raise VoiceError("give a language (en, ar, es, hi, ur), a dialect or an avatar", field="language")
    if lang not in DIALECTS:
        raise VoiceError(
            f"unsupported language {lang!r}; supported: {', '.join(LANGUAGES)}", field="language"
        )
    if dia is not None:
        if dia.split("-")[0] != lang:
            raise VoiceError(f"dialect {dialect} is not a dialect of {lang}", field="dialect")
        if dia not in DIALECTS[lang]:
            known = ", ".join(DIALECTS[lang]) or "none (the language has one locale)"
            raise VoiceError(
                f"unsupported dialect {dialect!r} for {lang}; dialects: {known}", field="dialect"
            )
    elif DIALECTS[lang]:
        dia = DIALECTS[lang][0]
    g = (gender or "female").strip().lower()
    if g not in GENDERS:
        raise VoiceError(f"unsupported gender {gender!r}; genders: female, male", field="gender")
    return Avatar(g, lang, dia)


def expand_variants(
    *,
    avatars: Sequence[str] | None = None,
    languages: Iterable[str] | None = None,
    dialects: Iterable[str] | None = None,
    genders: Iterable[str] | None = None,
    all_avatars: bool = False,
) -> tuple[Avatar, ...]:
    """The avatars a batch renders, in catalog order, without duplicates.

    ``all_avatars`` -> all 18. ``avatars`` -> exactly those. Otherwise the product of languages
    (each expanded to all its dialects unless ``dialects`` narrows them) and genders (both by default).
    """
    if all_avatars:
        return ALL_AVATARS
    chosen: set[Avatar] = set()
    if avatars:
        chosen.update(parse_avatar(a) for a in avatars)
    gens = [g.lower() for g in (genders or GENDERS)]
    for g in gens:
        if g not in GENDERS:
            raise VoiceError(f"unsupported gender {g!r}; genders: female, male", field="genders")
    dias = {_canonical_dialect(d.split("-")[0].lower(), d) for d in (dialects or [])}
    for d in dias:
        if not any(d in v for v in DIALECTS.values()):
            raise VoiceError(f"unsupported dialect {d!r}", field="dialects")
    langs = [lang.lower() for lang in (languages or [])]
    if not langs and dias:
        langs = sorted({d.split("-")[0] for d in dias})
    for lang in langs:
        if lang not in DIALECTS:
            raise VoiceError(
                f"unsupported language {lang!r}; supported: {', '.join(LANGUAGES)}", field="languages"
            )
        locs = DIALECTS[lang] or (lang,)
        picked = [loc for loc in locs if loc in dias] if any(d.startswith(lang) for d in dias) else list(locs)
        for loc in picked:
            for g in gens:
                chosen.add(Avatar(g, lang, loc if "-" in loc else None))
    if not avatars and not langs:
        raise VoiceError("no variants: give avatars, languages/dialects, or all", field="variants")
    return tuple(a for a in ALL_AVATARS if a in chosen)
