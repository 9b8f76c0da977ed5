"""After a burst, the heap it left goes back to the OS in the ingress, the model replicas and Serve's
HTTP proxy (``serve/heap.py``); here the proxy's part, on the session's real Serve: the proxy runs our
release in its own process (Ray's ``__ray_call__``) and says how much it gave back."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from voxray_runtime.serve.heap import release_proxies_heap

pytestmark = [pytest.mark.ray, pytest.mark.timeout(120)]


def test_the_http_proxy_releases_its_heap_in_its_own_process(serve_url: str) -> None:
    async def burst() -> list[int]:
        async with httpx.AsyncClient(timeout=60) as client:
            answers = await asyncio.gather(*(client.get(f"{serve_url}/healthz") for _ in range(200)))
        return [a.status_code for a in answers]

    assert set(asyncio.run(burst())) == {200}
    released = release_proxies_heap(timeout_s=30)
    assert released, "no Serve HTTP proxy answered"
    assert all(name.startswith("SERVE_PROXY_ACTOR") for name in released), released
    assert all(mib >= 0.0 for mib in released.values()), released
