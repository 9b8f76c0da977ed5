"""Progress from the Ray dashboard's Jobs API: the last progress line, or a reason why there is none."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from voxray_operator.ray_dashboard import DashboardClient, dashboard_base, job_location
from voxray_runtime.batch.progress import Progress


def client(handler: Any) -> DashboardClient:
    return DashboardClient(timeout=1, token="t0k", transport=httpx.MockTransport(handler))


async def test_last_progress_line_wins() -> None:
    seen: list[httpx.Request] = []
    logs = "\n".join(
        [
            "booting",
            Progress(10, 1, 0).line(),
            "voxray-progress {broken",
            Progress(10, 4, 1, audio_seconds=2.5).line(),
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"logs": logs})

    dash = client(handler)
    poll = await dash.rayjob_progress(
        {"status": {"dashboardURL": "head-svc.ns.svc:8265", "jobId": "raysubmit_1"}}
    )
    await dash.aclose()
    assert poll.kind == "progress"
    assert poll.progress == Progress(10, 4, 1, audio_seconds=2.5)
    assert str(seen[0].url) == "http://head-svc.ns.svc:8265/api/jobs/raysubmit_1/logs"
    assert seen[0].headers["Authorization"] == "Bearer t0k"


@pytest.mark.parametrize(
    ("answer", "kind", "reason"),
    [
        (httpx.Response(200, json={"logs": "no progress yet"}), "no-progress", "no progress line"),
        (httpx.Response(404, json={"detail": "gone"}), "error", "http: 404"),
        (httpx.Response(200, text="<html>"), "error", "bad response"),
        (httpx.Response(200, json={"logs": 3}), "error", "bad response"),
        (httpx.ReadTimeout("slow"), "error", "timeout"),
        (httpx.ConnectError("refused"), "error", "unreachable"),
    ],
)
async def test_no_progress_reasons(answer: Any, kind: str, reason: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    dash = client(handler)
    poll = await dash.progress("http://dash:8265/", "j")
    await dash.aclose()
    assert poll.kind == kind
    assert poll.progress is None
    assert poll.reason.startswith(reason)


async def test_nothing_to_read_before_kuberay_reports_the_job() -> None:
    dash = client(lambda r: httpx.Response(500))
    poll = await dash.rayjob_progress({"status": {"jobDeploymentStatus": "Initializing"}})
    await dash.aclose()
    assert poll.kind == "no-progress"


def test_locations() -> None:
    assert dashboard_base("h:8265") == "http://h:8265"
    assert dashboard_base("https://h:8265/") == "https://h:8265"
    assert job_location({"status": {"dashboardURL": "h:1", "jobId": "j"}}) == ("http://h:1", "j")
    assert job_location({"status": {"dashboardURL": "h:1"}}) is None
    assert job_location({}) is None
