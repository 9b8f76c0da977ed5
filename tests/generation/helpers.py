"""SpeechBatch documents that generate their texts, shared by the generation tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.batch.helpers import write_doc

BRIEF = (
    "Hotel Mirador, a small family hotel in Granada, Spain: rooftop terrace with a view of the Alhambra, "
    "Andalusian breakfast, a quiet courtyard pool."
)


#: the packaged Gemma 3 270M as a TextModel beside the SpeechBatch: one sequence on one thread (the
#: test machines' two cores are shared), a short context
WRITER = {
    "apiVersion": "voxray.io/v1alpha1",
    "kind": "TextModel",
    "metadata": {"name": "writer"},
    "spec": {
        "weights": {"source": "packaged"},
        "contextLength": 1024,
        "serving": {"maxConcurrentSequences": 1, "maxQueue": 4, "threads": 1},
    },
}


def generate_spec(**generate: Any) -> dict[str, Any]:
    gen: dict[str, Any] = {
        "textModel": "writer",
        "brief": BRIEF,
        "count": 2,
        "languages": ["en", "es"],
        "seed": 7,
        "maxTokens": 64,
    }
    gen.update(generate)
    return {
        "generate": gen,
        "variants": {"avatars": ["female_en-US", "male_es"]},
        # a 270M model's answers are refused now and then: room to ask again
        "retries": {"maxAttempts": 6, "backoffSeconds": 0.1},
    }


def write_generate_doc(path: Path, spec: dict[str, Any] | None = None, **generate: Any) -> Path:
    """The SpeechBatch and the ``writer`` TextModel, in one file (as the operator delivers them)."""
    write_doc(path, spec if spec is not None else generate_spec(**generate))
    with path.open("a", encoding="utf-8") as f:
        f.write("---\n" + yaml.safe_dump(WRITER, sort_keys=False))
    return path
