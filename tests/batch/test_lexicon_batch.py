"""Lexicons in a real batch: an alias and an IPA entry change what is heard (Whisper's transcript of the
files), and an edited lexicon renders again only the file whose text uses the changed entry (the others keep
their bytes and mtime; the manifest says which entries each file used)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from voxray_runtime.batch.cli import EXIT_OK, run_batch
from voxray_runtime.engines.stt.whisper import WhisperTranscriber

from .test_batch_run import batch_args

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

POSTS = [
    {"index": 1, "id": "alias", "texts": {"en": "Breakfast is served at seven."}},
    {"index": 2, "id": "ipa", "texts": {"en": "Zorbu is served at seven."}},
    {"index": 3, "id": "plain", "texts": {"en": "The pool is open until ten."}},
]
AVATAR = "female_en-US"  # Kokoro: takes phonemes


def entries(breakfast_alias: str) -> list[dict[str, Any]]:
    return [
        {"text": "breakfast", "language": "en", "alias": breakfast_alias},
        {"text": "Zorbu", "language": "en", "ipa": "dˈɪnəɹ"},  # said as "dinner"
    ]


def write_batch(path: Path, lexicon: list[dict[str, Any]] | None) -> Path:
    docs: list[dict[str, Any]] = []
    if lexicon is not None:
        docs.append(
            {
                "apiVersion": "voxray.io/v1alpha1",
                "kind": "Lexicon",
                "metadata": {"name": "brand"},
                "spec": {"entries": lexicon},
            }
        )
    spec = {
        "input": {"items": POSTS},
        "variants": {"avatars": [AVATAR]},
        "retries": {"maxAttempts": 2, "backoffSeconds": 0.1},
        "concurrency": 1,
        **({"lexicons": ["brand"]} if lexicon is not None else {}),
    }
    docs.append(
        {"apiVersion": "voxray.io/v1alpha1", "kind": "SpeechBatch", "metadata": {"name": "b"}, "spec": spec}
    )
    path.write_text(yaml.safe_dump_all(docs, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run(path: Path, out: Path) -> dict[str, Any]:
    assert run_batch(batch_args(path, out, progress="none")) == EXIT_OK
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return summary


def rows(out: Path) -> dict[int, dict[str, Any]]:
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return {e["index"]: e for e in map(json.loads, lines)}


@pytest.fixture(scope="module")
def whisper() -> WhisperTranscriber:
    return WhisperTranscriber.packaged(threads=2)


def heard(whisper: WhisperTranscriber, path: Path) -> str:
    return whisper.transcribe(path.read_bytes(), language="en").text.lower()


def test_lexicon_entries_are_heard_and_an_edit_renders_only_affected_files(
    ray_cluster: dict[str, Any], tmp_path: Path, whisper: WhisperTranscriber
) -> None:
    names = {1: f"post_01_{AVATAR}.mp3", 2: f"post_02_{AVATAR}.mp3", 3: f"post_03_{AVATAR}.mp3"}

    # without a lexicon: what the words themselves sound like
    plain_out = tmp_path / "plain"
    run(write_batch(tmp_path / "plain.yaml", None), plain_out)
    before = {i: heard(whisper, plain_out / n) for i, n in names.items()}
    assert "breakfast" in before[1]
    assert "dinner" not in before[2]

    # with the lexicon: the alias is said instead of the word, the IPA entry as its phonemes
    out = tmp_path / "out"
    batch = write_batch(tmp_path / "batch.yaml", entries("lunch"))
    summary = run(batch, out)
    assert (summary["rendered"], summary["skipped"]) == (3, 0)
    assert "lunch" in heard(whisper, out / names[1])
    assert "breakfast" not in heard(whisper, out / names[1])
    assert "dinner" in heard(whisper, out / names[2])
    first = rows(out)
    assert [e["text"] for e in first[1]["lexicon"]["entries"]] == ["breakfast"]
    assert [e["text"] for e in first[2]["lexicon"]["entries"]] == ["Zorbu"]
    assert first[3]["lexicon"]["entries"] == []
    assert first[1]["lexicon"]["names"] == ["brand"]
    mtimes = {i: (out / n).stat().st_mtime_ns for i, n in names.items()}

    # rerun unchanged: nothing renders
    assert run(batch, out)["skipped"] == 3

    # the alias edited: only the file whose text says "breakfast" renders again
    write_batch(batch, entries("supper"))
    summary = run(batch, out)
    assert (summary["rendered"], summary["skipped"]) == (1, 2)
    after = rows(out)
    assert after[1]["lexicon"]["entries"][0]["alias"] == "supper"
    assert after[1]["lexicon"]["version"] != first[1]["lexicon"]["version"]
    assert after[1]["sha256"] != first[1]["sha256"]
    for i in (2, 3):  # kept as they were: same bytes, same file, the old row
        assert (out / names[i]).stat().st_mtime_ns == mtimes[i]
        assert after[i] == first[i]
    assert "supper" in heard(whisper, out / names[1])
