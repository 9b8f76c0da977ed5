"""The per-file deadline and the no-worker stall clock of the batch feeder (batch/deadline.py). No Ray."""

from __future__ import annotations

import pytest

from voxray_runtime.batch.deadline import BASE_S, MAX_S, PER_CHAR_S, Stall, item_deadline_s


@pytest.mark.parametrize(
    ("chars", "fixed", "expected"),
    [
        (0, None, BASE_S),
        (-5, None, BASE_S),
        (100, None, BASE_S + 100 * PER_CHAR_S),
        (2000, None, BASE_S + 2000 * PER_CHAR_S),
        (10**7, None, MAX_S),
        (2000, 7.5, 7.5),
        (0, 1, 1.0),
    ],
)
def test_item_deadline_grows_with_the_text_and_is_bounded(
    chars: int, fixed: float | None, expected: float
) -> None:
    assert item_deadline_s(chars, fixed) == pytest.approx(expected)


@pytest.mark.parametrize("fixed", [0.0, -1.0])
def test_item_deadline_must_be_positive(fixed: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        item_deadline_s(10, fixed)


def test_longer_text_never_gets_a_shorter_deadline() -> None:
    values = [item_deadline_s(n) for n in range(0, 20000, 97)]
    assert values == sorted(values)


@pytest.mark.parametrize(
    ("passes", "expected"),
    [
        # (now, waiting, workers) ... -> seconds stood at the last pass
        ([(0.0, True, 0), (5.0, True, 0)], 5.0),
        ([(0.0, True, 0), (5.0, True, 1), (6.0, True, 0), (8.0, True, 0)], 2.0),
        ([(0.0, True, 0), (5.0, False, 0), (9.0, True, 0)], 0.0),
        ([(0.0, False, 0), (3.0, False, 0)], 0.0),
        ([(0.0, True, 2), (30.0, True, 2)], 0.0),
    ],
)
def test_stall_counts_only_unbroken_time_with_work_and_no_worker(
    passes: list[tuple[float, bool, int]], expected: float
) -> None:
    stall = Stall()
    stood = 0.0
    for now, waiting, workers in passes:
        stood = stall.see(now, waiting, workers)
    assert stood == pytest.approx(expected)
