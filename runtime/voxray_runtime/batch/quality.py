"""The batch's quality check, the pure part: which files a recogniser can judge, the per-language
character error rate (CER) bounds, the verdict of one transcript, and the counts summary.json, the
progress lines and the gallery show. No model and no I/O: table-tested (tests/unit/test_batch_quality.py).

The CER is the evaluation's (``evaluation.metrics``): both texts in voxray's spoken form for the locale
(numbers as words, punctuation dropped, Arabic and Urdu letter variants folded), characters without
spaces, insertions counted (a looping recogniser goes above 1).

The bounds come from the Whisper base figures measured on our own voices (benchmarks/results/quality.md,
docs/brand-voices.md): a file above its bound has lost its words (wrong language, garbled or cut audio),
while a correct render of the same voice scores well below it. Where Whisper base itself misreads correct
speech (Hindi, which it writes in Urdu script; espeak-ng's formant Arabic, on which it loops), no bound
can tell a good file from a bad one: those files are ``unchecked``, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from voxray_runtime.evaluation.bounds import MAX_ARABIC_CER
from voxray_runtime.evaluation.metrics import error_rates, scoring_form

CHECKER = "whisper-base"
VERDICTS = ("passed", "failed", "unchecked")


@dataclass(frozen=True)
class CerBound:
    value: float
    reason: str


#: per-language CER bounds for one file (one post), from the measured figures
BOUNDS: dict[str, CerBound] = {
    "en": CerBound(
        0.3,
        "Kokoro English reads at CER 0.00-0.02 (corpus) with Whisper base; 0.3 leaves one short post room "
        "for a brand name or two, while a wrong language or garbled audio scores near or above 1",
    ),
    "es": CerBound(
        0.3,
        "Kokoro Spanish reads at CER 0.02 (corpus, WER 0.04); the same room as English",
    ),
    "ar": CerBound(
        MAX_ARABIC_CER.value,
        "the evaluation guard's Arabic bound: Kokoro's Arabic avatars read at CER 0.35-0.38 (v1) and "
        "0.35-0.37 (hospitality) with Whisper base, which reads natural Arabic at 0.07",
    ),
    "ur": CerBound(
        0.4,
        "Kokoro's Urdu avatars read at CER 0.12 (decoding forced to Urdu), espeak-ng's true Urdu voice at "
        "0.30-0.46; a file above 0.4 is further from its text than either",
    ),
}

#: languages Whisper base cannot judge, whatever the voice
UNRELIABLE_LANGUAGES: dict[str, str] = {
    "hi": "Whisper base writes Hindi in Urdu script: correct Kokoro Hindi measures CER 0.96-0.97 against "
    "the Devanagari text (benchmarks/results/quality.md), so no CER bound separates good from bad files",
}
#: (engine, language) pairs Whisper base cannot judge
UNRELIABLE_VOICES: dict[tuple[str, str], str] = {
    ("espeak", "ar"): "Whisper base loops on espeak-ng's formant Arabic: CER 0.64-1.31 on correct renders "
    "(benchmarks/results/quality.md), above any useful bound",
}

#: the recogniser's beam per language where it is smaller than Whisper's 5, each the smallest measured to
#: keep every verdict and the mean CER of rendered posts: English and Spanish decode greedily
#: (benchmarks/results/qa_beam.md); Urdu at beam 2 and Arabic at beam 3 (qa_beam_ar_ur.md: beam 1 raised
#: both languages' CER, beam 2 failed a correct Arabic file)
BEAMS: dict[str, int] = {"en": 1, "es": 1, "ur": 2, "ar": 3}
BEAM_SIZE = 5


def beam_for(language: str) -> int:
    """The recogniser's beam size for a file in ``language``."""
    return BEAMS.get(language, BEAM_SIZE)


@dataclass(frozen=True)
class Judge:
    """How one file is judged: against ``bound``, or not at all (``reason`` says why)."""

    language: str
    bound: float | None
    reason: str = ""

    @property
    def checked(self) -> bool:
        return self.bound is not None


