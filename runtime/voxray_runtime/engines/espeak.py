"""espeak-ng, the formant synthesizer, run as the Debian ``espeak-ng`` program.

License boundary: espeak-ng is GPL-3.0. voxray runs it as a separate program (a subprocess fed text on
stdin, WAV read from stdout, no linking), which keeps it outside voxray's own Apache-2.0 code.

It speaks every language voxray serves, robotically, and is the only voice for Arabic: Arabic text is
diacritized first (piper-tts's libtashkeel port), which espeak-ng needs to pick the right vowels.
Speakers are ``{language}+{variant}``: ``+f1``..``+f5`` female, ``+m1``..``+m7`` male.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from voxray_runtime.engines.base import (
    PCM,
    EngineError,
    EngineInfo,
    SynthesisRequest,
    UnknownSpeakerError,
    WeightsNotFoundError,
    check_request,
    empty_pcm,
    synthesize_each,
    to_pcm,
)
from voxray_runtime.spec.voicemodel import VoiceModelSpec

if TYPE_CHECKING:
    from piper.tashkeel import TashkeelDiacritizer

SAMPLE_RATE = 22_050
#: engine language -> espeak-ng voice (``en`` is British English, espeak-ng's gmw/en)
VOICES: dict[str, str] = {"en-us": "en-us", "en": "en", "es": "es", "hi": "hi", "ur": "ur", "ar": "ar"}
VARIANTS = (*(f"f{i}" for i in range(1, 6)), *(f"m{i}" for i in range(1, 8)))
#: espeak-ng's default rate and the range it accepts, in words per minute
BASE_WPM = 175
MIN_WPM, MAX_WPM = 80, 450
LICENSE = "GPL-3.0 (espeak-ng, run as a separate program)"
_INSTALL_HINT = "install it with `apt-get install espeak-ng`"
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def words_per_minute(speed: float) -> int:
    """espeak-ng's ``-s`` for a speed factor, clamped to the range espeak-ng accepts (80..450)."""
    return int(min(MAX_WPM, max(MIN_WPM, round(BASE_WPM * speed))))


def parse_speaker(speaker: str) -> tuple[str, str]:
    """``"en-us+f3"`` -> ``("en-us", "f3")``, with a clear error for anything else."""
    language, plus, variant = speaker.rpartition("+")
    if not plus or language not in VOICES:
        raise UnknownSpeakerError(
            f"espeak speaker {speaker!r} is not '{{language}}+{{variant}}' with a language of "
            f"{', '.join(VOICES)} (e.g. en-us+f3)"
        )
    if variant not in VARIANTS:
        raise UnknownSpeakerError(
            f"espeak speaker {speaker!r}: unknown variant {variant!r}; use f1..f5 (female) or m1..m7 (male)"
        )
    return language, variant


def wav_to_pcm(data: bytes) -> tuple[PCM, int]:
    """16-bit mono WAV bytes -> (float32 samples, sample rate).

    espeak-ng writes WAV to a pipe with placeholder sizes (it cannot seek back), so chunk sizes are
    trusted only as far as the bytes actually received.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise EngineError(f"espeak-ng did not write WAV ({len(data)} bytes, starts {data[:12]!r})")
    pos, rate, channels, bits = 12, 0, 0, 0
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if tag == b"fmt ":
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
        elif tag == b"data":
            if (channels, bits) != (1, 16):
                raise EngineError(f"espeak-ng wrote {channels}-channel {bits}-bit WAV; expected mono 16-bit")
            usable = len(body) - len(body) % 2
            samples = np.frombuffer(body[:usable], dtype="<i2").astype(np.float32) / 32768.0
            return samples, rate
        pos += 8 + size + size % 2
    raise EngineError("espeak-ng output has no WAV data chunk")


class EspeakEngine:
    """espeak-ng through its command line. Not batched (one process per request, a few ms each)."""

    def __init__(self, *, binary: str = "espeak-ng", timeout_s: float = 30.0) -> None:
        path = shutil.which(binary)
        if path is None:
            raise WeightsNotFoundError(f"the espeak-ng program ({binary}) is not on PATH; {_INSTALL_HINT}")
        self._binary = path
        self._timeout_s = timeout_s
        self._diacritizer: TashkeelDiacritizer | None = None
        self._info = EngineInfo(
            name="espeak",
            sample_rate=SAMPLE_RATE,
            languages=frozenset(VOICES),
            speakers=tuple(f"{lang}+{v}" for lang in VOICES for v in VARIANTS),
            quantization="none",
            weights=path,
            license=LICENSE,
            device="cpu",
            batched=False,
            extra={"diacritizer": "libtashkeel (piper-tts), Arabic only"},
        )

    @classmethod
    def from_spec(
        cls, spec: VoiceModelSpec, *, threads: int | None = None, device: str = "cpu"
    ) -> EspeakEngine:
        """espeak-ng has no weights to choose and runs single-threaded on the CPU; both settings are moot."""
        if spec.weights.source != "packaged":
            raise EngineError("engine espeak uses the system espeak-ng voices; set weights.source packaged")
        if device != "cpu":
            raise EngineError(f"engine espeak runs on the CPU only, not {device}")
        return cls()

    @property
    def info(self) -> EngineInfo:
        return self._info

    def synthesize(self, text: str, *, speaker: str, language: str, speed: float = 1.0) -> PCM:
        speaker_language, variant = parse_speaker(speaker)
        check_request(self._info, speaker, language, speed)
        if speaker_language != language:
            raise UnknownSpeakerError(f"espeak speaker {speaker!r} speaks {speaker_language}, not {language}")
        if not text.strip():
            return empty_pcm()
        if language == "ar" and _ARABIC.search(text):
            text = self._diacritize(text)
        samples, rate = wav_to_pcm(self._run(f"{VOICES[language]}+{variant}", words_per_minute(speed), text))
        if rate != SAMPLE_RATE:
            raise EngineError(f"espeak-ng wrote {rate} Hz audio; this engine declares {SAMPLE_RATE} Hz")
        return to_pcm(samples, engine="espeak")

    def synthesize_batch(self, requests: Sequence[SynthesisRequest]) -> list[PCM]:
        return synthesize_each(self, requests)

    def _timeout(self, text: str) -> float:
        return self._timeout_s + len(text) / 100  # about 1 s per 100 characters on top, for long chunks

    def _run(self, voice: str, wpm: int, text: str) -> bytes:
        args = [self._binary, "--stdout", "-b", "1", "-v", voice, "-s", str(wpm)]
        try:
            done = subprocess.run(
                args,
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self._timeout(text),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise EngineError(
                f"espeak-ng took longer than {exc.timeout:.0f} s for {len(text)} characters"
            ) from exc
        except OSError as exc:
            raise WeightsNotFoundError(f"cannot run {self._binary}: {exc}; {_INSTALL_HINT}") from exc
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()[:300]
            raise EngineError(f"espeak-ng -v {voice} failed (exit {done.returncode}): {detail}")
        return done.stdout

    def _diacritize(self, text: str) -> str:
        """Add Arabic diacritics (tashkeel); the model loads on first Arabic request, then stays."""
        if self._diacritizer is None:
            from piper.tashkeel import TashkeelDiacritizer

            self._diacritizer = TashkeelDiacritizer()
        diacritizer = self._diacritizer
        try:
            return diacritizer(text)
        except Exception as exc:  # TashkeelError (text over 12000 characters) or an onnxruntime failure
            raise EngineError(f"Arabic diacritization failed: {exc}") from exc
