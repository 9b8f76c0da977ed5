"""The voice catalog: bundled models cover all 18 avatars; fallbacks are declared; resolution order."""

from __future__ import annotations

import pytest

from voxray_runtime.models import NamedModel, catalog_for, default_models, speaker_map
from voxray_runtime.spec.documents import SpecError
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.voices import ALL_AVATARS, Catalog, VoiceError, parse_avatar

EXPECTED = {
    # avatar: (model, speaker, fallback?)
    "female_en-US": ("kokoro", "af_heart", False),
    "male_en-US": ("kokoro", "am_michael", False),
    "female_en-GB": ("kokoro", "bf_emma", False),
    "male_en-GB": ("kokoro", "bm_george", False),
    "female_en-AU": ("kokoro", "bf_isabella", True),
    "male_en-AU": ("kokoro", "bm_lewis", True),
    "female_ar-SA": ("kokoro", "hf_beta", True),
    "male_ar-SA": ("kokoro", "hm_psi", True),
    "female_ar-EG": ("kokoro", "hf_beta", True),
    "male_ar-EG": ("kokoro", "hm_psi", True),
    "female_ar-AE": ("kokoro", "hf_beta", True),
    "male_ar-AE": ("kokoro", "hm_psi", True),
    "female_es": ("kokoro", "ef_dora", False),
    "male_es": ("kokoro", "em_alex", False),
    "female_hi": ("kokoro", "hf_alpha", False),
    "male_hi": ("kokoro", "hm_omega", False),
    "female_ur": ("kokoro", "hf_beta", True),
    "male_ur": ("kokoro", "hm_psi", True),
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return catalog_for(default_models())


@pytest.mark.parametrize(("avatar", "expected"), EXPECTED.items())
def test_bundled_resolution(catalog: Catalog, avatar: str, expected: tuple[str, str, bool]) -> None:
    b = catalog.resolve(parse_avatar(avatar))
    assert (b.model, b.speaker, b.is_fallback) == expected
    if b.is_fallback:
        assert b.fallback
        assert len(b.fallback) > 20


def test_bundled_models_cover_all_avatars(catalog: Catalog) -> None:
    assert catalog.avatars() == list(ALL_AVATARS)
    assert [m.name for m in default_models()] == ["kokoro", "piper-joe", "espeak"]


def test_pinning_a_model(catalog: Catalog) -> None:
    assert catalog.resolve(parse_avatar("male_en-US"), "piper-joe").engine == "piper"
    assert catalog.resolve(parse_avatar("female_ur"), "espeak").speaker == "ur+f3"
    with pytest.raises(VoiceError, match="not served by model 'piper-joe'"):
        catalog.resolve(parse_avatar("female_es"), "piper-joe")
    with pytest.raises(VoiceError, match="unknown model"):
        catalog.resolve(parse_avatar("female_es"), "nope")


def test_first_listed_model_wins() -> None:
    espeak_first = catalog_for(
        [NamedModel("e", VoiceModelSpec(engine="espeak")), NamedModel("k", VoiceModelSpec(engine="kokoro"))]
    )
    assert espeak_first.resolve(parse_avatar("female_en-US")).model == "e"


def test_explicit_voices_override_and_declare() -> None:
    spec = VoiceModelSpec.model_validate(
        {
            "engine": "vits",
            "language": "ur",
            "voices": [
                {"avatar": "male_ur", "speaker": "0"},
                {"avatar": "female_ur", "speaker": "0", "fallback": "one speaker"},
            ],
        }
    )
    m = speaker_map(spec)
    assert m is not None
    assert m["male_ur"].engine_language == "ur"
    assert m["male_ur"].fallback is None
    assert m["female_ur"].fallback == "one speaker"
    cat = catalog_for([NamedModel("mms-ur", spec)])
    assert [a.name for a in cat.avatars()] == ["female_ur", "male_ur"]


def test_explicit_voice_without_default_speaker_is_an_error() -> None:
    spec = VoiceModelSpec.model_validate({"engine": "piper", "voices": [{"avatar": "female_es"}]})
    with pytest.raises(SpecError, match="no default speaker for female_es"):
        speaker_map(spec)


def test_describe_says_what_was_used(catalog: Catalog) -> None:
    d = catalog.resolve(parse_avatar("male_ar-EG")).describe()
    assert d["engine"] == "kokoro"
    assert d["fallback"] is True
    assert d["fallback_reason"] == "Hindi-accented Modern Standard Arabic, no dialect"


@pytest.mark.parametrize("avatar", [a.name for a in ALL_AVATARS if a.language == "ar"])
def test_arabic_is_kokoro_first_then_espeak(catalog: Catalog, avatar: str) -> None:
    """Every Arabic avatar says exactly what it is; espeak-ng stays the further fallback, pinnable."""
    kokoro = catalog.resolve(parse_avatar(avatar))
    assert (kokoro.engine, kokoro.engine_language) == ("kokoro", "ar")
    assert kokoro.fallback == "Hindi-accented Modern Standard Arabic, no dialect"
    espeak = catalog.resolve(parse_avatar(avatar), "espeak")
    assert espeak.speaker.startswith("ar+")
    assert "no dialect" in str(espeak.fallback)
    alone = catalog_for([m for m in default_models() if m.name == "espeak"]).resolve(parse_avatar(avatar))
    assert alone.engine == "espeak"
