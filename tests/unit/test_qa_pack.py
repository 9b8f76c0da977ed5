"""Packed quality checks, the pure part: where each clip lies in a pack, what fits in one Whisper
window, and which clip each transcribed word belongs to."""

from __future__ import annotations

import numpy as np
import pytest

from voxray_runtime.batch.qa_pack import GAP_S, RATE, WINDOW_S, Word, assign_words, fits, join, spans


@pytest.mark.parametrize(
    ("durations", "expected"),
    [
        ([], []),
        ([3.0], [(0.0, 3.0)]),
        ([3.0, 5.0], [(0.0, 3.0), (4.0, 9.0)]),
        ([2.0, 2.0, 2.0], [(0.0, 2.0), (3.0, 5.0), (6.0, 8.0)]),
    ],
)
def test_spans_leave_the_gap_between_clips(
    durations: list[float], expected: list[tuple[float, float]]
) -> None:
    got = spans(durations)
    assert [x for s in got for x in s] == pytest.approx([x for s in expected for x in s])


@pytest.mark.parametrize(
    ("durations", "extra", "ok"),
    [
        ([], 13.0, True),
        ([], WINDOW_S, True),
        ([], WINDOW_S + 0.1, False),  # longer than the window: checked alone
        ([13.0], 13.0, True),  # 13 + 1 + 13 = 27
        ([13.0], 14.5, False),  # 28.5
        ([8.0, 8.0], 9.0, True),  # 8 + 1 + 8 + 1 + 9 = 27
        ([8.0, 8.0], 10.5, False),
    ],
)
def test_fits(durations: list[float], extra: float, ok: bool) -> None:
    assert fits(durations, extra) is ok


WHERE = spans([3.0, 5.0, 2.0])  # (0, 3), (4, 9), (10, 12)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ([], ["", "", ""]),
        ([(0.1, 0.5, " Hello"), (0.6, 1.0, " there.")], ["Hello there.", "", ""]),
        (
            [(0.0, 0.4, " one"), (4.2, 4.8, " two"), (10.1, 11.0, " three")],
            ["one", "two", "three"],
        ),
        # a word straddling a clip's end belongs where its middle is
        ([(2.6, 3.6, " late")], ["late", "", ""]),  # middle 3.1: the gap, nearer clip 0
        ([(3.4, 4.4, " early")], ["", "early", ""]),  # middle 3.9: the gap, nearer clip 1
        # words in a gap go to the nearest clip; none is lost
        ([(9.1, 9.3, " x"), (9.7, 9.9, " y")], ["", "x", "y"]),
        # after the last clip (a trailing hallucination still counts against the last clip)
        ([(12.5, 13.0, " bye")], ["", "", "bye"]),
        # Arabic words keep their own spacing
        ([(0.1, 0.5, " مرحبا"), (0.6, 1.0, " بكم")], ["مرحبا بكم", "", ""]),
    ],
)
def test_assign_words(words: list[Word], expected: list[str]) -> None:
    assert assign_words(words, WHERE) == expected


def test_join_puts_the_gap_of_silence_between_clips() -> None:
    a = np.ones(RATE, np.float32)
    b = np.full(RATE // 2, 0.5, np.float32)
    out = join([a, b])
    gap = round(GAP_S * RATE)
    assert out.size == a.size + gap + b.size
    assert np.all(out[RATE : RATE + gap] == 0.0)
    assert np.all(out[RATE + gap :] == 0.5)
    assert join([a]).size == RATE
    assert join([]).size == 0
