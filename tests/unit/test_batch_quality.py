"""The batch quality check's pure logic: which files are judged and against what bound, the verdict of
a transcript, the counts and summary, and the ``qa`` field of the progress line."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from voxray_runtime.batch.progress import Progress, parse_progress
from voxray_runtime.batch.quality import (
    BEAM_SIZE,
    BOUNDS,
    QaCounts,
    beam_for,
    cer,
    counts_of,
    judge_for,
    quality_line,
    quality_summary,
    row_valid,
    unchecked_row,
    verdict_row,
)
from voxray_runtime.evaluation.bounds import MAX_ARABIC_CER
from voxray_runtime.spec.speechbatch import QualitySpec


@pytest.mark.parametrize(
    ("language", "engine", "overrides", "bound", "reason"),
    [
        ("en", "kokoro", {}, 0.3, ""),
        ("es", "kokoro", {}, 0.3, ""),
        ("ur", "kokoro", {}, 0.4, ""),
        ("ar", "kokoro", {}, MAX_ARABIC_CER.value, ""),
        ("en", "piper", {}, 0.3, ""),
        ("ar", "espeak", {}, None, "loops on espeak-ng's formant Arabic"),
        ("hi", "kokoro", {}, None, "writes Hindi in Urdu script"),
        ("fr", "kokoro", {}, None, "no measured whisper-base bound"),
        ("en", "kokoro", {"en": 0.1}, 0.1, ""),
        # a bound the batch gives is the batch's choice, even where the defaults leave files unchecked
        ("hi", "kokoro", {"hi": 0.9}, 0.9, ""),
        ("ar", "espeak", {"ar": 1.2}, 1.2, ""),
    ],
)
def test_judge_table(
    language: str, engine: str, overrides: dict[str, float], bound: float | None, reason: str
) -> None:
    judge = judge_for(language, engine, overrides)
    assert judge.bound == bound
    assert judge.checked == (bound is not None)
    assert reason in judge.reason
    if bound is None:
        assert judge.reason


@pytest.mark.parametrize(
    ("text", "transcript", "language", "low", "high"),
    [
        ("Breakfast is served at seven.", "Breakfast is served at 7.", "en", 0.0, 0.0),  # digits are words
        ("Welcome to our hotel.", "welcome to our hotel", "en", 0.0, 0.0),  # case, punctuation
        ("Welcome to our hotel.", "Welcome to the motel.", "en", 0.05, 0.3),
        ("Welcome to our hotel.", "", "en", 1.0, 1.0),  # nothing heard: every character lost
        ("Welcome to our hotel.", "Excuse me please, excuse me please, excuse me", "en", 1.0, 5.0),
        ("El spa está abierto.", "El spa está abierto", "es", 0.0, 0.0),
        ("مرحبا بكم في فندقنا", "مرحبا بكم في فندقنا", "ar", 0.0, 0.0),
        ("مرحبا بكم في فندقنا", "مَرحَبًا بكم فى فندقنا", "ar", 0.0, 0.0),  # diacritics, letter variants
    ],
)
def test_cer_table(text: str, transcript: str, language: str, low: float, high: float) -> None:
    assert low <= cer(text, transcript, language) <= high


def test_verdict_rows() -> None:
    judge = judge_for("en", "kokoro")
    passed = verdict_row(judge, 0.04, "fine", renders=1)
    assert passed == {"checker": "whisper-base", "cer": 0.04, "bound": 0.3, "verdict": "passed", "renders": 1}
    failed = verdict_row(judge, 0.91234, "Excuse me", renders=2)
    assert failed["verdict"] == "failed"
    assert failed["cer"] == 0.9123
    assert failed["transcript"] == "Excuse me"
    assert verdict_row(judge, 0.3, "x", renders=1)["verdict"] == "passed"  # the bound itself passes
    unchecked = unchecked_row("why")
    assert unchecked == {"checker": "whisper-base", "verdict": "unchecked", "reason": "why"}
    assert all(row_valid(r) for r in (passed, failed, unchecked))
    for bad in (None, {}, {"checker": "other", "verdict": "passed"}, {"checker": "whisper-base"}, "passed"):
        assert not row_valid(bad)


def rows(*verdicts: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, v in enumerate(verdicts):
        qa: dict[str, Any] = {"checker": "whisper-base", "verdict": v}
        if v == "failed":
            qa |= {"cer": 0.9, "bound": 0.3, "transcript": "heard"}
        if v == "unchecked":
            qa["reason"] = "no bound"
        out.append({"name": f"f{i}.mp3", "avatar": "female_en-US", "qa": qa})
    out.append({"name": "plain.mp3"})  # a row from a run without the check counts nowhere
    return out


def test_counts_and_summary() -> None:
    entries = rows("passed", "passed", "failed", "unchecked")
    assert counts_of(entries).as_dict() == {"checked": 3, "passed": 2, "failed": 1, "unchecked": 1}
    summary = quality_summary(entries, enabled=True, overrides={"en": 0.2})
    assert (summary["checked"], summary["passed"], summary["failed"], summary["unchecked"]) == (3, 2, 1, 1)
    assert summary["failed_files"] == [
        {"name": "f2.mp3", "avatar": "female_en-US", "cer": 0.9, "bound": 0.3, "transcript": "heard"}
    ]
    assert summary["unchecked_reasons"] == {"no bound": 1}
    said = quality_line(counts_of(entries))
    assert said.startswith("quality (whisper-base): 3 checked, 2 passed, 1 failed, 1 unchecked")
    assert "quality.failed_files" in said
    assert "failed_files" not in quality_line(QaCounts(passed=2))
    assert summary["bounds"]["en"] == 0.2
    assert summary["bounds"]["ar"] == BOUNDS["ar"].value


def test_progress_line_carries_the_counts() -> None:
    qa = QaCounts(passed=5, failed=1, unchecked=2).as_dict()
    line = Progress(total=10, done=8, failed=0, qa=qa).line()
    assert '"qa":{"checked":6,"failed":1,"passed":5,"unchecked":2}' in line
    parsed = parse_progress("x\n" + line + "\n")
    assert parsed is not None
    assert parsed.qa == qa
    plain = Progress(total=10, done=8, failed=0).line()
    assert '"qa"' not in plain
    assert parse_progress(plain) == Progress(total=10, done=8, failed=0)


def test_quality_spec() -> None:
    assert QualitySpec().check is True
    assert QualitySpec().checker == "whisper-base"
    assert QualitySpec.model_validate({"check": False, "bounds": {"en": 0.2}}).bounds == {"en": 0.2}
    for bad in ({"bounds": {"en": 0}}, {"bounds": {"en": 3}}, {"bounds": {"e1": 0.2}}, {"checker": "x"}):
        with pytest.raises(ValidationError):
            QualitySpec.model_validate(bad)


@pytest.mark.parametrize(
    ("language", "beam"), [("en", 1), ("es", 1), ("ar", 3), ("ur", 2), ("hi", BEAM_SIZE), ("xx", BEAM_SIZE)]
)
def test_beam_per_language(language: str, beam: int) -> None:
    assert BEAM_SIZE == 5  # Whisper's own default wherever nothing smaller was measured
    assert beam_for(language) == beam
