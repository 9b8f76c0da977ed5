"""The text app: the packaged Gemma 3 270M TextModel through real Ray Serve, as a cluster runs it
(authentication required, per-key models, audit to a file), with a second, tight TextModel (one slot,
no queue) on which overload is easy to reach."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from voxray_runtime.commands.local import wait_ready as _wait_ready

GEMMA_ID = "gemma-3-270m-q4_k_m"


@dataclass(frozen=True)
class TextApp:
    url: str
    #: a key for every model, and one limited to a VoiceModel (no text model)
    key: str
    voice_only_key: str
    audit_log: Path
    metrics_port: int

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}"}

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers(), timeout=120)


@pytest.fixture(scope="session")
def text_app(
    serve_base: str, ray_cluster: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TextApp]:
    from ray import serve

    from voxray_runtime.serve.app import build_app

    d = tmp_path_factory.mktemp("text")
    key, voice_only = (f"vxk-{secrets.token_urlsafe(24)}" for _ in range(2))
    keys_file = d / "keys.yaml"
    keys_file.write_text(
        yaml.safe_dump(
            {
                "keys": [
                    {"id": "writer", "key": key, "requestsPerMinute": 100_000, "maxConcurrent": 64},
                    {"id": "voices", "key": voice_only, "models": ["speak"]},
                ]
            }
        )
    )
    audit_log = d / "audit.jsonl"
    gemma = {
        "weights": {"source": "packaged"},
        "servedModelName": GEMMA_ID,
        "contextLength": 512,
        "resources": {"cpu": 0.05},
        "serving": {"maxConcurrentSequences": 4, "maxQueue": 8, "maxTokens": 256, "threads": 1},
    }
    tight = {
        "contextLength": 256,
        "resources": {"cpu": 0.05},
        "serving": {"maxConcurrentSequences": 1, "maxQueue": 0, "maxTokens": 200, "threads": 1},
    }
    args = {
        "text_models": [{"name": "gemma", "spec": gemma}, {"name": "tight", "spec": tight}],
        "output_dir": str(d / "out"),
        "ingress_num_cpus": 0.0,
        "security": {"auth": "required", "apiKeysFile": str(keys_file), "auditLogFile": str(audit_log)},
    }
    serve.run(build_app(args), name="text", route_prefix="/text", blocking=False)
    url = f"{serve_base}/text"
    _wait_ready(f"{url}/readyz", 300)
    yield TextApp(url, key, voice_only, audit_log, int(ray_cluster["metrics_port"]))
    serve.delete("text")
