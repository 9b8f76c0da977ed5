"""espeak-ng through the Debian program (CI installs it with apt-get install espeak-ng)."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from pitch import median_f0
from speech import SENTENCES, assert_speech

from voxray_runtime.engines import (
    Engine,
    EngineError,
    UnknownSpeakerError,
    UnsupportedLanguageError,
    WeightsNotFoundError,
    load_engine,
)
from voxray_runtime.engines.espeak import EspeakEngine, parse_speaker, wav_to_pcm, words_per_minute
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.voices.catalog import ENGINE_BINDINGS


@pytest.fixture(scope="module")
def espeak() -> Engine:
    return load_engine(VoiceModelSpec(engine="espeak"))


def test_declares_what_it_speaks(espeak: Engine) -> None:
    info = espeak.info
    assert isinstance(espeak, Engine)
    assert (info.name, info.sample_rate, info.batched) == ("espeak", 22_050, False)
    assert info.languages == {"en-us", "en", "es", "hi", "ur", "ar"}
    assert "GPL-3.0" in info.license
    assert {b.speaker for b in ENGINE_BINDINGS["espeak"].values()} <= set(info.speakers)


@pytest.mark.parametrize("language", ["en-us", "en", "es", "hi", "ur", "ar"])
def test_speaks_each_language(espeak: Engine, language: str) -> None:
    audio = espeak.synthesize(SENTENCES[language], speaker=f"{language}+f3", language=language)
    assert_speech(audio, 22_050, SENTENCES[language])


@pytest.mark.parametrize("language", ["en-us", "ar"])
def test_female_variant_pitched_above_male(espeak: Engine, language: str) -> None:
    text = SENTENCES[language]
    female = median_f0(espeak.synthesize(text, speaker=f"{language}+f3", language=language), 22_050)
    male = median_f0(espeak.synthesize(text, speaker=f"{language}+m3", language=language), 22_050)
    assert female > 1.5 * male, (female, male)  # measured: about 200 Hz vs 105 Hz


def test_speed_shortens_audio(espeak: Engine) -> None:
    normal = espeak.synthesize(SENTENCES["en-us"], speaker="en-us+m3", language="en-us")
    fast = espeak.synthesize(SENTENCES["en-us"], speaker="en-us+m3", language="en-us", speed=1.5)
    assert len(fast) < 0.8 * len(normal)


def test_blank_text_gives_no_audio(espeak: Engine) -> None:
    assert len(espeak.synthesize("  ", speaker="en-us+f3", language="en-us")) == 0


@pytest.mark.parametrize(("speed", "wpm"), [(1.0, 175), (2.0, 350), (0.25, 80), (4.0, 450)])
def test_words_per_minute_clamped_to_espeak_range(speed: float, wpm: int) -> None:
    assert words_per_minute(speed) == wpm


def test_speaker_parsing() -> None:
    assert parse_speaker("en-us+m7") == ("en-us", "m7")
    assert parse_speaker("ar+f1") == ("ar", "f1")


@pytest.mark.parametrize("speaker", ["en-us+f9", "en-us+m0", "en-us+x1"])
def test_bad_variant_named_in_the_error(espeak: Engine, speaker: str) -> None:
    with pytest.raises(UnknownSpeakerError, match=r"f1\.\.f5"):
        espeak.synthesize("Hello.", speaker=speaker, language="en-us")


@pytest.mark.parametrize("speaker", ["en-us", "fr+f3", "f3"])
def test_speaker_not_language_plus_variant(espeak: Engine, speaker: str) -> None:
    with pytest.raises(UnknownSpeakerError, match="language"):
        espeak.synthesize("Hello.", speaker=speaker, language="en-us")


def test_speaker_of_another_language(espeak: Engine) -> None:
    with pytest.raises(UnknownSpeakerError, match="speaks es, not en-us"):
        espeak.synthesize("Hello.", speaker="es+f3", language="en-us")


def test_unsupported_language(espeak: Engine) -> None:
    with pytest.raises(UnsupportedLanguageError, match="'fr'"):
        espeak.synthesize("Bonjour.", speaker="en-us+f3", language="fr")


def test_missing_program_says_how_to_install() -> None:
    with pytest.raises(WeightsNotFoundError, match="apt-get install espeak-ng"):
        EspeakEngine(binary="espeak-ng-not-installed")


def test_espeak_takes_no_weights_source() -> None:
    spec = VoiceModelSpec.model_validate({"engine": "espeak", "weights": {"source": "path", "path": "/x"}})
    with pytest.raises(EngineError, match="packaged"):
        load_engine(spec)


def test_wav_with_placeholder_sizes_is_read() -> None:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22_050)
        w.writeframes(np.array([0, 16384, -16384], dtype="<i2").tobytes())
    data = bytearray(buf.getvalue())
    data[4:8] = data[40:44] = (0x7FFFF000).to_bytes(4, "little")  # what espeak-ng writes to a pipe
    samples, rate = wav_to_pcm(bytes(data))
    assert rate == 22_050
    assert samples.tolist() == [0.0, 0.5, -0.5]


def test_output_that_is_not_wav_is_an_error() -> None:
    with pytest.raises(EngineError, match="did not write WAV"):
        wav_to_pcm(b"Error: voice not found")
