"""Custom avatars (brand voices) in a VoiceModel: validation with clear errors, and the catalog binding
each to its blend, with the engine language and declared fallback of its locale (pure)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from voxray_runtime.models import NamedModel, catalog_for, default_models
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.voices import VoiceError, parse_avatar

CONCIERGE: dict[str, Any] = {
    "name": "concierge_female_en-GB",
    "language": "en",
    "dialect": "en-GB",
    "gender": "female",
    "blend": {"bf_emma": 0.7, "bf_isabella": 0.3},
}
HOST_AR: dict[str, Any] = {
    "name": "host_male_ar",
    "language": "ar",
    "dialect": "ar-AE",
    "gender": "male",
    "blend": {"hm_psi": 1, "hm_omega": 1},
}


def spec(*avatars: dict[str, Any], **extra: Any) -> VoiceModelSpec:
    return VoiceModelSpec.model_validate({"engine": "kokoro", "avatars": list(avatars), **extra})


def test_the_issue_example_is_valid() -> None:
    got = spec(CONCIERGE).avatars[0]
    assert (got.name, got.locale, got.blend) == (
        "concierge_female_en-GB",
        "en-GB",
        {"bf_emma": 0.7, "bf_isabella": 0.3},
    )
    assert spec({**CONCIERGE, "dialect": None, "language": "es"}).avatars[0].locale == "es"
    assert spec({**CONCIERGE, "dialect": None}).avatars[0].locale == "en-US"  # a language's first dialect


def with_change(change: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(CONCIERGE)
    out.update(change)
    return out


@pytest.mark.parametrize(
    ("avatars", "extra", "message"),
    [
        (
            [CONCIERGE, CONCIERGE],
            {},
            r"avatars\[1\].name 'concierge_female_en-GB' is already the name of avatars\[0\]",
        ),
        ([CONCIERGE, with_change({"name": "CONCIERGE_female_en-gb"})], {}, "already the name of avatars"),
        ([with_change({"name": "female_en-GB"})], {}, "already a built-in avatar"),
        ([with_change({"name": "MALE_AR-EG"})], {}, "already a built-in avatar"),
        ([with_change({"name": "alloy"})], {}, "already an OpenAI voice name"),
        ([with_change({"name": "bf_emma"})], {}, "already a Kokoro voice"),
        ([with_change({"name": "bad name"})], {}, "pattern"),
        ([with_change({"name": "-x"})], {}, "pattern"),
        ([with_change({"blend": {"bf_emma": 1, "zz_nobody": 1}})], {}, "no Kokoro voice zz_nobody"),
        ([with_change({"blend": {"bf_emma": 0}})], {}, "weights must be > 0: bf_emma"),
        ([with_change({"blend": {"bf_emma": -1, "bf_isabella": 1}})], {}, "weights must be > 0"),
        ([with_change({"blend": {}})], {}, "at least 1"),
        ([with_change({"dialect": "en-IN"})], {}, "dialect 'en-IN' is not one of en-US, en-GB, en-AU"),
        ([with_change({"dialect": "en-GB", "language": "es"})], {}, "the language has one locale"),
        ([with_change({"gender": "other"})], {}, "gender"),
        ([CONCIERGE], {"engine": "espeak"}, "need engine kokoro, not espeak"),
    ],
)
def test_invalid_avatars_say_why(avatars: list[dict[str, Any]], extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        VoiceModelSpec.model_validate({"engine": "kokoro", "avatars": avatars, **extra})


def test_voices_are_checked_when_the_engine_loads_for_other_weights() -> None:
    s = spec(with_change({"blend": {"brand_voice": 1}}), weights={"source": "path", "path": "/models/kokoro"})
    assert s.avatars[0].blend == {"brand_voice": 1}


def test_catalog_serves_custom_avatars_beside_the_built_in_ones() -> None:
    models = [NamedModel("brand", spec(CONCIERGE, HOST_AR)), *default_models()]
    catalog = catalog_for(models)
    names = [a.name for a in catalog.avatars()]
    assert names[-2:] == ["concierge_female_en-GB", "host_male_ar"]
    assert len(names) == 20
    concierge = catalog.resolve(catalog.find("Concierge_Female_EN-GB"))
    assert (concierge.model, concierge.engine, concierge.engine_language) == ("brand", "kokoro", "en")
    assert concierge.speaker == "bf_emma(0.7000)+bf_isabella(0.3000)"
    assert concierge.fallback is None
    assert concierge.describe()["avatar"] == "concierge_female_en-GB"
    host = catalog.resolve(catalog.find("host_male_ar"))
    assert (host.engine_language, host.speaker) == ("ar", "hm_omega(0.5000)+hm_psi(0.5000)")
    assert host.fallback == "Hindi-accented Modern Standard Arabic, no dialect"
    # built-in avatars still resolve as before (the brand model serves its customs only... and the
    # built-ins too, being a Kokoro model listed first)
    assert catalog.find("female_en-GB") == parse_avatar("female_en-GB")
    with pytest.raises(VoiceError, match="custom avatars: concierge_female_en-GB, host_male_ar"):
        catalog.find("nobody")


def test_without_custom_avatars_the_catalog_is_unchanged() -> None:
    avatars = catalog_for(default_models()).avatars()
    assert len(avatars) == 18
    assert not any(a.is_custom for a in avatars)
