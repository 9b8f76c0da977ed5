"""Kokoro-82M with the packaged int8 graph and the installed kokoro-js voices."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from pitch import median_f0
from speech import SENTENCES, assert_speech

from voxray_runtime.engines import (
    Engine,
    UnknownSpeakerError,
    UnsupportedLanguageError,
    WeightsNotFoundError,
    load_engine,
)
from voxray_runtime.engines.kokoro import (
    MAX_TOKENS,
    KokoroEngine,
    list_speakers,
    load_style,
    packaged_model,
    packaged_vocab,
    phonemes_to_ids,
    split_tokens,
)
from voxray_runtime.engines.weights import kokoro_voices_dir
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.voices.catalog import ENGINE_BINDINGS

BINDINGS = ENGINE_BINDINGS["kokoro"]


@pytest.fixture(scope="module")
def kokoro() -> Engine:
    return load_engine(VoiceModelSpec(engine="kokoro"), threads=2)


def test_declares_what_it_speaks(kokoro: Engine) -> None:
    info = kokoro.info
    assert isinstance(kokoro, Engine)
    assert (info.name, info.sample_rate, info.quantization, info.batched) == ("kokoro", 24_000, "int8", False)
    assert info.languages == {"en-us", "en", "es", "hi", "ur", "ar"}
    assert {b.speaker for b in BINDINGS.values()} <= set(info.speakers), "catalog names a missing voice"
    assert {b.engine_language for b in BINDINGS.values()} <= info.languages
    assert all(s[:2] in {"af", "am", "bf", "bm", "ef", "em", "hf", "hm"} for s in info.speakers)


@pytest.mark.parametrize(
    "avatar",
    ["female_en-US", "male_en-GB", "female_es", "male_hi", "female_ur", "female_ar-EG", "male_ar-SA"],
)
def test_speaks_each_language(kokoro: Engine, avatar: str) -> None:
    binding = BINDINGS[avatar]
    text = SENTENCES[binding.engine_language]
    audio = kokoro.synthesize(text, speaker=binding.speaker, language=binding.engine_language)
    assert_speech(audio, kokoro.info.sample_rate, text)


@pytest.mark.parametrize(
    ("female", "male", "language"), [("af_heart", "am_michael", "en-us"), ("hf_alpha", "hm_omega", "hi")]
)
def test_female_voice_pitched_above_male(kokoro: Engine, female: str, male: str, language: str) -> None:
    text = SENTENCES[language].split(",")[0]
    f0 = {s: median_f0(kokoro.synthesize(text, speaker=s, language=language), 24_000) for s in (female, male)}
    assert f0[female] > 1.2 * f0[male], f0  # measured: about 1.5x-1.7x


def test_speed_shortens_audio(kokoro: Engine) -> None:
    text = "Speed changes how long this takes to say."
    normal = kokoro.synthesize(text, speaker="af_heart", language="en-us")
    fast = kokoro.synthesize(text, speaker="af_heart", language="en-us", speed=1.5)
    assert len(fast) < 0.85 * len(normal)


def test_input_over_the_token_limit_is_split_and_joined(kokoro: Engine) -> None:
    text = " ".join(["and the little boat drifted slowly down the long and winding river"] * 8)  # 559 tokens
    audio = kokoro.synthesize(text, speaker="af_heart", language="en-us", speed=3.0)
    assert_speech(audio, 24_000, text, speed=3.0)
    tail = audio[-len(audio) // 4 :]  # inside the second of two pieces of about equal length
    assert np.sqrt(np.mean(tail**2)) > 0.01, "the second piece is silent"


def test_text_without_phonemes_gives_no_audio(kokoro: Engine) -> None:
    assert len(kokoro.synthesize("", speaker="af_heart", language="en-us")) == 0


def test_unsupported_language(kokoro: Engine) -> None:
    with pytest.raises(UnsupportedLanguageError, match="'fr'"):
        kokoro.synthesize("Bonjour", speaker="af_heart", language="fr")


def test_unknown_speaker(kokoro: Engine) -> None:
    with pytest.raises(UnknownSpeakerError, match="zz_nobody"):
        kokoro.synthesize("Hello.", speaker="zz_nobody", language="en-us")


# --- pure parts ---------------------------------------------------------------------------------------


def test_split_keeps_short_input_whole() -> None:
    assert split_tokens([5, 1, 6], space=1, limit=3) == [[5, 1, 6]]


def test_split_at_word_boundaries_within_the_limit() -> None:
    words = [[7] * 4, [8] * 3, [9] * 5]
    ids = [*words[0], 1, *words[1], 1, *words[2]]
    assert split_tokens(ids, space=1, limit=8) == [[7, 7, 7, 7, 1, 8, 8, 8], [9] * 5]


def test_split_balances_the_pieces() -> None:
    ids = [x for _ in range(100) for x in (4, 4, 4, 4, 1)][:-1]  # 100 words of 4 tokens: 499 tokens
    assert [len(c) for c in split_tokens(ids, space=1, limit=300)] == [254, 244]


def test_split_cuts_a_word_longer_than_the_limit() -> None:
    chunks = split_tokens([3] * 1200, space=1, limit=MAX_TOKENS)
    assert [len(c) for c in chunks] == [510, 510, 180]


def test_composed_phoneme_missing_from_vocab_is_decomposed() -> None:
    vocab = {"e": 1, "\u0303": 2, "ç": 3}
    assert phonemes_to_ids("ẽç", vocab) == [1, 2, 3]


# --- other weights layouts ------------------------------------------------------------------------------


def test_folder_in_the_hub_layout_loads(tmp_path: Path) -> None:
    """onnx-community/Kokoro-82M-v1.0-ONNX layout: onnx/model_quantized.onnx, voices/, tokenizer.json."""
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "model_quantized.onnx").write_bytes(packaged_model())
    (tmp_path / "voices").symlink_to(kokoro_voices_dir())
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "style_text_to_speech_2"}))
    (tmp_path / "tokenizer.json").write_text(json.dumps({"model": {"vocab": packaged_vocab()}}))
    spec = VoiceModelSpec.model_validate(
        {"engine": "kokoro", "weights": {"source": "path", "path": str(tmp_path)}}
    )
    engine = load_engine(spec, threads=1)
    assert engine.info.weights == str(tmp_path)
    assert engine.info.quantization == "int8"
    assert len(engine.synthesize("Hi.", speaker="bf_emma", language="en")) > 0


# --- weights errors -----------------------------------------------------------------------------------


def test_missing_weights_path_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-kokoro-here"
    with pytest.raises(WeightsNotFoundError, match=str(missing)):
        load_engine(
            VoiceModelSpec.model_validate(
                {"engine": "kokoro", "weights": {"source": "path", "path": str(missing)}}
            )
        )


def test_missing_voices_say_how_to_fetch_them(tmp_path: Path) -> None:
    with pytest.raises(WeightsNotFoundError, match=r"fetch_weights\.sh"):
        KokoroEngine.packaged(voices_dir=tmp_path)


def test_truncated_style_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "af_heart.bin"
    shutil.copy(kokoro_voices_dir() / "af_heart.bin", bad)
    with bad.open("r+b") as fh:
        fh.truncate(1000)
    assert list_speakers(tmp_path) == ("af_heart",)
    with pytest.raises(WeightsNotFoundError, match="1000 bytes"):
        load_style(bad)


def test_hub_source_unreachable_is_a_clear_error(missing_hub_repo: str) -> None:
    spec = VoiceModelSpec.model_validate(
        {"engine": "kokoro", "weights": {"source": "huggingface", "repo": missing_hub_repo}}
    )
    with pytest.raises(WeightsNotFoundError, match=missing_hub_repo):
        load_engine(spec)
