"""The TranscriptionModel document locally: one file (alone or beside a VoiceModel) is what ``voxray serve``
serves, with the bundled Whisper base otherwise; its spec's rules; the languages it accepts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voxray_runtime.api.transcription import TranscriptionFrontend
from voxray_runtime.commands.local import model_list, transcription_model_list
from voxray_runtime.engines.stt import AudioLimits, BadOptionError
from voxray_runtime.models import NamedModel, NamedTranscriptionModel, load_transcription_models
from voxray_runtime.serve.args import AppArgs
from voxray_runtime.spec.documents import SpecError, load_documents
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec

WHISPER = """apiVersion: voxray.io/v1alpha1
kind: TranscriptionModel
metadata: {name: asr}
spec: {servedModelName: whisper-1, languages: [en, es], serving: {maxConcurrent: 2, threads: 1}}
"""
VOICE = """apiVersion: voxray.io/v1alpha1
kind: VoiceModel
metadata: {name: es}
spec: {engine: espeak}
"""


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_multi_document_file_serves_both_kinds(tmp_path: Path) -> None:
    f = write(tmp_path, VOICE + "---\n" + WHISPER)
    assert [d.kind for d in load_documents(f)] == ["VoiceModel", "TranscriptionModel"]
    (voice,) = model_list([f])
    assert isinstance(voice, NamedModel)
    (stt,) = transcription_model_list([f], True)
    assert isinstance(stt, NamedTranscriptionModel)
    assert (stt.name, stt.spec.model_id(stt.name), stt.spec.serving.max_concurrent) == ("asr", "whisper-1", 2)
    assert transcription_model_list([f], False) == []


def test_without_one_in_the_files_the_bundled_whisper_base_is_served(tmp_path: Path) -> None:
    (stt,) = transcription_model_list([write(tmp_path, VOICE)], True)
    assert isinstance(stt, NamedTranscriptionModel)
    assert (stt.name, stt.spec.model, stt.spec.weights.source) == ("whisper-base", "base", "packaged")
    assert transcription_model_list(None, False) == []


def test_an_app_may_serve_only_speech_recognition(tmp_path: Path) -> None:
    args = AppArgs.model_validate({"stt": {"name": "asr"}, "security": {"auth": "disabled"}})
    assert (args.models, args.text_models) == ([], [])
    with pytest.raises(ValueError, match="serves no model"):
        AppArgs.model_validate({"security": {"auth": "disabled"}})


def test_two_transcription_models_are_refused(tmp_path: Path) -> None:
    second = WHISPER.replace("name: asr", "name: asr2")
    with pytest.raises(SpecError, match="one TranscriptionModel is served per app"):
        load_transcription_models([write(tmp_path, WHISPER + "---\n" + second)])


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"model": "small"}, "packaged weights are Whisper base"),
        ({"computeType": "int8_float16"}, "needs a GPU"),
        ({"languages": ["en", "en"]}, "must not repeat"),
        ({"serving": {"maxUploadBytes": 10}}, "greater than or equal"),
    ],
)
def test_spec_rules(spec: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        TranscriptionModelSpec.model_validate(spec)


def test_device_threads_and_concurrency_follow_the_spec() -> None:
    gpu = TranscriptionModelSpec.model_validate({"computeType": "float16", "resources": {"gpu": 1, "cpu": 3}})
    assert (gpu.device, gpu.engine_threads) == ("cuda", 3)
    cpu = TranscriptionModelSpec.model_validate({"resources": {"cpu": 0.5}, "serving": {"maxQueue": 3}})
    assert (cpu.device, cpu.engine_threads, cpu.serving.max_ongoing_requests) == ("cpu", 1, 4)


def _frontend(languages: tuple[str, ...]) -> tuple[TranscriptionFrontend, list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    async def transcribe(pcm: Any, options: dict[str, Any]) -> Any:
        seen.append(options)
        return None

    return TranscriptionFrontend("asr", AudioLimits(), transcribe, languages=languages), seen


@pytest.mark.parametrize(
    ("languages", "asked", "used"),
    [
        ((), None, None),
        ((), "ES", "es"),
        (("en",), None, "en"),
        (("en", "es"), None, None),
        (("en", "es"), "es", "es"),
    ],
)
def test_languages_a_model_accepts(languages: tuple[str, ...], asked: str | None, used: str | None) -> None:
    frontend, _ = _frontend(languages)
    assert frontend.language(asked.lower() if asked else None) == used


def test_names_a_client_may_send() -> None:
    frontend = TranscriptionFrontend(
        "whisper-1x", AudioLimits(), _frontend(())[0].transcribe, aliases=("asr",)
    )
    assert [frontend.accepts(m) for m in ("whisper-1x", "asr", "whisper-1", "other")] == [
        True,
        True,
        True,
        False,
    ]


def test_a_language_the_model_does_not_serve_is_a_400_naming_the_field() -> None:
    frontend, seen = _frontend(("en",))
    wav = np.zeros(1600, np.int16).tobytes()
    with pytest.raises(BadOptionError) as err:
        asyncio.run(frontend.run(wav, language="ar", prompt=None, temperature=0.0, words=False))
    assert err.value.field == "language"
    assert "not served by asr" in str(err.value)
    assert seen == []
