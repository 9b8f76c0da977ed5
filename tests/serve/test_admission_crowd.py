"""Deadline-based admission on real Serve: a few hundred clients at once against one espeak-ng replica.

Every answer is a 200, or a 429/503 with Retry-After (never a reset, a timeout or another 5xx), each
within its deadline and a margin; some are served; interactive requests go ahead of bulk ones; a
deadline no work can meet is refused at once; a bad header is a 400; /readyz is fine after. Its own small
app on the session's Serve (per-caller limits as ``voxray serve`` has them on loopback: the defaults).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.faults.faultkit import eventually

pytestmark = [pytest.mark.ray, pytest.mark.timeout(180)]

APP, PREFIX, MODEL = "admission", "/admission", "adm"
TEXT = "Breakfast is served on the terrace from seven until half past ten."
#: bulk requests, and twice as many interactive ones
BULK = 100
DEADLINE_S = 6.0
#: an answer comes within its deadline, plus what the client and proxy add on a busy 2-core machine
MARGIN_S = 6.0


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def adm_url(serve_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from ray import serve

    from voxray_runtime.serve.app import build_app

    spec = {"engine": "espeak", "resources": {"cpu": 0.05}, "serving": {"maxOngoingRequests": 2}}
    args = {
        "models": [{"name": MODEL, "spec": spec}],
        "output_dir": str(tmp_path_factory.mktemp("admission-audio")),
        "ingress_num_cpus": 0.0,
        "security": {"auth": "disabled"},
    }
    serve.run(build_app(args), name=APP, route_prefix=PREFIX, blocking=False)
    url = f"{serve_base}{PREFIX}"
    eventually(lambda: _ready(url), timeout_s=120, what=f"{url}/readyz", poll_s=0.5)
    yield url
    serve.delete(APP)


async def test_identical_requests_at_once_share_one_synthesis(adm_url: str) -> None:
    # long enough that all of them arrive while its synthesis runs
    body = {"model": MODEL, "voice": "male_en-US", "input": " ".join([TEXT] * 12)}
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64)) as client:
        answers = await asyncio.gather(
            *(client.post(f"{adm_url}/v1/audio/speech", json=body) for _ in range(24))
        )
        assert [r.status_code for r in answers] == [200] * 24, [r.text[:200] for r in answers]
        assert len({r.content for r in answers}) == 1
        joined = [r.headers.get("x-voxray-coalesced") == "true" for r in answers]
        # one synthesis answered them all (on a busy machine a straggler may arrive after it ended and
        # start another)
        assert joined.count(False) <= 2, joined
        # done: the next identical request synthesises anew
        again = await client.post(f"{adm_url}/v1/audio/speech", json=body)
        assert again.status_code == 200
        assert "x-voxray-coalesced" not in again.headers


async def test_admission_by_deadline_interactive_first(adm_url: str) -> None:
    body = {"model": MODEL, "voice": "female_en-GB", "input": TEXT}
    limits = httpx.Limits(max_connections=3 * BULK + 16)
    async with httpx.AsyncClient(timeout=DEADLINE_S + 60, limits=limits) as client:
        for _ in range(3):  # the model's first answers teach the ingress its pace
            r = await client.post(f"{adm_url}/v1/audio/speech", json=body)
            assert r.status_code == 200, r.text[:300]

        n = iter(range(10**6))

        async def one(priority: str) -> tuple[str, httpx.Response, float]:
            headers = {"X-Request-Timeout": f"{DEADLINE_S:g}", "X-Priority": priority}
            # distinct texts: identical requests in flight would share one synthesis
            distinct = body | {"input": f"{TEXT} Room {next(n)}."}
            t0 = time.monotonic()
            r = await client.post(f"{adm_url}/v1/audio/speech", json=distinct, headers=headers)
            return priority, r, time.monotonic() - t0

        # a few interactive requests take the model first; then bulk and interactive ones arrive mixed, a
        # bulk one first in each group: interactive ones still go ahead of the bulk ones waiting
        plug = [asyncio.create_task(one("interactive")) for _ in range(8)]
        await asyncio.sleep(0.3)
        kinds = ["bulk", "interactive", "interactive"] * BULK
        answers = [*await asyncio.gather(*(one(k) for k in kinds)), *await asyncio.gather(*plug)]
        kinds += ["interactive"] * len(plug)

        codes = [r.status_code for _, r, _ in answers]
        assert set(codes) <= {200, 429, 503}, sorted(set(codes))
        for _, r, seconds in answers:
            assert seconds < DEADLINE_S + MARGIN_S, (r.status_code, seconds)
            if r.status_code != 200:
                assert int(r.headers["retry-after"]) >= 1, r.headers
                assert r.headers["content-type"].startswith("application/problem+json")
        served = {
            k: [s for p, r, s in answers if p == k and r.status_code == 200] for k in ("interactive", "bulk")
        }
        assert len(served["interactive"]) >= 10, codes
        share = {k: len(served[k]) / kinds.count(k) for k in served}
        # interactive ones are served first: a bulk one is admitted only if it fits behind all of them
        assert share["interactive"] > share["bulk"], share
        if len(served["bulk"]) >= 5:  # (those that got a free slot at once say nothing of the order)
            assert statistics.mean(served["bulk"]) >= statistics.mean(served["interactive"]), served

        # a deadline shorter than any work: refused at once, saying when and why
        t0 = time.monotonic()
        r = await client.post(f"{adm_url}/v1/audio/speech", json=body, headers={"X-Request-Timeout": "0.001"})
        assert r.status_code == 429, r.text[:300]
        assert time.monotonic() - t0 < 3.0
        assert int(r.headers["retry-after"]) >= 1
        assert "X-Request-Timeout" in r.json()["detail"]

        r = await client.post(f"{adm_url}/v1/audio/speech", json=body, headers={"X-Priority": "urgent"})
        assert r.status_code == 400, r.text[:300]
        assert "X-Priority" in r.json()["detail"]

    eventually(lambda: _ready(adm_url), timeout_s=30, what=f"{adm_url}/readyz after the burst", poll_s=0.5)
