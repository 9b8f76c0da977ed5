"""A model replica killed under load: every request ends in a valid MP3 (a request on the dead replica is
retried once on another) or a clear problem+json 503 with Retry-After (never a hang), the service recovers (replica count restored, later requests 200), and store=true leaves only
complete MP3 files. A real espeak-ng model with 2 replicas on the session Ray."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from voxray_runtime.storage.atomic import is_temp_name

from .faultkit import assert_valid_mp3, eventually, mp3_seconds

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

APP, PREFIX, MODEL = "faults-kill", "/faults-kill", "kill"
DEPLOYMENT = f"TTS-{MODEL}"
TEXTS = [
    ("female_en-GB", "Your car is waiting at the main entrance."),
    ("male_es", "El restaurante abre a las ocho de la noche."),
    ("female_ar-EG", "الغرفة جاهزة الآن."),
    ("male_hi", "आपका कमरा तैयार है।"),
]
#: every client request is bounded: a hang is a failure, not a wait
CLIENT_TIMEOUT_S = 90.0


def replica_names() -> list[str]:
    import ray

    prefix = f"SERVE_REPLICA::{APP}#{DEPLOYMENT}#"
    return sorted(
        a["name"] for a in ray.util.list_named_actors(all_namespaces=True) if a["name"].startswith(prefix)
    )


def running_replicas() -> int:
    from ray import serve

    app = serve.status().applications.get(APP)
    if app is None or DEPLOYMENT not in app.deployments:
        return 0
    return int(app.deployments[DEPLOYMENT].replica_states.get("RUNNING", 0))


@pytest.fixture(scope="module")
def kill_app(serve_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    from ray import serve

    from voxray_runtime.serve.app import build_app

    out = tmp_path_factory.mktemp("faults-kill-audio")
    spec = {
        "engine": "espeak",
        "replicas": {"min": 2, "max": 2},
        "resources": {"cpu": 0.05},
        "serving": {"maxOngoingRequests": 4},
    }
    args = {
        "models": [{"name": MODEL, "spec": spec}],
        "output_dir": str(out),
        "ingress_num_cpus": 0.0,
        "max_queued_requests": 64,
        "security": {"auth": "disabled"},
    }
    serve.run(build_app(args), name=APP, route_prefix=PREFIX, blocking=False)
    url = f"{serve_url}{PREFIX}"
    eventually(lambda: running_replicas() == 2 or None, timeout_s=180, what="2 running replicas", poll_s=0.5)
    eventually(lambda: _ready(url), timeout_s=120, what=f"{url}/readyz", poll_s=0.5)
    yield url, out
    serve.delete(APP)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


async def _one(client: httpx.AsyncClient, url: str, i: int) -> tuple[int, str, httpx.Response, float]:
    avatar, text = TEXTS[i % len(TEXTS)]
    kind = ("openai", "native", "store")[i % 3]
    t0 = time.monotonic()
    if kind == "openai":
        r = await client.post(f"{url}/v1/audio/speech", json={"model": MODEL, "voice": avatar, "input": text})
    else:
        body: dict[str, Any] = {"text": text, "avatar": avatar, "model": MODEL}
        if kind == "store":
            body |= {"store": True, "name": f"fault-{i:03d}"}
        r = await client.post(f"{url}/v1/speech", json=body)
    return i, kind, r, time.monotonic() - t0


def _check(kind: str, r: httpx.Response) -> str:
    """``ok`` or ``error`` for a well-formed answer; AssertionError for anything else."""
    if r.status_code == 200:
        if kind == "store":
            stored = r.json()
            data = Path(stored["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == stored["sha256"]
            assert mp3_seconds(data)[0] > 0.3
        else:
            assert r.headers["content-type"].startswith("audio/mpeg")
            assert mp3_seconds(r.content)[0] > 0.3
        return "ok"
    # a request on the killed replica is retried once on another; what still fails is a 503 to retry
    assert r.status_code == 503, (r.status_code, r.text[:300])
    assert int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    problem = r.json()
    assert problem["status"] == r.status_code
    assert problem["title"]
    assert problem.get("detail"), problem
    return "error"


async def test_replica_killed_under_load(kill_app: tuple[str, Path]) -> None:
    import ray

    url, out = kill_app
    before = replica_names()
    assert len(before) == 2, before
    results: list[tuple[int, str, httpx.Response, float]] = []
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT_S, limits=limits) as client:
        # a steady stream of requests, 8 at a time, with one replica killed once a few have answered
        pending: set[asyncio.Task[tuple[int, str, httpx.Response, float]]] = set()
        killed: str | None = None
        for i in range(48):
            if len(pending) >= 8:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                results.extend(t.result() for t in done)
            pending.add(asyncio.create_task(_one(client, url, i)))
            if killed is None and len(results) >= 6:
                killed = before[0]
                ray.kill(ray.get_actor(killed, namespace="serve"), no_restart=True)
        results.extend(await asyncio.gather(*pending))
        assert killed is not None, "the load finished before a replica could be killed"

        outcomes = [_check(kind, r) for _, kind, r, _ in results]
        assert len(outcomes) == 48
        assert outcomes.count("ok") >= 24, outcomes  # the surviving replica kept serving
        assert max(s for *_, s in results) < CLIENT_TIMEOUT_S

        # recovery: Serve replaces the replica, and every request succeeds again
        eventually(
            lambda: running_replicas() == 2 and killed not in replica_names() and len(replica_names()) == 2,
            timeout_s=180,
            what="the killed replica to be replaced",
            poll_s=0.5,
        )
        after = await asyncio.gather(*(_one(client, url, 100 + i) for i in range(6)))
        assert [r.status_code for _, _, r, _ in after] == [200] * 6, [r.text[:200] for _, _, r, _ in after]
        for _, kind, r, _ in after:
            assert _check(kind, r) == "ok"

    # stored files: only complete MP3s, no temporary leftovers, each one answered with 200
    files = [p for p in out.rglob("*") if p.is_file()]
    assert not [p for p in files if is_temp_name(p.name) or p.name.endswith(".tmp")], files
    stored_ok = {
        Path(r.json()["path"]).name
        for _, kind, r, _ in [*results, *after]
        if kind == "store" and r.status_code == 200
    }
    assert {p.name for p in files} == stored_ok
    for p in files:
        assert_valid_mp3(p)
