"""The Serve app end to end over real HTTP: every avatar, pitch, formats, store, listings, health."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.serve.conftest import SAMPLE_TEXT
from voxray_runtime.audio.analysis import decode_mp3, median_f0, rms
from voxray_runtime.voices import ALL_AVATARS

pytestmark = pytest.mark.ray

_cache: dict[str, tuple[np.ndarray, int, dict[str, str]]] = {}


def _speak(url: str, avatar: str) -> tuple[np.ndarray, int, dict[str, str]]:
    if avatar not in _cache:
        language = avatar.split("_", 1)[1].split("-")[0]
        r = httpx.post(
            f"{url}/v1/speech", json={"text": SAMPLE_TEXT[language], "avatar": avatar}, timeout=180
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "audio/mpeg"
        pcm, rate = decode_mp3(r.content)
        _cache[avatar] = (pcm, rate, dict(r.headers))
    return _cache[avatar]


@pytest.mark.parametrize("avatar", [a.name for a in ALL_AVATARS])
def test_every_avatar_speaks_mp3(serve_url: str, avatar: str) -> None:
    pcm, rate, headers = _speak(serve_url, avatar)
    language = avatar.split("_", 1)[1].split("-")[0]
    chars = len(SAMPLE_TEXT[language])
    seconds = len(pcm) / rate
    # a sentence of ~60 characters takes a few seconds to say, never a fraction of one, never a minute
    assert chars / 40 < seconds < chars / 4, f"{avatar}: {seconds:.2f} s for {chars} characters"
    assert rms(pcm) > 0.01, f"{avatar} is (nearly) silent"
    assert headers["x-voxray-avatar"] == avatar
    fallback_expected = avatar.endswith(("en-AU", "ar-SA", "ar-EG", "ar-AE", "_ur"))
    assert headers["x-voxray-fallback"] == ("true" if fallback_expected else "false")
    if fallback_expected:
        assert headers["x-voxray-fallback-reason"]


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-AU", "ar-SA", "ar-EG", "ar-AE", "es", "hi", "ur"])
def test_female_avatar_is_higher_pitched_than_male(serve_url: str, locale: str) -> None:
    f_pcm, f_rate, _ = _speak(serve_url, f"female_{locale}")
    m_pcm, m_rate, _ = _speak(serve_url, f"male_{locale}")
    f0_female, f0_male = median_f0(f_pcm, f_rate), median_f0(m_pcm, m_rate)
    assert f0_female > 150, f"female_{locale} median F0 {f0_female:.0f} Hz"
    assert f0_male < 170, f"male_{locale} median F0 {f0_male:.0f} Hz"
    assert f0_female > 1.25 * f0_male, f"{locale}: female {f0_female:.0f} Hz vs male {f0_male:.0f} Hz"


def test_voices_listing_covers_18_avatars_and_declares_fallbacks(serve_url: str) -> None:
    body = httpx.get(f"{serve_url}/v1/voices", timeout=30).json()
    assert body["count"] == 18
    by_avatar = {v["avatar"]: v for v in body["voices"]}
    assert set(by_avatar) == {a.name for a in ALL_AVATARS}
    assert by_avatar["female_en-GB"]["fallback"] is False
    assert by_avatar["female_en-AU"]["fallback"] is True
    assert "British" in by_avatar["female_en-AU"]["fallback_reason"]
    assert by_avatar["male_ar-EG"]["engine"] == "kokoro"
    assert by_avatar["male_ar-EG"]["fallback"] is True
    assert by_avatar["male_ar-EG"]["fallback_reason"] == "Hindi-accented Modern Standard Arabic, no dialect"
    assert any(alt["model"] == "espeak" for alt in by_avatar["male_ar-EG"]["alternatives"])
    assert by_avatar["female_ur"]["engine"] == "kokoro"
    assert by_avatar["female_ur"]["fallback"] is True
    # espeak also speaks Urdu and English: listed as alternatives that a client can pin
    assert any(alt["model"] == "espeak" for alt in by_avatar["female_ur"]["alternatives"])
    assert "alloy" in by_avatar["female_en-US"]["openai_aliases"]


def test_models_listing(serve_url: str) -> None:
    body = httpx.get(f"{serve_url}/v1/models", timeout=30).json()
    models = {m["id"]: m for m in body["data"]}
    assert set(models) == {"kokoro", "piper-joe", "espeak"}
    assert models["kokoro"]["quantization"] == "int8"
    assert models["kokoro"]["sample_rate"] == 24000
    assert models["piper-joe"]["quantization"] == "none"
    assert "ar" in models["espeak"]["languages"]


def test_health_and_readiness(serve_url: str) -> None:
    assert httpx.get(f"{serve_url}/healthz", timeout=10).json()["status"] == "ok"
    r = httpx.get(f"{serve_url}/readyz", timeout=30)
    assert r.status_code == 200
    assert r.json()["models"] == {"kokoro": True, "piper-joe": True, "espeak": True}


def test_pinned_model_piper(serve_url: str) -> None:
    r = httpx.post(
        f"{serve_url}/v1/speech",
        json={
            "text": "Your car is waiting downstairs.",
            "language": "en",
            "gender": "male",
            "model": "piper-joe",
        },
        timeout=120,
    )
    assert r.status_code == 200, r.text
    assert r.headers["x-voxray-engine"] == "piper"
    pcm, rate = decode_mp3(r.content)
    assert rate == 22050
    assert rms(pcm) > 0.01


@pytest.mark.parametrize(("fmt", "magic"), [("wav", b"RIFF"), ("flac", b"fLaC"), ("opus", b"OggS")])
def test_other_formats(serve_url: str, fmt: str, magic: bytes) -> None:
    r = httpx.post(
        f"{serve_url}/v1/speech",
        json={"text": "Check-out is at noon.", "avatar": "female_en-US", "format": fmt, "model": "espeak"},
        timeout=120,
    )
    assert r.status_code == 200, r.text
    assert r.content[:4] == magic
    if fmt != "opus":
        import io

        import soundfile

        pcm, rate = soundfile.read(io.BytesIO(r.content), dtype="float32")
        assert len(pcm) / rate > 0.5


def test_bitrate_is_selectable(serve_url: str) -> None:
    sizes = {}
    for kbps in (32, 128):
        r = httpx.post(
            f"{serve_url}/v1/speech",
            json={
                "text": "The spa opens at seven.",
                "avatar": "male_en-GB",
                "model": "espeak",
                "bitrate_kbps": kbps,
            },
            timeout=120,
        )
        assert r.status_code == 200, r.text
        sizes[kbps] = len(r.content)
    assert sizes[128] > 2.5 * sizes[32]


def test_store_writes_file_atomically(serve_url: str, output_dir: Path) -> None:
    r = httpx.post(
        f"{serve_url}/v1/speech",
        json={
            "text": SAMPLE_TEXT["es"],
            "language": "es",
            "gender": "male",
            "store": True,
            "name": "welcome-es",
        },
        timeout=180,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    path = Path(body["path"])
    assert path.is_file()
    assert path.is_relative_to(output_dir)
    assert path.name == "welcome-es.mp3"
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == body["sha256"]
    assert body["bytes"] == len(data)
    assert body["voice"]["avatar"] == "male_es"
    assert body["voice"]["fallback"] is False
    pcm, rate = decode_mp3(data)
    assert abs(len(pcm) / rate - body["duration_s"]) < 0.2
    assert not list(path.parent.glob("*.tmp*")), "temporary files left behind"


def test_long_text_is_not_truncated(serve_url: str) -> None:
    sentence = "Breakfast is served on the terrace from seven until half past ten every morning. "
    text = sentence * 40  # ~3300 characters
    r = httpx.post(
        f"{serve_url}/v1/speech", json={"text": text, "avatar": "male_en-US", "model": "espeak"}, timeout=300
    )
    assert r.status_code == 200, r.text
    pcm, rate = decode_mp3(r.content)
    one = httpx.post(
        f"{serve_url}/v1/speech",
        json={"text": sentence, "avatar": "male_en-US", "model": "espeak"},
        timeout=60,
    )
    single, single_rate = decode_mp3(one.content)
    ratio = (len(pcm) / rate) / (len(single) / single_rate)
    # 40 sentences with pauses between them: about 40x one sentence, never a truncated fraction
    assert 34 < ratio < 48, ratio
    assert int(r.headers["x-voxray-chunks"]) >= 40


def test_streaming_sends_audio_before_the_end(serve_url: str) -> None:
    text = " ".join(
        [
            "Good evening and welcome to the rooftop.",
            "Tonight the bar pours a new cocktail inspired by the desert.",
            "The chef has prepared a tasting menu of seven courses.",
            "Please ask your host about the wine pairing.",
        ]
    )
    import time

    started = time.perf_counter()
    first_at = None
    data = b""
    with httpx.stream(
        "POST",
        f"{serve_url}/v1/speech",
        json={"text": text, "avatar": "female_en-GB", "stream": True},
        timeout=180,
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"] == "audio/mpeg"
        for piece in r.iter_bytes():
            if piece and first_at is None:
                first_at = time.perf_counter() - started
            data += piece
    total = time.perf_counter() - started
    assert first_at is not None
    assert first_at < 0.8 * total, f"first audio at {first_at:.2f} s of {total:.2f} s"
    pcm, rate = decode_mp3(data)
    assert len(pcm) / rate > 6.0


def _envelope(pcm: np.ndarray, rate: int) -> np.ndarray:
    frame = rate // 20  # 50 ms
    n = len(pcm) // frame
    return np.sqrt((pcm[: n * frame].reshape(n, frame) ** 2).mean(axis=1))


def test_sentences_on_parallel_sessions_come_back_in_order(serve_url: str) -> None:
    """The Kokoro replica runs a request's sentences on its sessions side by side: the answer, streamed
    or whole, is still every sentence once, in order, with the pauses between them."""
    sentences = [
        "The night ferry leaves the harbour at ten.",
        "Cabins are small but warm, and the crossing is calm in summer, so most guests sleep well.",
        "Gulls wake them near the island.",
    ]
    body = {"avatar": "female_en-US", "model": "kokoro"}

    def speak(text: str, stream: bool = False) -> tuple[np.ndarray, int]:
        r = httpx.post(f"{serve_url}/v1/speech", json={**body, "text": text, "stream": stream}, timeout=180)
        assert r.status_code == 200, r.text
        return decode_mp3(r.content)

    whole, rate = speak(" ".join(sentences))
    streamed, _ = speak(" ".join(sentences), stream=True)
    alone = [speak(s)[0] for s in sentences]
    assert abs(len(streamed) - len(whole)) / rate < 0.1
    gaps = (len(whole) - sum(len(a) for a in alone)) / rate
    assert 0.2 < gaps < 1.5, f"{gaps:.2f} s between the sentences"  # two pauses, no sentence lost or doubled
    env, first, last = _envelope(whole, rate), _envelope(alone[0], rate), _envelope(alone[-1], rate)
    # deterministic engine: the start of the answer is the first sentence, its end the last one
    assert np.corrcoef(env[: len(first)], first)[0, 1] > 0.8
    assert np.corrcoef(env[-len(last) :], last)[0, 1] > 0.8
