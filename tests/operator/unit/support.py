"""Shared test helpers for the operator's pure layers: examples, settings, owners, time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voxray_operator.cli import SpecDocument, load_files
from voxray_operator.config import BuildSettings

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES_DIR = REPO_ROOT / "examples"
SETTINGS = BuildSettings()
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 1, 12, 5, 0, tzinfo=UTC)


def example_files() -> list[Path]:
    """Every VoiceModel / TextModel / TranscriptionModel / SpeechBatch / Lexicon example, sorted."""
    return sorted(
        [
            *EXAMPLES_DIR.glob("voicemodel-*.yaml"),
            *EXAMPLES_DIR.glob("textmodel-*.yaml"),
            *EXAMPLES_DIR.glob("transcriptionmodel-*.yaml"),
            *EXAMPLES_DIR.glob("speechbatch-*.yaml"),
            *EXAMPLES_DIR.glob("lexicon-*.yaml"),
        ]
    )


def example_documents() -> list[SpecDocument]:
    docs, errors = load_files([str(p) for p in example_files()])
    assert not errors, errors
    return docs


def owner(kind: str, name: str, uid: str = "0b4f5c1e-0000-4000-8000-000000000001") -> dict[str, Any]:
    return {"apiVersion": "voxray.io/v1alpha1", "kind": kind, "metadata": {"name": name, "uid": uid}}
