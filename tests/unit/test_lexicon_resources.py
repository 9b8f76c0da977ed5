"""Lexicons as resources: documents, precedence (first listed wins, request entries last), the ingress's
user_config, the frontend applying a model's lexicons, and the batch resume rule (only files whose text uses
a changed entry render again). Pure: no engine, no Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.api.service import SpeechFrontend
from voxray_runtime.batch.lexicon import lexicon_row, lexicon_unchanged
from voxray_runtime.batch.plan import build_plan
from voxray_runtime.models import NamedModel, catalog_for, default_models, load_lexicons
from voxray_runtime.serve.args import ModelArgs
from voxray_runtime.serve.lexicons import IngressUserConfig, ingress_user_config
from voxray_runtime.spec.documents import SpecError, iter_documents
from voxray_runtime.spec.lexicon import (
    LexiconEntry,
    LexiconNotFoundError,
    LexiconSpec,
    ResolvedLexicon,
    resolve_lexicons,
)
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.text.pronounce import Pronunciation


def entry(text: str, language: str = "en", **kw: Any) -> LexiconEntry:
    return LexiconEntry.model_validate({"text": text, "language": language, **kw})


def lex(*entries: LexiconEntry) -> LexiconSpec:
    return LexiconSpec(entries=list(entries))


BRAND = lex(entry("Qasr", alias="Kasr"), entry("NYC", alias="New York City", caseSensitive=True))
CITY = lex(entry("qasr", alias="Castle"), entry("Burj", alias="Boorj"))


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["brand"], {"Qasr": "Kasr", "NYC": "New York City"}),
        (["brand", "city"], {"Qasr": "Kasr", "NYC": "New York City", "Burj": "Boorj"}),  # first listed wins
        (["city", "brand"], {"qasr": "Castle", "Burj": "Boorj", "NYC": "New York City"}),
        ([], {}),
    ],
)
def test_precedence_first_listed_wins(names: list[str], expected: dict[str, str]) -> None:
    merged = resolve_lexicons(names, {"brand": BRAND, "city": CITY})
    assert {e.text: e.alias for e in merged} == expected


def test_a_missing_lexicon_is_named() -> None:
    with pytest.raises(LexiconNotFoundError, match="no Lexicon named gone, lost") as info:
        resolve_lexicons(["brand", "gone", "lost"], {"brand": BRAND})
    assert info.value.missing == ["gone", "lost"]


def test_specs_name_lexicons_once() -> None:
    assert VoiceModelSpec.model_validate({"engine": "kokoro", "lexicons": ["a", "b"]}).lexicons == ["a", "b"]
    with pytest.raises(ValueError, match="lexicons names a more than once"):
        VoiceModelSpec.model_validate({"engine": "kokoro", "lexicons": ["a", "a"]})
    with pytest.raises(ValueError, match="String should match pattern"):
        VoiceModelSpec.model_validate({"engine": "kokoro", "lexicons": ["Not A Name"]})


DOCS = """
apiVersion: voxray.io/v1alpha1
kind: Lexicon
metadata: {name: brand}
spec:
  entries:
    - {text: Qasr, language: en, alias: Kasr}
