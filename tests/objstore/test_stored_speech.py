"""``store=true`` with an s3:// output: the real API app (no Serve) on an espeak-ng engine in process
writes the audio as one object under ``<prefix>/speech/`` of a real S3-compatible server (moto), the
response names the object, the bytes decode as MP3; ``/v1/batches`` reads runs from the same prefix."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from voxray_runtime.api.app import create_app
from voxray_runtime.api.service import SpeechFrontend
from voxray_runtime.audio.analysis import decode_mp3, rms
from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.security.config import SecurityArgs
from voxray_runtime.speech.job import SpeechJob, SpeechResult
from voxray_runtime.speech.worker import ModelWorker
from voxray_runtime.storage.location import ObjectPrefix

pytestmark = pytest.mark.timeout(90)


class InProcess:
    """The API's backend on one engine in this process (what benchmarks use instead of Serve handles)."""

    def __init__(self, worker: ModelWorker) -> None:
        self.worker = worker

    async def synthesize(self, job: SpeechJob) -> SpeechResult:
        return await asyncio.to_thread(self.worker.run, job)

    async def stream(self, job: SpeechJob) -> AsyncIterator[bytes]:
        for piece in self.worker.stream(job):
            yield piece


async def test_store_true_writes_one_object_and_batches_are_read_back(s3: Any, s3_url: str) -> None:
    s3.create_bucket(Bucket="speech")
    root = ObjectPrefix("speech", "serve", endpoint=s3_url, region="us-east-1", path_style=True)
    espeak = next(m for m in default_models() if m.name == "espeak")
    frontend = SpeechFrontend(
        catalog_for([espeak]),
        InProcess(ModelWorker(espeak.name, espeak.spec, threads=1)),
        {"espeak": 5000},
        root,
    )
    # a finished batch run already in the prefix, as the batch driver leaves it
    entry = {"name": "post_01_male_es.mp3", "model": "espeak", "size_bytes": 3, "sha256": "x"}
    s3.put_object(Bucket="speech", Key="serve/run1/post_01_male_es.mp3", Body=b"mp3")
    s3.put_object(Bucket="speech", Key="serve/run1/manifest.jsonl", Body=(json.dumps(entry) + "\n").encode())
    app = create_app(frontend, security=SecurityArgs(auth="disabled"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=60
    ) as c:
        r = await c.post(
            "/v1/speech",
            json={"text": "Hello from the bucket.", "language": "en", "gender": "female", "store": True},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        runs = await c.get("/v1/batches")
        file = await c.get("/v1/batches/file", params={"run": "run1", "name": "post_01_male_es.mp3"})
        escape = await c.get("/v1/batches/file", params={"run": "../other", "name": "post_01_male_es.mp3"})
    assert body["path"].startswith("s3://speech/serve/speech/")
    key = body["path"][len("s3://speech/") :]
    data = s3.get_object(Bucket="speech", Key=key)["Body"].read()
    assert len(data) == body["bytes"]
    pcm, rate = decode_mp3(data)
    assert len(pcm) / rate > 0.5
    assert rms(pcm) > 0.01
    assert runs.status_code == 200, runs.text
    assert [run["id"] for run in runs.json()["runs"]] == ["run1"]
    assert (file.status_code, file.content, file.headers["content-type"]) == (200, b"mp3", "audio/mpeg")
    assert escape.status_code in (400, 422)