def judge_for(language: str, engine: str, overrides: Mapping[str, float] | None = None) -> Judge:
    """The bound for a file in ``language`` spoken by ``engine``; a bound the batch gives wins."""
    given = (overrides or {}).get(language)
    if given is not None:
        return Judge(language, float(given))
    if (engine, language) in UNRELIABLE_VOICES:
        return Judge(language, None, UNRELIABLE_VOICES[(engine, language)])
    if language in UNRELIABLE_LANGUAGES:
        return Judge(language, None, UNRELIABLE_LANGUAGES[language])
    known = BOUNDS.get(language)
    if known is None:
        return Judge(language, None, f"no measured {CHECKER} bound for language {language!r}")
    return Judge(language, known.value)


def cer(text: str, transcript: str, language: str, dialect: str | None = None) -> float:
    """The character error rate of ``transcript`` against ``text`` (both in scoring form)."""
    ref = scoring_form(text, language, dialect)
    hyp = scoring_form(transcript, language, dialect, hypothesis=True)
    return error_rates([(ref, hyp)]).cer


def verdict_row(judge: Judge, rate: float, transcript: str, renders: int) -> dict[str, Any]:
    """The manifest row's ``qa`` field of a checked file; a failed one carries its transcript."""
    assert judge.bound is not None
    passed = rate <= judge.bound
    row: dict[str, Any] = {
        "checker": CHECKER,
        "cer": round(rate, 4),
        "bound": judge.bound,
        "verdict": "passed" if passed else "failed",
        "renders": renders,
    }
    if not passed:
        row["transcript"] = transcript
    return row


def unchecked_row(reason: str) -> dict[str, Any]:
    return {"checker": CHECKER, "verdict": "unchecked", "reason": reason}


def row_valid(row: Any) -> bool:
    """A manifest ``qa`` field the resume rule accepts: this checker's, with a known verdict."""
    return isinstance(row, dict) and row.get("checker") == CHECKER and row.get("verdict") in VERDICTS


@dataclass
class QaCounts:
    """Files checked (passed + failed), passed, failed and unchecked."""

    passed: int = 0
    failed: int = 0
    unchecked: int = 0

    @property
    def checked(self) -> int:
        return self.passed + self.failed

    def add(self, row: Any) -> None:
        verdict = row.get("verdict") if isinstance(row, dict) else None
        if verdict == "passed":
            self.passed += 1
        elif verdict == "failed":
            self.failed += 1
        elif verdict == "unchecked":
            self.unchecked += 1

    def as_dict(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "passed": self.passed,
            "failed": self.failed,
            "unchecked": self.unchecked,
        }


def quality_line(counts: QaCounts) -> str:
    """What a run says of its files' checks when it ends."""
    line = f"quality ({CHECKER}): {counts.checked} checked, {counts.passed} passed, {counts.failed} failed"
    line += f", {counts.unchecked} unchecked"
    return line + (" (failed files: summary.json quality.failed_files)" if counts.failed else "")


def counts_of(entries: Iterable[Mapping[str, Any]]) -> QaCounts:
    counts = QaCounts()
    for entry in entries:
        counts.add(entry.get("qa"))
    return counts


def quality_summary(
    entries: Iterable[Mapping[str, Any]], *, enabled: bool, overrides: Mapping[str, float] | None = None
) -> dict[str, Any]:
    """summary.json's ``quality``: the counts over the manifest, the failed files with their transcripts,
    the unchecked reasons, the bounds in force and the CPU the checks took in this run."""
    rows = list(entries)
    failed = [
        {
            "name": e["name"],
            "avatar": e.get("avatar"),
            "cer": e["qa"].get("cer"),
            "bound": e["qa"].get("bound"),
            "transcript": e["qa"].get("transcript", ""),
        }
        for e in rows
        if isinstance(e.get("qa"), dict) and e["qa"].get("verdict") == "failed"
    ]
    reasons: dict[str, int] = {}
    for e in rows:
        qa = e.get("qa")
        if isinstance(qa, dict) and qa.get("verdict") == "unchecked":
            reasons[str(qa.get("reason", ""))] = reasons.get(str(qa.get("reason", "")), 0) + 1
    bounds = {lang: b.value for lang, b in BOUNDS.items()} | dict(overrides or {})
    return {
        "enabled": enabled,
        "checker": CHECKER,
        **counts_of(rows).as_dict(),
        "failed_files": failed,
        "unchecked_reasons": reasons,
        "bounds": dict(sorted(bounds.items())),
    }
