"""The evaluation's pure measurements, table-tested without I/O (synthetic signals, literal text)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from voxray_runtime.evaluation import bounds
from voxray_runtime.evaluation import metrics as m
from voxray_runtime.evaluation.corpus import CorpusError, load_sentence_set, parse_sentence_set
from voxray_runtime.evaluation.quantization import MIN_SPEEDUP, Evidence, choose_default
from voxray_runtime.voices import LANGUAGES

RATE = 16_000


def tone(freq: float, seconds: float = 1.0, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def brown_noise(seconds: float = 1.0) -> np.ndarray:
    walk = np.cumsum(np.random.default_rng(1).standard_normal(int(seconds * RATE)))
    walk -= walk.mean()
    return (0.3 * walk / np.abs(walk).max()).astype(np.float32)


def pulses(freq: float, seconds: float = 1.0) -> np.ndarray:
    out = np.zeros(int(seconds * RATE), np.float32)
    out[:: round(RATE / freq)] = 0.5
    return out


def noise(seconds: float = 1.0, amp: float = 0.3) -> np.ndarray:
    return (amp * np.random.default_rng(0).standard_normal(int(seconds * RATE))).astype(np.float32)


# ---- text -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "language", "dialect", "hypothesis", "expected"),
    [
        ("Hello, World!", "en", "en-US", False, "hello world"),
        ("I have 25 coins.", "en", "en-US", False, "i have twenty five coins"),
        ("the the fifteenth", "en", "en-GB", True, "the fifteenth"),
        ("¿Crees que parará?", "es", None, False, "crees que parará"),
        ("फ़र्श", "hi", None, False, "फर्श"),
        ("أحضرْ الشايَ", "ar", None, False, "احضر الشاي"),
        ("مدرسة", "ar", None, False, "مدرسه"),
        ("كيا", "ur", None, False, "کیا"),
        ("   ", "en", "en-US", False, ""),
    ],
)
def test_scoring_form(text: str, language: str, dialect: str | None, hypothesis: bool, expected: str) -> None:
    assert m.scoring_form(text, language, dialect, hypothesis=hypothesis) == expected


@pytest.mark.parametrize(
    ("ref", "hyp", "distance"),
    [
        ("", "", 0),
        ("abc", "abc", 0),
        ("abc", "", 3),
        ("", "abc", 3),
        ("kitten", "sitting", 3),
        (["a", "b", "c"], ["a", "c"], 1),
        (["a", "b"], ["a", "b", "b", "b"], 2),
    ],
)
def test_edit_distance(ref: str | list[str], hyp: str | list[str], distance: int) -> None:
    assert m.edit_distance(ref, hyp) == distance


@pytest.mark.parametrize(
    ("pairs", "wer", "cer"),
    [
        ([("a b c d", "a b c d")], 0.0, 0.0),
        ([("a b c d", "a x c d")], 0.25, 0.25),
        ([("a b", "a b"), ("c d", "")], 0.5, 0.5),
        ([("ab", "ab ab ab")], 2.0, 2.0),  # insertions (hallucinated repeats) count: rates exceed 1
        ([("ab cd", "abcd")], 1.0, 0.0),  # a missing space costs words, not characters
        ([], 0.0, 0.0),
    ],
)
def test_error_rates(pairs: list[tuple[str, str]], wer: float, cer: float) -> None:
    r = m.error_rates(pairs)
    assert (r.wer, r.cer) == (pytest.approx(wer), pytest.approx(cer))


@pytest.mark.parametrize(
    ("text", "dominant"),
    [
        ("hello", "latin"),
        ("آج رات", "arabic"),
        ("आज रात", "devanagari"),
        ("آج raat रात रात रात", "devanagari"),
        ("123 !!", None),
    ],
)
def test_dominant_script(text: str, dominant: str | None) -> None:
    assert m.dominant_script(text) == dominant


def test_script_share_sums_to_one_or_zero() -> None:
    assert sum(m.script_share("abc آج").values()) == pytest.approx(1.0)
    assert m.script_share("42") == {"latin": 0.0, "arabic": 0.0, "devanagari": 0.0}


@pytest.mark.parametrize(
    ("text", "loop"),
    [
        ("با " * 12, True),
        ("one two three four five six seven eight nine ten", False),
        ("no no no", False),  # too short to call a loop
    ],
)
def test_repetitive(text: str, loop: bool) -> None:
    assert m.repetitive(text) is loop


def test_spoken_chars_count_the_spoken_form_without_spaces() -> None:
    assert m.spoken_chars("I have 2.", "en", "en-US") == len("ihavetwo")


# ---- audio ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("signal", "clipped"),
    [
        (np.zeros(100, np.float32), 0.0),
        (np.array([0.5, 1.0, -1.0, 0.2], np.float32), 0.5),
        (np.zeros(0, np.float32), 0.0),
    ],
)
def test_clipping_ratio(signal: np.ndarray, clipped: float) -> None:
    assert m.clipping_ratio(signal) == pytest.approx(clipped)


@pytest.mark.parametrize(
    ("signal", "silent"),
    [
        (tone(200), 0.0),
        (np.zeros(RATE, np.float32), 1.0),
        (tone(200, amp=0.001), 1.0),  # -60 dBFS is silence by the absolute floor
        (np.concatenate([tone(200, 0.5), np.zeros(RATE // 2, np.float32)]), 0.5),
        (np.zeros(0, np.float32), 1.0),
    ],
)
def test_silence_ratio(signal: np.ndarray, silent: float) -> None:
    assert m.silence_ratio(signal, RATE) == pytest.approx(silent, abs=0.03)


@pytest.mark.parametrize(
    ("signal", "low", "high"),
    [
        (tone(120), 0.95, 1.0),  # periodic in the pitch range: voiced
        (np.concatenate([tone(120, 0.5), np.zeros(RATE // 2, np.float32)]), 0.9, 1.0),  # pauses not counted
        (noise(), 0.0, 0.05),
        (brown_noise(), 0.0, 0.15),  # strongly correlated, not periodic: rarely an interior peak
        (pulses(90.0), 0.95, 1.0),  # a low male voice's glottal pulses: voiced despite the long period
        (np.zeros(RATE, np.float32), 0.0, 0.0),
        (np.concatenate([tone(200, 0.5), noise(0.5)]), 0.4, 0.6),
    ],
)
def test_voiced_fraction(signal: np.ndarray, low: float, high: float) -> None:
    assert low <= m.voiced_fraction(signal, RATE) <= high


def test_seconds_per_char() -> None:
    assert m.seconds_per_char(3.0, 40) == pytest.approx(0.075)
    assert m.seconds_per_char(3.0, 0) == 0.0


@pytest.mark.parametrize(
    ("a", "b", "cos"),
    [
        ([1.0, 0.0], [1.0, 0.0], 1.0),
        ([1.0, 0.0], [0.0, 2.0], 0.0),
        ([1.0, 1.0], [-1.0, -1.0], -1.0),
        ([0.0, 0.0], [1.0, 0.0], 0.0),
    ],
)
def test_cosine(a: list[float], b: list[float], cos: float) -> None:
    assert m.cosine(np.array(a), np.array(b)) == pytest.approx(cos)


def test_mean_cross_skips_the_same_sentence() -> None:
    e = [np.array([1.0, 0.0]), np.array([0.0, 1.0])]
    assert m.mean_cross(e, e) == pytest.approx(0.0)  # only (0, 1) and (1, 0): orthogonal
    assert m.mean_paired(e, e) == pytest.approx(1.0)
    assert m.mean_cross(e[:1], e[:1]) == pytest.approx(1.0)  # one sentence: the same-sentence cosine


@pytest.mark.parametrize(
    ("ref", "other", "snr"),
    [
        (tone(200), tone(200), math.inf),
        (tone(200), 0.9 * tone(200), 20.0),
        (tone(200), np.zeros(RATE, np.float32), 0.0),
    ],
)
def test_waveform_snr_db(ref: np.ndarray, other: np.ndarray, snr: float) -> None:
    assert m.waveform_snr_db(ref, other) == pytest.approx(snr, abs=0.01)


# ---- bounds ---------------------------------------------------------------------------------------
def test_every_bound_says_why() -> None:
    for b in bounds.BOUNDS:
        assert len(b.reason) > 40, b.name


@pytest.mark.parametrize(
    ("signal", "failing"),
    [
        (np.concatenate([tone(150, 0.7), noise(0.3, 0.05)]), []),
        (np.zeros(RATE, np.float32), ["RMS", "silence ratio", "voiced fraction"]),
        (noise(), ["voiced fraction"]),
        (np.clip(tone(150, amp=3.0), -1, 1), ["clipping ratio"]),
        (tone(150, amp=0.003), ["RMS", "silence ratio", "voiced fraction"]),
    ],
)
def test_audio_failures(signal: np.ndarray, failing: list[str]) -> None:
    got = bounds.audio_failures(signal, RATE)
    assert [f.split(" ")[0] for f in got] == [f.split(" ")[0] for f in failing]
    for f, name in zip(got, failing, strict=True):
        assert f.startswith(name)


@pytest.mark.parametrize(
    ("f0", "gender", "fails"),
    [
        (210.0, "female", False),
        (120.0, "male", False),
        (120.0, "female", True),
        (210.0, "male", True),
        (165.0, "female", False),
        (165.0, "male", False),
        (50.0, "male", True),
        (0.0, "female", True),  # no pitch at all
        (350.0, "female", True),
    ],
)
def test_gender_failures(f0: float, gender: str, fails: bool) -> None:
    assert bool(bounds.gender_failures(f0, gender)) is fails


@pytest.mark.parametrize(
    ("detected", "expected", "fails"),
    [("en", "en", False), ("es", "en", True), ("en", "es", True), ("fr", "ar", False)],
)
def test_language_failures(detected: str, expected: str, fails: bool) -> None:
    assert bool(bounds.language_failures(detected, expected)) is fails


@pytest.mark.parametrize(("wer", "fails"), [(0.0, False), (0.5, False), (0.51, True), (1.4, True)])
def test_intelligibility_failures(wer: float, fails: bool) -> None:
    assert bool(bounds.intelligibility_failures(wer)) is fails


# ---- the default numeric format -------------------------------------------------------------------
GOOD = Evidence(
    engine="piper",
    variants=("none", "int8"),
    speedup=1.5,
    word_change=1,
    word_spread=1,
    cosine_quantized=0.95,
    cosine_other_sentence=0.90,
)


@pytest.mark.parametrize(
    ("evidence", "default", "says"),
    [
        (GOOD, "int8", "int8:"),
        (Evidence(**{**GOOD.__dict__, "speedup": MIN_SPEEDUP - 0.01}), "none", "not clearly faster"),
        (Evidence(**{**GOOD.__dict__, "word_change": 3}), "none", "words differ"),
        (Evidence(**{**GOOD.__dict__, "word_change": -3}), "none", "words differ"),
        (Evidence(**{**GOOD.__dict__, "word_spread": 0, "word_change": 1}), "int8", "int8:"),
        (Evidence(**{**GOOD.__dict__, "cosine_quantized": 0.85}), "none", "voice moves"),
        (Evidence(**{**GOOD.__dict__, "speedup": None}), "none", "not measured"),
        (Evidence(engine="kokoro", variants=("int8",)), "int8", "only int8"),
        (Evidence(engine="espeak", variants=("none",)), "none", "only none"),
        (Evidence(engine="vits", variants=("none", "int8"), real_weights=False), "none", "random weights"),
    ],
)
def test_choose_default(evidence: Evidence, default: str, says: str) -> None:
    choice = choose_default(evidence)
    assert choice.default == default
    assert says in choice.reason


# ---- the sentence set -----------------------------------------------------------------------------
def test_packaged_sentence_set_is_complete() -> None:
    s = load_sentence_set("v1")
    assert s.version == "v1"
    assert len(s.sentences) >= 4
    for sentence in s.sentences:
        assert set(sentence.texts) == set(LANGUAGES)
    # a number written as digits, so the normaliser's number words are exercised in every language
    assert any(any(c.isdigit() for c in x.text("en")) for x in s.sentences)
    assert s.head(2).ids() == s.ids()[:2]


def test_sentence_set_is_not_the_hospitality_posts() -> None:
    from voxray_runtime.batch.posts import PART_FILES, POSTS_FILE, data_dir

    d = data_dir()
    files = [d / POSTS_FILE] if (d / POSTS_FILE).is_file() else [d / n for n in PART_FILES]
    posts = "\n".join(f.read_text("utf-8") for f in files)
    for sentence in load_sentence_set().sentences:
        assert sentence.text("en") not in posts


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "version"),
        ({"version": "v9", "sentences": []}, "non-empty"),
        ({"version": "v9", "sentences": [{"texts": {}}]}, "'id'"),
        ({"version": "v9", "sentences": [{"id": "a", "texts": {"en": "x"}}]}, "no text for"),
        (
            {"version": "v9", "sentences": [{"id": "a", "texts": dict.fromkeys(LANGUAGES, "x")}] * 2},
            "unique",
        ),
    ],
)
def test_malformed_sentence_sets_are_refused(data: object, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_sentence_set(data)


def test_unknown_version_is_refused() -> None:
    with pytest.raises(CorpusError, match="no evaluation sentence set"):
        load_sentence_set("v999")


# ---- the report -----------------------------------------------------------------------------------
def test_report_without_measurements_still_states_the_bounds() -> None:
    from voxray_runtime.evaluation import report

    data = {
        "machine": {"cpu": "x", "cores": 2, "memory_gib": 1.0, "gpu": "none", "python": "3.11", "date": "d"},
        "load_average_1min": {"start": 0.0, "end": 0.0},
        "phases": {},
        "wall_s": 0.0,
        "sentence_set": "v1",
        "sentences": ["tea"],
        "quick": True,
    }
    text = report.markdown(data)
    assert "quick run" in text
    for b in bounds.BOUNDS:
        assert b.name in text
