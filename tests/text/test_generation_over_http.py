"""The content pipeline over HTTP, as a SpeechBatch's RayJob reaches a TextModel on a cluster: the
HTTP TextClient with an API key file against voxray's own text ingress (real Serve, the packaged Gemma
3 270M), through ``voxray generate`` and through the generation step of a batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.text.conftest import GEMMA_ID, TextApp
from voxray_runtime.cli import main
from voxray_runtime.generation.batchstep import prepare_generation, read_posts
from voxray_runtime.generation.clean import clean_output
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

pytestmark = pytest.mark.ray

BRIEF = "A small seaside hotel in Cádiz with a rooftop bar and fresh fish for dinner."


@pytest.fixture
def key_env(text_app: TextApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key_file = tmp_path / "api-key"
    key_file.write_text(text_app.key + "\n")
    monkeypatch.setenv("VOXRAY_TEXT_API_KEY_FILE", str(key_file))
    return key_file


def test_voxray_generate_against_the_text_ingress(
    text_app: TextApp, key_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["generate", "--brief", BRIEF, "--url", f"{text_app.url}/v1", "--model", GEMMA_ID]
    argv += ["--translate", "es", "--seed", "3", "--max-tokens", "64", "--json"]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["model"] == GEMMA_ID
    assert set(record["texts"]) == {"en", "es"}
    for lang, text in record["texts"].items():
        assert clean_output(text, lang) == text
    # the ingress audited each generation: the prompt's length and hash, never the brief
    raw = text_app.audit_log.read_text(encoding="utf-8")
    assert "Cádiz" not in raw
    events = [json.loads(x) for x in raw.splitlines()]
    assert [e for e in events if e.get("action") == "generate" and e.get("actor") == "writer"]


def test_wrong_key_is_a_clear_error(
    text_app: TextApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad-key"
    bad.write_text("vxk-not-a-key")
    monkeypatch.setenv("VOXRAY_TEXT_API_KEY_FILE", str(bad))
    spec = SpeechBatchSpec.model_validate(
        {"generate": {"brief": BRIEF, "textModel": GEMMA_ID}, "variants": {"avatars": ["female_en-US"]}}
    )
    from voxray_runtime.spec.documents import SpecError

    with pytest.raises(SpecError, match="refused the credentials") as info:
        prepare_generation(spec, output_dir=tmp_path, limit=None, files=[], url=f"{text_app.url}/v1")
    assert info.value.field == "spec.generate.textModel"


def test_batch_generation_step_from_the_environment(
    text_app: TextApp, key_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXRAY_TEXT_MODEL_URL", f"{text_app.url}/v1")
    monkeypatch.setenv("VOXRAY_TEXT_MODEL_ID", GEMMA_ID)
    spec = SpeechBatchSpec.model_validate(
        {
            "generate": {"brief": BRIEF, "textModel": "gemma", "count": 2, "seed": 5, "maxTokens": 48},
            "variants": {"avatars": ["female_en-US"]},
        }
    )
    prepared = prepare_generation(spec, output_dir=tmp_path, limit=None, files=[])
    assert prepared.source.client.where == f"{text_app.url}/v1"
    result = prepared.run(say=lambda _m: None, audit=None, max_attempts=3)
    assert (result.posts_written, len(result.items)) == (2, 2)
    posts = read_posts(tmp_path)
    assert sorted(posts) == [1, 2]
    assert {posts[i]["model"] for i in posts} == {GEMMA_ID}
