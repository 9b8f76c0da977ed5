"""Fault: the operator process is killed (SIGKILL) in the middle of reconciling, and a new one converges.

The API server holds some creates (RayServices of half the VoiceModels, every RayJob) open, so that at the
moment of the kill some children exist, others are being created, and the rest not yet. The held creates
are then let through, as an API server does with requests whose client died: the object exists though
the operator never heard back. A second operator process must then converge to exactly one RayService
per VoiceModel, one RayJob and one ConfigMap per SpeechBatch, and one API keys and one audit key Secret
per VoiceModel, with the keys generated before the kill unchanged (never regenerated), and statuses
that say so.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp.web
import attrs
import kmock
import pytest
import pytest_asyncio
import yaml
from kmock._internal import enums, rendering
from kubesim import HardenedEmulator, kubeconfig
from opkit import NS, Cluster, FakeKubeRay, eventually, speechbatch, voicemodel

from voxray_operator import k8s
from voxray_runtime.security.config import ApiKeyFile

MODELS = [f"vm-{i}" for i in range(6)]
HELD_MODELS = set(MODELS[::2])  # their RayService creates wait at the API server until the kill
BATCHES = ["sb-a", "sb-b"]
DEADLINE = 60.0


@attrs.define(kw_only=True)
class HoldingEmulator(HardenedEmulator):
    """Holds creates of chosen (plural, name) until :meth:`release`; counts the requests held."""

    hold: set[tuple[str, str]] = attrs.field(factory=set)
    held: int = attrs.field(default=0, init=False)
    _gate: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)

    def release(self) -> None:
        self._gate.set()

    async def _handle(self, request: rendering.Request) -> aiohttp.web.StreamResponse:
        if request.resource is not None and request.action == enums.action.CREATE:
            name = ((request.data or {}).get("metadata") or {}).get("name")
            if (request.resource.plural, name) in self.hold or (request.resource.plural, "*") in self.hold:
                self.held += 1
                await self._gate.wait()
        return await super()._handle(request)


@pytest_asyncio.fixture()
async def held_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Cluster, HoldingEmulator, dict[str, str]]]:
    hold = {("rayservices", m) for m in HELD_MODELS} | {("rayjobs", "*")}
    async with HoldingEmulator(hold=hold) as emulator, kmock.Server(emulator) as server:
        url = str(server.url).rstrip("/")
        config = tmp_path / "kubeconfig"
        config.write_text(yaml.safe_dump(kubeconfig(url)), encoding="utf-8")
        env = {
            **os.environ,
            "KUBECONFIG": str(config),
            "VOXRAY_OPERATOR_METRICS_PORT": "0",
            "VOXRAY_OPERATOR_HEALTH_PORT": "0",
            "VOXRAY_OPERATOR_LOG_FORMAT": "plain",
            "VOXRAY_OPERATOR_RETRY_DELAY_SECONDS": "1",
            "VOXRAY_OPERATOR_PROGRESS_INTERVAL_SECONDS": "1",
            "VOXRAY_OPERATOR_PROMETHEUS_URL": "http://127.0.0.1:9",
            "VOXRAY_OPERATOR_PROMETHEUS_TIMEOUT_SECONDS": "1",
        }
        monkeypatch.setenv("KUBECONFIG", str(config))
        client = k8s.KubeClient.from_environment(timeout=10)
        try:
            yield Cluster(url, emulator, client), emulator, env
        finally:
            emulator.release()
            await client.aclose()


async def start_operator(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    out = log.open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "voxray_operator", env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
    finally:
        out.close()  # the child has its own descriptor


async def names(cluster: Cluster, res: k8s.Resource) -> list[str]:
    return sorted(o["metadata"]["name"] for o in await cluster.api.list(res, NS))


def secret_data(secret: dict[str, Any]) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


async def test_killed_operator_converges_without_duplicates_or_new_keys(
    held_cluster: tuple[Cluster, HoldingEmulator, dict[str, str]], tmp_path: Path
) -> None:
    cluster, emulator, env = held_cluster
    kuberay = FakeKubeRay(cluster.api)
    kuberay.start()
    log = tmp_path / "operator.log"
    first = await start_operator(env, log)
    second: asyncio.subprocess.Process | None = None
    try:
        for model in MODELS:
            await cluster.create(k8s.VOICEMODELS, voicemodel(model, engine="espeak", resources={"cpu": 1}))
        for i, batch in enumerate(BATCHES):
            await cluster.create(k8s.SPEECHBATCHES, speechbatch(batch, voiceModels=[MODELS[i]]))

        # partway: every Secret and the RayServices not held exist; the held creates are in flight
        expected_secrets = sorted(f"{m}-{s}" for m in MODELS for s in ("api-keys", "audit-key"))
        free = sorted(set(MODELS) - HELD_MODELS)
        await eventually(
            lambda: names(cluster, k8s.SECRETS),
            lambda n: n == expected_secrets,
            within=DEADLINE,
            what="Secrets",
        )
        await eventually(
            lambda: names(cluster, k8s.RAYSERVICES),
            lambda n: n == free,
            within=DEADLINE,
            what="free RayServices",
        )

        async def held() -> int:
            return emulator.held

        await eventually(held, lambda n: n >= len(HELD_MODELS) + len(BATCHES), within=DEADLINE, what="held")
        before = {s["metadata"]["name"]: secret_data(s) for s in await cluster.api.list(k8s.SECRETS, NS)}
        first.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(first.wait(), timeout=30) == -signal.SIGKILL
        assert await names(cluster, k8s.RAYSERVICES) == free  # truly mid-way when it died
        assert await names(cluster, k8s.RAYJOBS) == []
        emulator.release()  # the dead client's creates go through (or not): either must be handled

        second = await start_operator(env, log)
        for batch in BATCHES:
            kuberay.job_results[batch] = "SUCCEEDED"
        for model in MODELS:
            await eventually(
                lambda m=model: cluster.get(k8s.VOICEMODELS, m),  # type: ignore[misc]
                lambda v: (
                    v["status"]["phase"] == "Ready"
                    and any(
                        c["type"] == "CredentialsReady" and c["status"] == "True"
                        for c in v["status"]["conditions"]
                    )
                ),
                within=DEADLINE,
                what=f"{model} Ready with credentials",
            )
        for batch in BATCHES:
            await eventually(
                lambda b=batch: cluster.get(k8s.SPEECHBATCHES, b),  # type: ignore[misc]
                lambda s: s["status"]["phase"] == "Succeeded",
                within=DEADLINE,
                what=f"{batch} Succeeded",
            )

        # exactly one of each child, owned by the right parent
        assert await names(cluster, k8s.RAYSERVICES) == MODELS
        assert await names(cluster, k8s.RAYJOBS) == BATCHES
        assert await names(cluster, k8s.CONFIGMAPS) == [f"{b}-speechbatch" for b in BATCHES]
        assert await names(cluster, k8s.SECRETS) == expected_secrets
        for rs in await cluster.api.list(k8s.RAYSERVICES, NS):
            (ref,) = rs["metadata"]["ownerReferences"]
            assert ref["kind"] == "VoiceModel"
            assert ref["name"] == rs["metadata"]["name"]

        # no key regenerated: every Secret holds what it held before the kill
        after = {s["metadata"]["name"]: secret_data(s) for s in await cluster.api.list(k8s.SECRETS, NS)}
        assert after == before
        for model in MODELS:
            data = after[f"{model}-api-keys"]
            keys = ApiKeyFile.model_validate(yaml.safe_load(data["keys.yaml"]))
            assert keys.keys[0].sha256 == hashlib.sha256(data["api-key"]).hexdigest()
            assert keys.keys[0].key is None  # the plain key stays out of the mounted file
            assert cluster.requests("POST", "secrets", f"{model}-api-keys") >= 1
            vm = await cluster.get(k8s.VOICEMODELS, model)
            assert vm is not None
            creds = vm["status"]["credentials"]
            assert creds["apiKeysSecret"] == f"{model}-api-keys"
            assert creds["apiKeysGenerated"] is True
            assert creds["auditKeySecret"] == f"{model}-audit-key"
            assert f"get secret {model}-api-keys" in creds["readKeyCommand"]
    finally:
        await kuberay.stop()
        for proc in (first, second):
            if proc is not None and proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), timeout=30)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
    assert second is not None
    assert second.returncode == 0, log.read_text(encoding="utf-8")[-5000:]
