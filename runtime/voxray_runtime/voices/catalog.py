"""The voice catalog: which engine speaker each avatar resolves to, and which are declared fallbacks.

Pure data and pure functions. An avatar is served by a VoiceModel (a named engine instance); several
models can serve the same avatar, and a true voice is preferred over a declared fallback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from voxray_runtime.voices.avatars import ALL_AVATARS, Avatar, VoiceError, parse_avatar
from voxray_runtime.voices.blend import KOKORO_PACKAGED_VOICES, parse_blend, speaker_of


@dataclass(frozen=True)
class SpeakerDefault:
    """How an engine speaks one avatar by default."""

    speaker: str
    #: the engine's own language code (e.g. espeak/phonemizer ``en-us``, ``en`` for British, ``ur``)
    engine_language: str
    #: None for a true voice; otherwise the declared approximation, said in every response and listing
    fallback: str | None = None


_EN_AU = "no Australian English voice exists in the packaged weights; British English voice used"
_UR_KOKORO = "no Urdu neural voice exists; a Kokoro Hindi voice speaks Urdu phonemes (espeak-ng 'ur')"


#: what the Arabic avatars are, said exactly so wherever a voice is shown (listing, headers, manifests)
AR_KOKORO = "Hindi-accented Modern Standard Arabic, no dialect"
#: the further fallback, when no Kokoro model is served
AR_ESPEAK = "espeak-ng formant voice speaking diacritized Modern Standard Arabic, no dialect"
#: Kokoro's Arabic voices, chosen by Whisper base CER on the evaluation sentences (docs/brand-voices.md)
AR_KOKORO_FEMALE = "hf_beta"
AR_KOKORO_MALE = "hm_psi"


#: Default speakers per engine. Kokoro speaker names are its voice-style files; espeak-ng names are
#: ``{voice}+{variant}`` (``+f3`` female, ``+m3`` male); Piper speaks one voice per model.
ENGINE_BINDINGS: dict[str, dict[str, SpeakerDefault]] = {
    "kokoro": {
        "female_en-US": SpeakerDefault("af_heart", "en-us"),
        "male_en-US": SpeakerDefault("am_michael", "en-us"),
        "female_en-GB": SpeakerDefault("bf_emma", "en"),
        "male_en-GB": SpeakerDefault("bm_george", "en"),
        "female_en-AU": SpeakerDefault("bf_isabella", "en", _EN_AU),
        "male_en-AU": SpeakerDefault("bm_lewis", "en", _EN_AU),
        "female_es": SpeakerDefault("ef_dora", "es"),
        "male_es": SpeakerDefault("em_alex", "es"),
        "female_hi": SpeakerDefault("hf_alpha", "hi"),
        "male_hi": SpeakerDefault("hm_omega", "hi"),
        "female_ur": SpeakerDefault("hf_beta", "ur", _UR_KOKORO),
        "male_ur": SpeakerDefault("hm_psi", "ur", _UR_KOKORO),
        # no Arabic voice exists: a Hindi voice speaks espeak-ng's Arabic phonemes, mapped (kokoro_phonemes)
        **{
            f"{gender}_{dialect}": SpeakerDefault(speaker, "ar", AR_KOKORO)
            for dialect in ("ar-SA", "ar-EG", "ar-AE")
            for gender, speaker in (("female", AR_KOKORO_FEMALE), ("male", AR_KOKORO_MALE))
        },
    },
    "piper": {
        "male_en-US": SpeakerDefault("en_US-joe-medium", "en-us"),
    },
    "espeak": {
        "female_en-US": SpeakerDefault("en-us+f3", "en-us"),
        "male_en-US": SpeakerDefault("en-us+m3", "en-us"),
        "female_en-GB": SpeakerDefault("en+f3", "en"),
        "male_en-GB": SpeakerDefault("en+m3", "en"),
        "female_en-AU": SpeakerDefault("en+f3", "en", _EN_AU),
        "male_en-AU": SpeakerDefault("en+m3", "en", _EN_AU),
        "female_ar-SA": SpeakerDefault("ar+f3", "ar", AR_ESPEAK),
        "male_ar-SA": SpeakerDefault("ar+m3", "ar", AR_ESPEAK),
        "female_ar-EG": SpeakerDefault("ar+f3", "ar", AR_ESPEAK),
        "male_ar-EG": SpeakerDefault("ar+m3", "ar", AR_ESPEAK),
        "female_ar-AE": SpeakerDefault("ar+f3", "ar", AR_ESPEAK),
        "male_ar-AE": SpeakerDefault("ar+m3", "ar", AR_ESPEAK),
        "female_es": SpeakerDefault("es+f3", "es"),
        "male_es": SpeakerDefault("es+m3", "es"),
        "female_hi": SpeakerDefault("hi+f3", "hi"),
        "male_hi": SpeakerDefault("hi+m3", "hi"),
        "female_ur": SpeakerDefault("ur+f3", "ur"),
        "male_ur": SpeakerDefault("ur+m3", "ur"),
    },
    # transformers' VITS (MMS-TTS architecture): one speaker per checkpoint; the VoiceModel names the
    # avatars it serves and the checkpoint's language. Nothing is bound by default.
    "vits": {},
}

#: OpenAI voice names, mapped to avatars so that existing OpenAI clients work unchanged.
OPENAI_VOICE_ALIASES: dict[str, str] = {
    "alloy": "female_en-US",
    "nova": "female_en-US",
    "shimmer": "female_en-GB",
    "coral": "female_en-GB",
    "sage": "female_en-US",
    "echo": "male_en-US",
    "onyx": "male_en-US",
    "ash": "male_en-US",
    "fable": "male_en-GB",
    "ballad": "male_en-GB",
    "verse": "male_en-US",
    "marin": "female_en-US",
    "cedar": "male_en-US",
}


@dataclass(frozen=True)
class VoiceBinding:
    """An avatar as one VoiceModel speaks it."""

    avatar: Avatar
    model: str
    engine: str
    speaker: str
    engine_language: str
    fallback: str | None = None

    @property
    def is_fallback(self) -> bool:
        return self.fallback is not None

    def describe(self) -> dict[str, object]:
        """What listings, responses and batch manifests say about the voice actually used."""
        return {
            "avatar": self.avatar.name,
            "language": self.avatar.language,
            "dialect": self.avatar.dialect,
            "gender": self.avatar.gender,
            "model": self.model,
            "engine": self.engine,
            "speaker": self.speaker,
            "fallback": self.is_fallback,
            "fallback_reason": self.fallback,
        }


def default_binding(engine: str, avatar: Avatar, model: str) -> VoiceBinding | None:
    """The engine's default speaker for an avatar, or None when the engine cannot speak it."""
    found = ENGINE_BINDINGS.get(engine, {}).get(avatar.name)
    if found is None:
        return None
    return VoiceBinding(avatar, model, engine, found.speaker, found.engine_language, found.fallback)


