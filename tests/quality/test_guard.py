"""The speech-quality regression guard: real engines, real checkers, bounds only a broken pipeline
crosses (silence, noise, wrong language, wrong gender, unintelligible English).

Every bound and its reason lives in ``voxray_runtime.evaluation.bounds``; the evaluation report
(benchmarks/results/quality.md) shows the margin each bound has on the full sentence set. The
``*_guard_catches_*`` tests feed the same checks a deliberately broken version of real output, so a
check that could never fail would show here.
"""

from __future__ import annotations

import numpy as np
import pytest
from guarded import GUARDED, Clip, clip_key

from voxray_runtime.audio.analysis import median_f0
from voxray_runtime.evaluation import bounds
from voxray_runtime.evaluation import metrics as m
from voxray_runtime.evaluation.checkers import Recognizer

pytestmark = pytest.mark.quality

KEYS = [clip_key(a, model) for a, model in GUARDED]
ENGLISH = [k for k in KEYS if k.split("@")[0].endswith("en-US")]
DETECTED = [k for k in KEYS if k.split("_", 1)[1].split("@")[0].split("-")[0] in bounds.DETECTED_LANGUAGES]


def english_wer(recognizer: Recognizer, clip: Clip, pcm16k: np.ndarray | None = None) -> float:
    heard = recognizer.transcribe(clip.pcm16k if pcm16k is None else pcm16k, "en")
    ref = m.scoring_form(clip.text, "en", clip.binding.avatar.dialect)
    hyp = m.scoring_form(heard, "en", clip.binding.avatar.dialect, hypothesis=True)
    return m.error_rates([(ref, hyp)]).wer


@pytest.mark.parametrize("key", KEYS)
def test_speech_is_audible(clips: dict[str, Clip], key: str) -> None:
    c = clips[key]
    assert bounds.audio_failures(c.pcm, c.rate) == [], f"{key} ({c.binding.engine})"


@pytest.mark.parametrize("key", DETECTED)
def test_language_is_the_one_spoken(clips: dict[str, Clip], whisper_base: Recognizer, key: str) -> None:
    c = clips[key]
    detected = whisper_base.detect(c.pcm16k)
    assert bounds.language_failures(detected.language, c.binding.avatar.language) == [], (
        f"{key}: p={detected.probability:.2f}"
    )


@pytest.mark.parametrize("key", KEYS)
def test_pitch_matches_the_gender(clips: dict[str, Clip], key: str) -> None:
    c = clips[key]
    assert bounds.gender_failures(median_f0(c.pcm, c.rate), c.binding.avatar.gender) == [], key


@pytest.mark.parametrize("engine", sorted({"kokoro", "espeak"}))
def test_female_voice_is_higher_than_male(clips: dict[str, Clip], engine: str) -> None:
    by_gender = {
        c.binding.avatar.gender: median_f0(c.pcm, c.rate)
        for c in clips.values()
        if c.binding.engine == engine and c.binding.avatar.locale in ("en-US", "ar-SA")
    }
    assert by_gender["female"] > by_gender["male"], by_gender


@pytest.mark.parametrize("key", ENGLISH)
def test_english_is_intelligible(clips: dict[str, Clip], whisper_tiny_en: Recognizer, key: str) -> None:
    wer = english_wer(whisper_tiny_en, clips[key])
    assert bounds.intelligibility_failures(wer) == [], key


# ---- the guard can fail: the same checks on deliberately broken versions of real output ----------
def test_guard_catches_a_silent_or_quiet_output(clips: dict[str, Clip]) -> None:
    c = clips["female_en-US"]
    assert bounds.audio_failures(np.zeros_like(c.pcm), c.rate)
    assert bounds.audio_failures((c.pcm * 0.005).astype(np.float32), c.rate)  # a -46 dB gain bug


def test_guard_catches_noise_in_place_of_speech(clips: dict[str, Clip]) -> None:
    c = clips["female_en-US"]
    rng = np.random.default_rng(0)
    noise = (rng.standard_normal(len(c.pcm)) * m.rms(c.pcm)).astype(np.float32)
    assert any("voiced fraction" in f for f in bounds.audio_failures(noise, c.rate))


def test_guard_catches_a_wrong_sample_rate(clips: dict[str, Clip]) -> None:
    """Male speech played 1.5x too fast (a 16 kHz engine declared as 24 kHz) sounds female."""
    c = clips["male_en-US"]
    assert bounds.gender_failures(median_f0(c.pcm, int(c.rate * 1.5)), "male")


def test_guard_catches_the_other_gender(clips: dict[str, Clip]) -> None:
    female, male = clips["female_en-US"], clips["male_en-US"]
    assert bounds.gender_failures(median_f0(male.pcm, male.rate), "female")
    assert bounds.gender_failures(median_f0(female.pcm, female.rate), "male")


def test_guard_catches_the_wrong_language(clips: dict[str, Clip], whisper_base: Recognizer) -> None:
    spanish = clips["female_es"]
    assert bounds.language_failures(whisper_base.detect(spanish.pcm16k).language, "en")


def test_guard_catches_unintelligible_english(clips: dict[str, Clip], whisper_tiny_en: Recognizer) -> None:
    """The same voice, spectrum and pitch, reversed in time: no words survive."""
    c = clips["female_en-US"]
    reversed_speech = np.ascontiguousarray(c.pcm16k[::-1])
    assert bounds.intelligibility_failures(english_wer(whisper_tiny_en, c, reversed_speech))
