"""Stop sequences and generation parameters (pure)."""

from __future__ import annotations

import pytest

from voxray_runtime.engines.text.params import GenerationParams, GenerationResult, StopMatcher, Usage


@pytest.mark.parametrize(
    ("stops", "pieces", "emitted", "stopped"),
    [
        ((), ["Hello", " world"], "Hello world", False),
        (("\n",), ["Hello", " world\nmore"], "Hello world", True),
        (("END",), ["abc E", "N", "D tail"], "abc ", True),  # split across three pieces
        (("END",), ["abc E", "N", "X"], "abc ENX", False),  # a false start is released
        (("END",), ["abc EN"], "abc ", False),  # held back until it is known (flush gives it)
        (("##", "\n\n"), ["a\n", "\nb"], "a", True),
        (("stop",), ["stop"], "", True),  # stop at the very start
        (("ab", "b"), ["xab"], "x", True),  # the earliest match wins
        (("aaa",), ["aa", "a"], "", True),
    ],
)
def test_stop_matcher(stops: tuple[str, ...], pieces: list[str], emitted: str, stopped: bool) -> None:
    m = StopMatcher(stops)
    out, hit = "", False
    for p in pieces:
        text, hit = m.feed(p)
        out += text
        if hit:
            break
    assert (out, hit) == (emitted, stopped)


def test_stop_matcher_flush_releases_a_partial_match() -> None:
    m = StopMatcher(("END",))
    assert m.feed("abc EN") == ("abc ", False)
    assert m.flush() == "EN"
    assert m.flush() == ""


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_tokens": 0},
        {"temperature": -0.1},
        {"temperature": 2.5},
        {"top_p": 0.0},
        {"top_p": 1.5},
        {"stop": ("",)},
        {"stop": ("a", "b", "c", "d", "e")},
    ],
)
def test_generation_params_refuse_out_of_range(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"must|takes"):
        GenerationParams(**kwargs)  # type: ignore[arg-type]


def test_params_and_results_cross_the_wire_unchanged() -> None:
    p = GenerationParams(max_tokens=9, temperature=0.3, top_p=0.5, stop=("x",), seed=7)
    assert GenerationParams.from_wire(p.to_wire()) == p
    r = GenerationResult("length", Usage(5, 9), 0.2, 1.6, 0.01)
    assert GenerationResult.from_wire(r.to_wire()) == r
    assert r.tokens_per_second == pytest.approx(8 / 1.6)
    assert GenerationResult("stop", Usage(5, 1), 0.2, 0.0).tokens_per_second == 0.0