def custom_binding(
    model: str,
    engine: str,
    name: str,
    gender: str,
    language: str,
    dialect: str | None,
    blend: Mapping[str, float],
) -> VoiceBinding:
    """A custom avatar as one model speaks it: its blend as the speaker, and the engine language and declared
    fallback of the built-in avatar of the same gender and locale (an Arabic brand voice is still
    Hindi-accented Modern Standard Arabic, and says so)."""
    avatar = Avatar(gender, language, dialect, custom=name)
    base = ENGINE_BINDINGS.get(engine, {}).get(Avatar(gender, language, dialect).name)
    if base is None:
        raise VoiceError(
            f"engine {engine} speaks no {gender}_{avatar.locale}: avatar {name} cannot", field="avatars"
        )
    return VoiceBinding(avatar, model, engine, speaker_of(blend), base.engine_language, base.fallback)


class Catalog:
    """All bindings of the models being served, with the resolution rule in one place.

    Resolution for an avatar: the first model listed that serves it wins (list models best first: the
    bundled defaults put Kokoro before Piper before espeak-ng). A caller can pin a model by name.
    """

    def __init__(self, bindings: Iterable[VoiceBinding]) -> None:
        self._bindings: list[VoiceBinding] = list(bindings)
        self._models: list[str] = list(dict.fromkeys(b.model for b in self._bindings))

    @classmethod
    def from_models(cls, models: Iterable[tuple[str, str, Mapping[str, SpeakerDefault] | None]]) -> Catalog:
        """Build from ``(model name, engine, explicit avatar->speaker map or None for the defaults)``."""
        out: list[VoiceBinding] = []
        for name, engine, explicit in models:
            if explicit:
                for avatar_name, sd in explicit.items():
                    out.append(
                        VoiceBinding(
                            parse_avatar(avatar_name),
                            name,
                            engine,
                            sd.speaker,
                            sd.engine_language,
                            sd.fallback,
                        )
                    )
                continue
            for avatar in ALL_AVATARS:
                b = default_binding(engine, avatar, name)
                if b is not None:
                    out.append(b)
        return cls(out)

    @property
    def models(self) -> list[str]:
        return list(self._models)

    @property
    def bindings(self) -> list[VoiceBinding]:
        return list(self._bindings)

    def avatars(self) -> list[Avatar]:
        """The built-in avatars served, in catalog order, then the custom ones in the order declared."""
        have = {b.avatar for b in self._bindings}
        customs = dict.fromkeys(b.avatar for b in self._bindings if b.avatar.is_custom)
        return [a for a in ALL_AVATARS if a in have] + list(customs)

    def blend(self, text: str, model: str | None = None) -> VoiceBinding:
        """An inline blend (``bf_emma(2)+bf_isabella(1)``) spoken by a Kokoro model (``model`` or the first
        served): the locale and gender are the first voice's (``bf_`` British female...)."""
        weights = parse_blend(text)
        unknown = sorted(set(weights) - KOKORO_PACKAGED_VOICES)
        if unknown:
            raise VoiceError(
                f"voice blend {text!r}: no Kokoro voice {', '.join(unknown)}; voices: "
                + ", ".join(sorted(KOKORO_PACKAGED_VOICES))
            )
        first = next(iter(weights))
        prefix = {"a": ("en", "en-US"), "b": ("en", "en-GB"), "e": ("es", None), "h": ("hi", None)}
        if first[:1] not in prefix or first[1:3] not in ("f_", "m_"):
            raise VoiceError(f"voice blend {text!r}: {first} is not a Kokoro voice (af_, bm_, ef_, hf_...)")
        language, dialect = prefix[first[0]]
        gender = "female" if first[1] == "f" else "male"
        kokoro = [
            m for m in self._models if any(b.model == m and b.engine == "kokoro" for b in self._bindings)
        ]
        if model is not None and model not in kokoro:
            raise VoiceError(f"model {model!r} is not a Kokoro model: voice blends need one", field="model")
        if not kokoro:
            raise VoiceError("no Kokoro model is served: voice blends need one")
        speaker = speaker_of(weights)
        binding = custom_binding(model or kokoro[0], "kokoro", speaker, gender, language, dialect, weights)
        return binding

    def find(self, name: str) -> Avatar:
        """A built-in avatar (``parse_avatar``) or a custom one served here, by name (case-insensitive)."""
        key = name.strip().lower()
        for b in self._bindings:
            if b.avatar.is_custom and b.avatar.name.lower() == key:
                return b.avatar
        try:
            return parse_avatar(name)
        except VoiceError as exc:
            customs = [a.name for a in self.avatars() if a.is_custom]
            if not customs:
                raise
            raise VoiceError(f"{exc}; custom avatars: {', '.join(customs)}", field=exc.field) from None

    def resolve(self, avatar: Avatar, model: str | None = None) -> VoiceBinding:
        candidates = [b for b in self._bindings if b.avatar == avatar]
        if model is not None:
            if model not in self._models:
                raise VoiceError(
                    f"unknown model {model!r}; models served: {', '.join(self._models) or 'none'}",
                    field="model",
                )
            candidates = [b for b in candidates if b.model == model]
        if not candidates:
            where = f"model {model!r}" if model else "any served model"
            raise VoiceError(f"avatar {avatar.name} is not served by {where}", field="voice")
        order = {m: i for i, m in enumerate(self._models)}
        return min(candidates, key=lambda b: order[b.model])

    def table(self) -> list[VoiceBinding]:
        """One binding per avatar: the one resolution picks, in catalog order."""
        return [self.resolve(a) for a in self.avatars()]
