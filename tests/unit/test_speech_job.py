"""The speech job and its result: built once from a text, crossing Ray handles as they are (pickled)."""

from __future__ import annotations

import pickle

import pytest

from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.speech.job import MAX_CHUNK_CHARS, EmptyTextError, SpeechJob, SpeechResult, text_chunks
from voxray_runtime.voices import VoiceBinding, parse_avatar


def binding(avatar: str = "female_en-GB") -> VoiceBinding:
    return catalog_for(default_models()).resolve(parse_avatar(avatar))


def test_a_job_for_a_text_holds_its_chunks_and_the_voice() -> None:
    b = binding()
    text = "Welcome to the Azure Palm. Breakfast is served from seven."
    job = SpeechJob.for_text(b, text, speed=1.25, format="wav", bitrate_kbps=96)
    assert job.chunks == text_chunks(text, b)
    assert len(job.chunks) == 2
    assert (job.model, job.speaker, job.engine_language) == (b.model, b.speaker, b.engine_language)
    assert (job.speed, job.format, job.bitrate_kbps, job.chars) == (1.25, "wav", 96, len(text))
    assert [(r.text, r.speaker, r.language, r.speed) for r in job.requests()] == [
        (c, b.speaker, b.engine_language, 1.25) for c in job.chunks
    ]


def test_request_ids_are_new_per_job_unless_given() -> None:
    b = binding()
    first, second = (SpeechJob.for_text(b, "Hello there.") for _ in range(2))
    assert first.request_id != second.request_id
    assert len(first.request_id) == 32
    assert SpeechJob.for_text(b, "Hello there.", request_id="item-7").request_id == "item-7"


def test_long_sentences_are_cut_to_the_engine_window() -> None:
    text = " ".join(["a long clause that goes on and on,"] * 30) + " and ends."
    chunks = text_chunks(text, binding())
    assert len(chunks) > 1
    assert all(len(c) <= MAX_CHUNK_CHARS for c in chunks)


@pytest.mark.parametrize("text", ["   ", "🙂🙂🙂"])
def test_nothing_speakable_is_an_error(text: str) -> None:
    with pytest.raises(EmptyTextError):
        SpeechJob.for_text(binding(), text)


def test_job_and_result_survive_the_handle_as_they_are() -> None:
    job = SpeechJob.for_text(binding("male_ar-EG"), "مرحبا بكم.", format="pcm")
    result = SpeechResult(b"\x00\x01", 24000, 1.5, 0.3, 0.01, 1)
    assert pickle.loads(pickle.dumps(job)) == job
    assert pickle.loads(pickle.dumps(result)) == result


@pytest.mark.parametrize(
    ("synth_s", "duration_s", "rtf"), [(1.0, 2.0, 0.5), (0.3, 0.0, 0.0), (0.0, 1.0, 0.0)]
)
def test_result_rtf(synth_s: float, duration_s: float, rtf: float) -> None:
    assert SpeechResult(b"", 24000, duration_s, synth_s, 0.0, 1).rtf == rtf
