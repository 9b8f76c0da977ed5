"""Voices: avatars (gender x locale), and the catalog binding each avatar to an engine speaker."""

from voxray_runtime.voices.avatars import (
    ALL_AVATARS,
    DIALECTS,
    GENDERS,
    LANGUAGES,
    Avatar,
    VoiceError,
    expand_variants,
    parse_avatar,
    resolve_avatar,
)
from voxray_runtime.voices.catalog import (
    ENGINE_BINDINGS,
    OPENAI_VOICE_ALIASES,
    Catalog,
    VoiceBinding,
    default_binding,
)

__all__ = [
    "ALL_AVATARS",
    "DIALECTS",
    "ENGINE_BINDINGS",
    "GENDERS",
    "LANGUAGES",
    "OPENAI_VOICE_ALIASES",
    "Avatar",
    "Catalog",
    "VoiceBinding",
    "VoiceError",
    "default_binding",
    "expand_variants",
    "parse_avatar",
    "resolve_avatar",
]
