"""Supported languages, dialect resolution and the package's error type.

Languages are ISO 639-1 codes.  A dialect is a BCP 47 tag of the same language
("en-US", "en-GB", "ar-EG", "es-MX"); only its region subtag is used, for the
few conventions that differ by region (numeric date order, spelling, "$").
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "ar", "es", "hi", "ur")

#: Regions whose Spanish uses "$" for the local peso rather than the US dollar.
PESO_REGIONS: frozenset[str] = frozenset({"MX", "AR", "CL", "CO", "UY", "DO", "CU", "PH"})


class TextError(ValueError):
    """Input the text front-end cannot handle: an unsupported language or a bad argument."""


@dataclass(frozen=True, slots=True)
class Locale:
    """A supported language plus an optional upper-case region ("US", "GB", "EG", "419")."""

    language: str
    region: str | None = None

    @property
    def month_first(self) -> bool:
        """Numeric dates read month/day (only US English); everywhere else day/month."""
        return self.language == "en" and self.region == "US"


def _unsupported(language: str) -> TextError:
    supported = ", ".join(SUPPORTED_LANGUAGES)
    return TextError(f"unsupported language {language!r}; supported languages: {supported}")


def _region_of(subtags: list[str]) -> str | None:
    for subtag in subtags:
        if (len(subtag) == 2 and subtag.isalpha()) or (len(subtag) == 3 and subtag.isdigit()):
            return subtag.upper()
    return None


def resolve_locale(language: str, dialect: str | None = None) -> Locale:
    """Validate ``language`` and pull the region out of ``dialect``.

    Matching is case-insensitive and accepts "_" for "-".  A language given with a region
    ("en-US") is accepted as if that tag were the dialect.  A dialect of another language
    is a caller bug and raises :class:`TextError`.
    """
    tag = language.strip().replace("_", "-").lower()
    base, *rest = tag.split("-") if tag else [""]
    if base not in SUPPORTED_LANGUAGES:
        raise _unsupported(language)
    region = _region_of(rest)
    if dialect is not None and dialect.strip():
        dialect_tags = dialect.strip().replace("_", "-").split("-")
        if len(dialect_tags) == 1 and dialect_tags[0].lower() != base:
            dialect_region = _region_of(dialect_tags)  # a bare region such as "US"
        elif dialect_tags[0].lower() == base:
            dialect_region = _region_of(dialect_tags[1:])
        else:
            raise TextError(f"dialect {dialect!r} does not belong to language {base!r}")
        region = dialect_region or region
    return Locale(base, region)
