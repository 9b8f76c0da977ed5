"""SpeechBatch documents that generate their texts, shared by the generation tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.batch.helpers import write_doc

BRIEF = (
    "Hotel Mirador, a small family hotel in Granada, Spain: rooftop terrace with a view of the Alhambra, "
    "Andalusian breakfast, a quiet courtyard pool."
)


def generate_spec(**generate: Any) -> dict[str, Any]:
    gen: dict[str, Any] = {"brief": BRIEF, "count": 2, "languages": ["en", "es"], "seed": 7, "maxTokens": 64}
    gen.update(generate)
    return {
        "generate": gen,
        "variants": {"avatars": ["female_en-US", "male_es"]},
        "retries": {"maxAttempts": 3, "backoffSeconds": 0.1},
    }


def write_generate_doc(path: Path, spec: dict[str, Any] | None = None, **generate: Any) -> Path:
    return write_doc(path, spec if spec is not None else generate_spec(**generate))
