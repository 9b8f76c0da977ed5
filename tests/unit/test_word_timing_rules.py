"""Word timing arithmetic: text words onto phoneme words, Kokoro frames, Piper alignments, placement
of sentences on one time line, trimming (pure)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from voxray_runtime.captions.words import TimedWord
from voxray_runtime.engines.timing import kokoro as kokoro_timing
from voxray_runtime.engines.timing import piper as piper_timing
from voxray_runtime.engines.timing import place, trim_timed
from voxray_runtime.engines.timing.mapping import Unit, group_words, timed_words


@pytest.mark.parametrize(
    ("text", "units", "groups"),
    [
        ([5, 5], [5, 5], [(0, 1, 0, 1), (1, 2, 1, 2)]),
        # "a test of the timing" -> espeak: ɐ tˈɛst ʌvðə tˈaɪmɪŋ ("of the" phonemized as one word)
        ([1, 4, 2, 3, 6], [1, 4, 4, 6], [(0, 1, 0, 1), (1, 2, 1, 2), (2, 4, 2, 3), (4, 5, 3, 4)]),
        # one word spoken as two phoneme words
        ([3, 10, 3], [3, 5, 5, 3], [(0, 1, 0, 1), (1, 2, 1, 3), (2, 3, 3, 4)]),
    ],
)
def test_group_words(text: list[float], units: list[float], groups: list[tuple[int, int, int, int]]) -> None:
    assert group_words(text, units) == groups


def test_merged_words_share_their_unit_by_letters() -> None:
    words = timed_words(["of", "the"], [Unit(4, 1.0, 1.5)])
    assert [(w.start, w.end) for w in words] == [(1.0, pytest.approx(1.2)), (pytest.approx(1.2), 1.5)]


VOCAB = {" ": 16, ",": 3, ".": 4, "h": 50, "a": 43, "i": 51}


@pytest.mark.parametrize(
    ("ids", "frames", "spans"),
    [
        # pad, h a i, space, h a ",", pad : 25 ms frames
        ([50, 43, 51, 16, 50, 43, 3], [4, 2, 2, 2, 1, 2, 2, 8, 4], [(0.1, 0.25), (0.275, 0.375)]),
        ([16, 50, 16], [1, 1, 2, 1, 1], [(0.05, 0.1)]),
    ],
)
def test_kokoro_frames_to_phoneme_words(
    ids: list[int], frames: list[int], spans: list[tuple[float, float]]
) -> None:
    units = kokoro_timing.phoneme_units(ids, frames, VOCAB, offset_s=0.0)
    assert [(u.start, u.end) for u in units] == [pytest.approx(s) for s in spans]


def test_kokoro_frames_must_match_the_tokens() -> None:
    with pytest.raises(ValueError, match="durations"):
        kokoro_timing.phoneme_units([50, 43], [1, 1, 1], VOCAB)


@dataclass
class Aligned:
    phoneme: str
    num_samples: int


def test_piper_alignments_to_phoneme_words() -> None:
    items = [
        Aligned("^", 100),
        Aligned("h", 200),
        Aligned("ɛ", 300),
        Aligned(" ", 50),
        Aligned("o", 100),
        Aligned(".", 400),
        Aligned("$", 50),
    ]
    units = piper_timing.phoneme_units(items, offset_s=1.0, sample_rate=1000)
    assert [(u.size, u.start, u.end) for u in units] == [(2, 1.1, 1.6), (1, 1.65, 1.75)]


def test_sentences_are_placed_at_their_first_sample() -> None:
    first = [TimedWord("Hi.", 0.1, 0.4)]
    second = [TimedWord("Bye.", 0.05, 0.3)]
    placed = place([(first, 24_000), (second, 12_000)], 24_000)
    assert [(w.start, w.end) for w in placed] == [(0.1, 0.4), (pytest.approx(1.05), pytest.approx(1.3))]


def test_trim_moves_the_words_with_the_audio() -> None:
    rate = 1000
    pcm = np.zeros(2000, np.float32)
    pcm[500:1500] = 0.5
    trimmed, words = trim_timed(pcm, [TimedWord("a", 0.5, 1.5)], rate, keep_s=0.03)
    assert trimmed.size == 1060
    assert (words[0].start, words[0].end) == (pytest.approx(0.03), pytest.approx(1.03))
