"""A TranscriptionModel alone is an app (what ``voxray serve -f transcriptionmodel.yaml`` and a RayService
run): the example document's spec with its languages, served model name and limits, on the session's Ray."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.operator.unit.support import REPO_ROOT
from voxray_runtime.models import load_transcription_models

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def stt_only(serve_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from ray import serve

    from voxray_runtime.serve.app import build_app

    (model,) = load_transcription_models([REPO_ROOT / "examples" / "transcriptionmodel-whisper.yaml"])
    spec = model.spec.model_copy(
        update={
            "served_model_name": "whisper-example",
            "languages": ["en"],
            "resources": model.spec.resources.model_copy(update={"cpu": 0.05}),
            "serving": model.spec.serving.model_copy(update={"threads": 2, "max_duration_seconds": 30.0}),
        }
    )
    args = {
        "stt": {"name": model.name, "spec": spec.to_wire()},
        "output_dir": str(tmp_path_factory.mktemp("stt-only")),
        "ingress_num_cpus": 0.0,
        "security": {"auth": "disabled"},
    }
    serve.run(build_app(args), name="stt-only", route_prefix="/stt-only", blocking=False)
    url = f"{serve_base}/stt-only"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    yield url
    serve.delete("stt-only")


@pytest.fixture(scope="module")
def speech(serve_url: str) -> bytes:
    r = httpx.post(
        f"{serve_url}/v1/speech", json={"text": "The pool opens at nine.", "language": "en"}, timeout=180
    )
    assert r.status_code == 200, r.text
    return r.content


def post(url: str, audio: bytes, **data: str) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/audio/transcriptions", files={"file": ("a.mp3", audio)}, data=data, timeout=180
    )


def test_the_example_transcribes_under_its_served_name(stt_only: str, speech: bytes) -> None:
    r = post(stt_only, speech, model="whisper-example")
    assert r.status_code == 200, r.text
    assert "pool" in r.json()["text"].lower()
    assert post(stt_only, speech, model="whisper").status_code == 200  # its metadata.name too
    assert post(stt_only, speech, model="whisper-9").status_code == 404


def test_a_language_it_does_not_serve_is_a_400(stt_only: str, speech: bytes) -> None:
    r = post(stt_only, speech, model="whisper-1", language="es")
    assert r.status_code == 400, r.text
    assert "language" in r.text


def test_its_duration_limit_holds(stt_only: str, tmp_path: Path) -> None:
    import io

    import numpy as np
    import soundfile

    buf = io.BytesIO()
    soundfile.write(buf, np.zeros(16_000 * 40, np.float32), 16_000, format="WAV")
    r = post(stt_only, buf.getvalue(), model="whisper-1")
    assert r.status_code == 400, r.text
    assert "30 s" in r.text
