"""Which VoiceModels a batch uses: -m files, else VoiceModels in the SpeechBatch's own file, else the bundled."""

from __future__ import annotations

from pathlib import Path

from voxray_runtime.batch.cli import batch_models

BATCH = """apiVersion: voxray.io/v1alpha1
kind: SpeechBatch
metadata: {name: b}
spec:
  input: {items: [{index: 1, texts: {en: Hello.}}]}
  variants: {avatars: [male_en-US]}
"""
MODEL = """apiVersion: voxray.io/v1alpha1
kind: VoiceModel
metadata: {name: %s}
spec: {engine: espeak}
---
"""


def test_models_in_the_same_file_are_used(tmp_path: Path) -> None:
    f = tmp_path / "batch.yaml"
    f.write_text(MODEL % "inline-espeak" + BATCH)
    assert [m.name for m in batch_models(f, None)] == ["inline-espeak"]


def test_model_files_win(tmp_path: Path) -> None:
    f = tmp_path / "batch.yaml"
    f.write_text(MODEL % "inline-espeak" + BATCH)
    m = tmp_path / "models.yaml"
    m.write_text(MODEL % "from-flag")
    assert [x.name for x in batch_models(f, [m])] == ["from-flag"]


def test_bundled_defaults_otherwise(tmp_path: Path) -> None:
    f = tmp_path / "batch.yaml"
    f.write_text(BATCH)
    assert [m.name for m in batch_models(f, None)] == ["kokoro", "piper-joe", "espeak"]