---
apiVersion: voxray.io/v1alpha1
kind: VoiceModel
metadata: {name: kokoro}
spec: {engine: kokoro, lexicons: [brand]}
"""


def test_lexicon_documents_beside_the_models(tmp_path: Path) -> None:
    kinds = [d.kind for d in iter_documents(DOCS)]
    assert kinds == ["Lexicon", "VoiceModel"]
    f = tmp_path / "m.yaml"
    f.write_text(DOCS, encoding="utf-8")
    found = load_lexicons([f])
    assert list(found) == ["brand"]
    assert found["brand"].entries[0].alias == "Kasr"
    with pytest.raises(SpecError, match="Lexicon brand is given twice"):
        load_lexicons([f, f])


def test_ingress_user_config_per_model() -> None:
    models = [
        ModelArgs(name="kokoro", spec=VoiceModelSpec(engine="kokoro", lexicons=["brand", "city"])),
        ModelArgs(name="espeak", spec=VoiceModelSpec(engine="espeak")),
    ]
    config = ingress_user_config(models, {"brand": BRAND, "city": CITY})
    parsed = IngressUserConfig.model_validate(config)
    assert list(parsed.lexicons) == ["kokoro"]  # a model without lexicons is absent
    assert parsed.lexicons["kokoro"].names == ["brand", "city"]
    assert [e.text for e in parsed.lexicons["kokoro"].entries] == ["Qasr", "NYC", "Burj"]
    with pytest.raises(LexiconNotFoundError):
        ingress_user_config(models, {"brand": BRAND})


def frontend(tmp_path: Path) -> SpeechFrontend:
    models = default_models()
    return SpeechFrontend(catalog_for(models), None, {m.name: 5000 for m in models}, tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "request_entries", "expected"),
    [
        ("We love Qasr.", [], "Kasr"),
        ("We love QASR.", [], "Kasr"),  # case-insensitive
        ("We love Qasrs.", [], "Qasrs"),  # whole words only
        ("We love Qasr.", [Pronunciation("Qasr", "en", alias="the palace")], "the palace"),  # request wins
        ("Fly to NYC.", [], "New York City"),
        ("Fly to nyc.", [], "nyc"),  # case-sensitive entry
    ],
)
def test_the_frontend_applies_the_models_lexicons(
    tmp_path: Path, text: str, request_entries: list[Pronunciation], expected: str
) -> None:
    fe = frontend(tmp_path)
    binding = fe.catalog.resolve(fe.catalog.find("female_en-GB"))
    fe.lexicons = {binding.model: ResolvedLexicon(names=["brand"], entries=list(BRAND.entries))}
    job = fe.job(binding, text, 1.0, "mp3", None, "text", pronunciations=request_entries)
    assert expected in " ".join(job.chunks)
    other = fe.job(
        fe.catalog.resolve(fe.catalog.find("female_en-GB"), "espeak"), text, 1.0, "mp3", None, "text"
    )
    assert "Kasr" not in " ".join(other.chunks)  # another model's lexicons are its own


# ---- the batch: manifest rows and the resume rule --------------------------------------------------------
def batch(lexicons: list[str]) -> SpeechBatchSpec:
    return SpeechBatchSpec.model_validate(
        {
            "input": {
                "items": [
                    {"index": 1, "texts": {"en": "Dinner at Qasr tonight."}},
                    {"index": 2, "texts": {"en": "Breakfast by the pool."}},
                    {"index": 3, "texts": {"en": "The Burj at dusk."}},
                ]
            },
            "variants": {"avatars": ["female_en-GB"]},
            "lexicons": lexicons,
        }
    )


def plan_with(spec: LexiconSpec, tmp_path: Path, models: list[NamedModel] | None = None) -> Any:
    return build_plan(
        batch(["brand"]), models=models or default_models(), output_dir=tmp_path, lexicons={"brand": spec}
    )


def test_rows_record_the_entries_each_file_used(tmp_path: Path) -> None:
    plan = plan_with(lex(entry("Qasr", alias="Kasr"), entry("Burj", alias="Boorj")), tmp_path)
    rows = {w.index: lexicon_row(w)["lexicon"] for w in plan.work}
    assert [e["text"] for e in rows[1]["entries"]] == ["Qasr"]
    assert rows[2]["entries"] == []
    assert rows[1]["version"] == rows[2]["version"] == plan.lexicon.version
    assert rows[1]["names"] == ["brand"]
    without = build_plan(batch([]), models=default_models(), output_dir=tmp_path)
    assert all(lexicon_row(w) == {} for w in without.work)  # no lexicons: rows as before


OLD = lex(entry("Qasr", alias="Kasr"), entry("Burj", alias="Boorj"))


@pytest.mark.parametrize(
    ("new", "rendered_again"),
    [
        (OLD, set()),
        (lex(entry("Qasr", alias="Kassr"), entry("Burj", alias="Boorj")), {1}),  # changed entry: its file
        (lex(entry("Qasr", alias="Kasr")), {3}),  # removed entry
        (lex(*OLD.entries, entry("pool", alias="swimming pool")), {2}),  # added entry the text uses
        (lex(*OLD.entries, entry("spa", alias="the spa")), set()),  # added entry no text uses
        (lex(entry("Qasr", alias="Kasr"), entry("Burj", ipa="bʊərdʒ")), {3}),  # alias -> ipa
    ],
)
def test_resume_renders_again_only_files_using_a_changed_entry(
    tmp_path: Path, new: LexiconSpec, rendered_again: set[int]
) -> None:
    before = {w.name: {"name": w.name, **lexicon_row(w)} for w in plan_with(OLD, tmp_path).work}
    after = plan_with(new, tmp_path)
    assert {w.index for w in after.work if not lexicon_unchanged(w, before[w.name])} == rendered_again


def test_rows_without_a_lexicon_used_none(tmp_path: Path) -> None:
    plan = plan_with(OLD, tmp_path)
    used = {w.index: lexicon_unchanged(w, {"name": w.name}) for w in plan.work}
    assert used == {1: False, 2: True, 3: False}
    assert not lexicon_unchanged(plan.work[1], {"lexicon": {"entries": "garbage"}})


def test_a_batch_naming_a_missing_lexicon_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no Lexicon named brand") as info:
        build_plan(batch(["brand"]), models=default_models(), output_dir=tmp_path)
    assert info.value.field == "spec.lexicons"


def test_the_ingress_reconfigure_replaces_the_lexicons_of_a_live_frontend(tmp_path: Path) -> None:
    """What Serve calls on a live ingress replica when only its user_config changed (no restart)."""
    from types import SimpleNamespace

    from voxray_runtime.serve.ingress import Ingress

    fe = frontend(tmp_path)
    replica = SimpleNamespace(frontend=fe)
    binding = fe.catalog.resolve(fe.catalog.find("female_en-GB"))
    config = {binding.model: ResolvedLexicon(names=["brand"], entries=list(BRAND.entries))}
    Ingress.reconfigure(replica, IngressUserConfig(lexicons=config).model_dump(by_alias=True))  # type: ignore[arg-type]
    assert "Kasr" in " ".join(fe.job(binding, "At Qasr.", 1.0, "mp3", None, "text").chunks)
    Ingress.reconfigure(replica, {"lexicons": {}})  # type: ignore[arg-type]
    assert "Qasr" in " ".join(fe.job(binding, "At Qasr.", 1.0, "mp3", None, "text").chunks)
