"""Voice blends: the inline syntax, normalised weights, the canonical speaker, and style blending (pure)."""

from __future__ import annotations

import numpy as np
import pytest

from voxray_runtime.engines.kokoro_blend import blend_styles
from voxray_runtime.voices import VoiceError
from voxray_runtime.voices.blend import is_blend, normalise, parse_blend, speaker_of


@pytest.mark.parametrize(
    ("text", "weights"),
    [
        ("bf_emma(2)+bf_isabella(1)", {"bf_emma": 2 / 3, "bf_isabella": 1 / 3}),
        ("bf_emma + bf_isabella", {"bf_emma": 0.5, "bf_isabella": 0.5}),
        (" af_heart ( 0.25 ) + af_bella(0.75)", {"af_heart": 0.25, "af_bella": 0.75}),
        ("bf_emma", {"bf_emma": 1.0}),
    ],
)
def test_parse_blend(text: str, weights: dict[str, float]) -> None:
    assert parse_blend(text) == pytest.approx(weights)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bf_emma(0)+bf_isabella(1)", "must be > 0"),
        ("bf_emma(-1)", "is not 'voice' or 'voice\\(weight\\)'"),
        ("bf_emma(2", "is not 'voice'"),
        ("bf_emma++bf_isabella", "is not 'voice'"),
        ("BF_EMMA", "is not 'voice'"),
        ("bf_emma+bf_emma", "named twice"),
        ("+".join(f"v{i}" for i in range(9)), "at most 8 voices"),
        ("a" * 401, "at most 400 characters"),
    ],
)
def test_bad_blends(text: str, message: str) -> None:
    with pytest.raises(VoiceError, match=message) as err:
        parse_blend(text)
    assert err.value.field == "voice"


def test_is_blend() -> None:
    assert is_blend("a(1)")
    assert is_blend("a+b")
    assert not is_blend("bf_emma")
    assert not is_blend("female_en-GB")


def test_speaker_of_is_canonical() -> None:
    assert speaker_of({"bf_isabella": 1, "bf_emma": 3}) == "bf_emma(0.7500)+bf_isabella(0.2500)"
    assert speaker_of(parse_blend(speaker_of({"bf_isabella": 1, "bf_emma": 3}))) == speaker_of(
        {"bf_emma": 0.75, "bf_isabella": 0.25}
    )
    assert speaker_of({"bf_emma": 5}) == "bf_emma"
    with pytest.raises(VoiceError, match="> 0"):
        normalise({"bf_emma": 0})


def test_blend_styles_is_the_weighted_mean() -> None:
    a = np.zeros((510, 1, 256), np.float32)
    b = np.ones((510, 1, 256), np.float32)
    out = blend_styles([a, b], [3, 1])
    assert out.dtype == np.float32
    assert out.shape == a.shape
    np.testing.assert_allclose(out, 0.25)
    np.testing.assert_array_equal(blend_styles([b], [7]), b)


@pytest.mark.parametrize(
    ("tables", "weights", "message"),
    [
        ([], [], "one weight per style table"),
        ([np.zeros((2, 2), np.float32)], [1, 2], "one weight per style table"),
        ([np.zeros((2, 2), np.float32), np.zeros((3, 2), np.float32)], [1, 1], "differ in shape"),
        ([np.zeros((2, 2), np.float32)], [0], "> 0"),
        ([np.zeros((2, 2), np.float32)], [float("nan")], "> 0"),
    ],
)
def test_blend_styles_refuses(tables: list[np.ndarray], weights: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        blend_styles(tables, weights)
