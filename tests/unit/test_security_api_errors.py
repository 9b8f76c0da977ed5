"""An unexpected failure inside the API: 500 problem+json with the security headers, and neither the
answer nor the log line quotes the exception's message (it may hold the text). In process: the
backend here is a stand-in that fails, which a real model replica cannot be made to do on demand."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from voxray_runtime.api.app import create_app
from voxray_runtime.api.service import SpeechFrontend
from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.security.config import SecurityArgs
from voxray_runtime.speech.job import SpeechJob, SpeechResult

SECRET = "Mr Okafor's PIN is 4411"


class FailingBackend:
    async def synthesize(self, job: SpeechJob) -> SpeechResult:
        raise RuntimeError(f"engine choked on {SECRET!r}")

    async def stream(self, job: SpeechJob) -> AsyncIterator[bytes]:
        raise RuntimeError(f"engine choked on {SECRET!r}")
        yield b""  # pragma: no cover

    async def models(self) -> list[object]:
        return []

    async def health(self) -> dict[str, bool]:
        return {}


async def test_unexpected_errors_are_500_problems_that_quote_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    models = list(default_models())
    frontend = SpeechFrontend(catalog_for(models), FailingBackend(), {m.name: 5000 for m in models}, tmp_path)  # type: ignore[arg-type]
    app = create_app(frontend, security=SecurityArgs(auth="disabled"))
    caplog.set_level(logging.INFO)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.post("/v1/audio/speech", json={"input": SECRET, "voice": "alloy"})
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == "internal error (RuntimeError)"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    assert SECRET not in r.text
    assert "unhandled error: RuntimeError" in caplog.text
    for rec in caplog.records:
        assert SECRET not in rec.getMessage()
        assert SECRET not in str(rec.__dict__)
