"""A SpeechBatch renders custom avatars (brand voices) named in variants.avatars, and its file names use
the avatar's name; an avatar no VoiceModel serves is refused naming the field (planning only: no engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.plan import build_plan
from voxray_runtime.models import NamedModel, default_models
from voxray_runtime.spec.documents import SpecError, parse_document
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

from .helpers import batch_doc, short_spec

BRAND = NamedModel(
    "brand",
    VoiceModelSpec.model_validate(
        {
            "engine": "kokoro",
            "avatars": [
                {
                    "name": "concierge_female_en-GB",
                    "language": "en",
                    "dialect": "en-GB",
                    "gender": "female",
                    "blend": {"bf_emma": 0.7, "bf_isabella": 0.3},
                }
            ],
        }
    ),
)


def plan(variants: dict[str, Any], tmp_path: Path, voice_models: list[str] | None = None) -> Any:
    spec = short_spec(variants=variants, **({"voiceModels": voice_models} if voice_models else {}))
    doc = parse_document(batch_doc(spec))
    assert isinstance(doc.spec, SpeechBatchSpec)
    return build_plan(doc.spec, models=[BRAND, *default_models()], output_dir=tmp_path)


def test_custom_avatar_files_use_its_name(tmp_path: Path) -> None:
    got = plan({"avatars": ["concierge_female_en-GB", "male_es"]}, tmp_path, ["brand", "kokoro"])
    names = [w.name for w in got.work]
    assert "post_01_concierge_female_en-GB.mp3" in names
    assert "post_01_male_es.mp3" in names
    concierge = next(w for w in got.work if w.avatar.is_custom)
    assert concierge.binding.speaker == "bf_emma(0.7000)+bf_isabella(0.3000)"
    assert concierge.binding.model == "brand"


def test_only_custom_avatars(tmp_path: Path) -> None:
    got = plan({"avatars": ["Concierge_Female_EN-GB"]}, tmp_path, ["brand"])
    assert {w.avatar.name for w in got.work} == {"concierge_female_en-GB"}


def test_a_custom_avatar_no_model_serves_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as err:
        plan({"avatars": ["concierge_female_en-GB"]}, tmp_path, ["kokoro"])
    assert err.value.field == "spec.variants.avatars"
