"""IPA on espeak-ng and Piper voices through /v1/speech, in process (ASGI, no Ray) on the real engines: a
lexicon IPA entry reaches each engine in what it reads and changes the audio; a symbol no phoneme speaks
is a 400 naming it, before any engine runs."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from voxray_runtime.api.app import create_app
from voxray_runtime.api.service import SpeechFrontend
from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.security.config import SecurityArgs
from voxray_runtime.speech.job import SpeechJob, SpeechResult
from voxray_runtime.speech.worker import ModelWorker

MODELS = [m for m in default_models() if m.name in ("espeak", "piper-joe")]
ENTRY = {"text": "banana", "language": "en", "ipa": "ˈpaɪnæpəl"}


class Workers:
    """The real engines in process, by model, counting the jobs that reach them."""

    def __init__(self) -> None:
        self.workers = {m.name: ModelWorker(m.name, m.spec, threads=2) for m in MODELS}
        self.jobs: list[SpeechJob] = []

    async def synthesize(self, job: SpeechJob) -> SpeechResult:
        self.jobs.append(job)
        return self.workers[job.binding.model].run(job)

    async def stream(self, job: SpeechJob) -> AsyncIterator[bytes]:
        self.jobs.append(job)
        for piece in self.workers[job.binding.model].stream(job):
            yield piece

    async def models(self) -> list[object]:
        return []

    async def health(self) -> dict[str, bool]:
        return dict.fromkeys(self.workers, True)


@pytest.fixture(scope="module")
def backend() -> Workers:
    return Workers()


@pytest.fixture
async def client(backend: Workers, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    limits = {m.name: 5000 for m in MODELS}
    frontend = SpeechFrontend(catalog_for(MODELS), backend, limits, tmp_path)  # type: ignore[arg-type]
    app = create_app(frontend, security=SecurityArgs(auth="disabled"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=120
    ) as c:
        yield c


def wav(r: httpx.Response) -> np.ndarray:
    assert r.status_code == 200, r.text
    pcm, _ = sf.read(io.BytesIO(r.content), dtype="float32")
    return np.asarray(pcm)


@pytest.mark.parametrize(
    ("model", "avatar", "block"),
    [("espeak", "female_en-US", "[['paInap@L]]"), ("piper-joe", "male_en-US", "[[ˈpaɪnæpəl]]")],
)
async def test_an_ipa_entry_reaches_the_engine_and_changes_the_audio(
    client: httpx.AsyncClient, backend: Workers, model: str, avatar: str, block: str
) -> None:
    body = {"text": "A banana, please.", "avatar": avatar, "model": model, "format": "wav"}
    plain = wav(await client.post("/v1/speech", json=body))
    spoken = wav(await client.post("/v1/speech", json={**body, "pronunciations": [ENTRY]}))
    assert block in backend.jobs[-1].chunks[0]
    assert len(plain) != len(spoken) or not np.allclose(plain, spoken)


@pytest.mark.parametrize(("model", "avatar"), [("espeak", "female_en-US"), ("piper-joe", "male_en-US")])
async def test_an_ipa_symbol_without_a_phoneme_is_a_400_naming_it(
    client: httpx.AsyncClient, backend: Workers, model: str, avatar: str
) -> None:
    before = len(backend.jobs)
    ssml = '<speak>A <phoneme alphabet="ipa" ph="ǃaba">banana</phoneme>.</speak>'
    body = {"text": ssml, "text_type": "ssml", "avatar": avatar, "model": model}
    r = await client.post("/v1/speech", json=body)
    assert r.status_code == 400
    assert "U+01C3 LATIN LETTER RETROFLEX CLICK" in r.json()["detail"]
    assert len(backend.jobs) == before


async def test_ssml_captions_show_the_text_not_the_markup(client: httpx.AsyncClient) -> None:
    ssml = '<speak>Welcome to our hotel.<break time="500ms"/>Enjoy your stay.</speak>'
    body = {"text": ssml, "text_type": "ssml", "avatar": "male_en-US", "model": "piper-joe"}
    r = await client.post("/v1/speech/captioned", json=body)
    assert r.status_code == 200, r.text
    said = " ".join(w["text"] for w in r.json()["words"])
    assert said == "Welcome to our hotel. Enjoy your stay."
    assert "<" not in r.json()["srt"]
