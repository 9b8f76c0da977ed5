"""The API for a brand, in process (ASGI, no Ray): a VoiceModel with a custom avatar on a real Kokoro
worker; SSML breaks heard as silences of the asked length, hostile SSML and bad pronunciations answered
4xx before any engine runs, custom avatars listed and spoken, the OpenAI route's inline blend."""

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
from voxray_runtime.models import NamedModel, catalog_for
from voxray_runtime.security.config import SecurityArgs
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.speech.job import SpeechJob, SpeechResult
from voxray_runtime.speech.worker import ModelWorker

BRAND = VoiceModelSpec.model_validate(
    {
        "engine": "kokoro",
        "avatars": [
            {
                "name": "concierge_female_en-GB",
                "language": "en",
                "dialect": "en-GB",
                "gender": "female",
                "blend": {"bf_emma": 0.7, "bf_isabella": 0.3},
            }
        ],
    }
)


class WorkerBackend:
    """The real engine in process (what a model replica runs), counting the jobs that reach it."""

    def __init__(self, worker: ModelWorker) -> None:
        self.worker = worker
        self.jobs: list[SpeechJob] = []

    async def synthesize(self, job: SpeechJob) -> SpeechResult:
        self.jobs.append(job)
        return self.worker.run(job)

    async def stream(self, job: SpeechJob) -> AsyncIterator[bytes]:
        self.jobs.append(job)
        for piece in self.worker.stream(job):
            yield piece

    async def models(self) -> list[object]:
        return []

    async def health(self) -> dict[str, bool]:
        return {"brand": True}


@pytest.fixture(scope="module")
def backend() -> WorkerBackend:
    return WorkerBackend(ModelWorker("brand", BRAND, threads=2))


@pytest.fixture
async def client(backend: WorkerBackend, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    frontend = SpeechFrontend(catalog_for([NamedModel("brand", BRAND)]), backend, {"brand": 5000}, tmp_path)  # type: ignore[arg-type]
    app = create_app(frontend, security=SecurityArgs(auth="disabled"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=120
    ) as c:
        yield c


def wav(r: httpx.Response) -> tuple[np.ndarray, int]:
    assert r.status_code == 200, r.text
    pcm, rate = sf.read(io.BytesIO(r.content), dtype="float32")
    return pcm, rate


def longest_silence_s(pcm: np.ndarray, rate: int) -> float:
    """The longest run of 10 ms frames below -50 dBFS."""
    size = rate // 100
    frames = pcm[: len(pcm) // size * size].reshape(-1, size)
    quiet = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1)) < 10 ** (-50 / 20)
    best = run = 0
    for q in quiet:
        run = run + 1 if q else 0
        best = max(best, run)
    return best / 100


@pytest.mark.parametrize("seconds", [0.8, 2.0])
async def test_ssml_break_is_a_silence_of_the_asked_length(client: httpx.AsyncClient, seconds: float) -> None:
    doc = f'<speak>The room is ready.<break time="{int(seconds * 1000)}ms"/>Enjoy your stay.</speak>'
    body = {"text": doc, "text_type": "ssml", "avatar": "female_en-GB", "format": "wav"}
    pcm, rate = wav(await client.post("/v1/speech", json=body))
    assert seconds - 0.05 <= longest_silence_s(pcm, rate) <= seconds + 0.25


HOSTILE = [
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><speak>&lol2;</speak>',
    '<!DOCTYPE speak [<!ENTITY x SYSTEM "file:///etc/passwd">]><speak>&x;</speak>',
    "<speak>" + "<s>" * 60 + "deep" + "</s>" * 60 + "</speak>",
    "<speak>\n<voice name='x'>hi</voice></speak>",
]


@pytest.mark.parametrize("doc", HOSTILE)
async def test_hostile_ssml_never_reaches_an_engine(
    client: httpx.AsyncClient, backend: WorkerBackend, doc: str
) -> None:
    before = len(backend.jobs)
    r = await client.post("/v1/speech", json={"text": doc, "text_type": "ssml", "avatar": "female_en-GB"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["detail"].startswith("SSML line ")
    assert "text" in str(problem)
    assert len(backend.jobs) == before


async def test_bad_pronunciations_are_422_naming_the_field(
    client: httpx.AsyncClient, backend: WorkerBackend
) -> None:
    before = len(backend.jobs)
    body = {"text": "Qasr", "avatar": "female_en-GB", "pronunciations": [{"text": "Qasr", "language": "en"}]}
    r = await client.post("/v1/speech", json=body)
    assert r.status_code in (400, 422)
    assert "pronunciations" in r.text
    assert len(backend.jobs) == before


async def test_pronunciations_reach_the_job(client: httpx.AsyncClient, backend: WorkerBackend) -> None:
    body = {
        "text": "Welcome to Qasr Al Sarab.",
        "avatar": "female_en-GB",
        "format": "wav",
        "pronunciations": [
            {"text": "Qasr", "language": "en", "ipa": "kəˈsɑːr"},
            {"text": "Sarab", "language": "en", "alias": "Sa-rab"},
        ],
    }
    wav(await client.post("/v1/speech", json=body))
    assert backend.jobs[-1].chunks == ("Welcome to [[kəˈsɑːr]] Al Sa-rab.",)


async def test_custom_avatar_is_listed_and_spoken(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/v1/voices")).json()["voices"]
    custom = [v for v in listed if v["custom"]]
    assert [v["avatar"] for v in custom] == ["concierge_female_en-GB"]
    assert custom[0]["speaker"] == "bf_emma(0.7000)+bf_isabella(0.3000)"
    r = await client.post(
        "/v1/speech", json={"text": "Good evening.", "avatar": "concierge_female_en-GB", "format": "wav"}
    )
    wav(r)
    assert r.headers["x-voxray-avatar"] == "concierge_female_en-GB"
    r = await client.post(
        "/v1/audio/speech", json={"input": "Good evening.", "voice": "concierge_female_en-GB"}
    )
    assert r.status_code == 200
    r = await client.post(
        "/v1/speech", json={"text": "x", "avatar": "concierge_female_en-GB", "gender": "male"}
    )
    assert r.status_code == 400
    assert "gender" in r.text


async def test_openai_inline_blend(client: httpx.AsyncClient, backend: WorkerBackend) -> None:
    body = {"input": "Good evening.", "voice": "bf_emma(2)+bf_isabella(1)", "response_format": "wav"}
    r = await client.post("/v1/audio/speech", json=body)
    wav(r)
    assert r.headers["x-voxray-speaker"] == "bf_emma(0.6667)+bf_isabella(0.3333)"
    before = len(backend.jobs)
    for voice in ("bf_emma(0)+bf_isabella(1)", "bf_emma(1)+zz_nobody(1)", "bf_emma(2"):
        bad = await client.post("/v1/audio/speech", json={**body, "voice": voice})
        assert bad.status_code == 400, voice
        assert "voice" in bad.text
    assert len(backend.jobs) == before
