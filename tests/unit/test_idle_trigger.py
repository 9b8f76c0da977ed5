"""The quiet-after-a-burst callback (``api/idle.py``): when it runs and when it must not, on a real event
loop and a real ASGI app; and the heap release it drives (``serve/heap.py``) on this process."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from voxray_runtime.api.idle import IdleMiddleware, IdleTrigger


class Calls:
    def __init__(self) -> None:
        self.n = 0
        self.threads: list[str] = []
        self.done = threading.Event()

    def __call__(self) -> None:
        self.n += 1
        self.threads.append(threading.current_thread().name)
        self.done.set()


async def burst(trigger: IdleTrigger, n: int) -> None:
    for _ in range(n):
        trigger.enter()
    await asyncio.sleep(0)
    for _ in range(n):
        trigger.exit()


@pytest.mark.parametrize(
    ("requests", "expected"),
    [(0, 0), (3, 0), (4, 1), (40, 1)],
)
def test_runs_once_after_a_burst_of_at_least_min_requests(requests: int, expected: int) -> None:
    calls = Calls()

    async def main() -> IdleTrigger:
        trigger = IdleTrigger(calls, quiet_s=0.05, min_requests=4)
        await burst(trigger, requests)
        await asyncio.sleep(0.3)
        return trigger

    trigger = asyncio.run(main())
    assert calls.n == expected == trigger.runs
    if expected:
        assert trigger.since_last == 0
        assert calls.threads[0] != threading.main_thread().name  # never on the event loop's thread
    else:
        assert trigger.since_last == requests


def test_work_arriving_before_the_quiet_period_ends_postpones_it() -> None:
    calls = Calls()

    async def main() -> None:
        trigger = IdleTrigger(calls, quiet_s=0.2, min_requests=2)
        await burst(trigger, 2)
        await asyncio.sleep(0.1)
        trigger.enter()  # busy again inside the quiet period: the timer fires but must not run it
        await asyncio.sleep(0.2)
        assert calls.n == 0
        trigger.exit()  # quiet again: counted from here
        await asyncio.sleep(0.1)
        assert calls.n == 0
        await asyncio.sleep(0.25)
        assert calls.n == 1

    asyncio.run(main())


def test_a_trickle_below_min_requests_never_pays_for_it() -> None:
    calls = Calls()

    async def main() -> None:
        trigger = IdleTrigger(calls, quiet_s=0.02, min_requests=10)
        for _ in range(5):
            await burst(trigger, 1)
            await asyncio.sleep(0.05)
        assert calls.n == 0
        await burst(trigger, 5)  # the tenth request since the last run
        await asyncio.sleep(0.1)
        assert calls.n == 1

    asyncio.run(main())


def test_a_failing_callback_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise OSError("no libc here")

    async def main() -> None:
        trigger = IdleTrigger(broken, quiet_s=0.01, min_requests=1)
        await burst(trigger, 1)
        await asyncio.sleep(0.2)

    asyncio.run(main())
    assert "idle callback failed: OSError: no libc here" in caplog.text


def test_middleware_counts_http_requests_in_flight() -> None:
    calls = Calls()
    trigger = IdleTrigger(calls, quiet_s=0.05, min_requests=3)
    seen: list[int] = []

    async def hello(request: Request) -> PlainTextResponse:
        seen.append(trigger.inflight)
        await asyncio.sleep(0.01)
        return PlainTextResponse("hi")

    app = Starlette(routes=[Route("/", hello)])
    app.add_middleware(IdleMiddleware, trigger=trigger)

    async def main() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answers = await asyncio.gather(*(client.get("/") for _ in range(5)))
        assert [a.status_code for a in answers] == [200] * 5
        assert max(seen) == 5  # all five were in flight at once
        assert trigger.inflight == 0
        await asyncio.sleep(0.3)

    asyncio.run(main())
    assert calls.n == 1


RELEASE = """
import json
from voxray_runtime.serve.heap import release_heap, resident_mib
before = resident_mib()
blocks = [bytearray(32 * 1024) for _ in range(8000)]  # ~250 MiB
grown = resident_mib()
kept = blocks[::100]
del blocks
released = release_heap()
print(json.dumps({"before": before, "grown": grown, "released": released, "after": resident_mib()}))
"""


def test_release_heap_gives_freed_memory_back() -> None:
    # many small buffers (below glibc's mmap threshold, so they live in the heap's arenas), then all but
    # every 100th freed: the live ones pin the heap's top, so glibc keeps the freed pages between them
    # until malloc_trim hands them back. In a fresh interpreter: this test process's own heap (a whole
    # test session's) would serve some of the buffers from pages it already holds
    done = subprocess.run(
        [sys.executable, "-c", RELEASE], capture_output=True, text=True, timeout=120, check=True
    )
    m = json.loads(done.stdout.strip().splitlines()[-1])
    assert m["grown"] - m["before"] > 200, m
    assert m["released"] > 200, m
    assert m["after"] < m["grown"] - 200, m
