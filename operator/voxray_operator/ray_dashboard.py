"""Reading a RayJob's driver logs through the Ray dashboard's Jobs API, for SpeechBatch progress.

KubeRay reports where the dashboard is (``status.dashboardURL``, ``host:port`` without a scheme) and the
submission id (``status.jobId``); ``GET http://{dashboardURL}/api/jobs/{jobId}/logs`` answers
``{"logs": "..."}``. The batch driver prints ``voxray-progress {json}`` lines; the last one is the
progress. Like the Prometheus client, this never raises: errors come back with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx

from voxray_runtime.batch.progress import Progress, parse_progress

PollKind = Literal["progress", "no-progress", "error"]


@dataclass(frozen=True)
class ProgressPoll:
    kind: PollKind
    progress: Progress | None = None
    reason: str = ""


def dashboard_base(url: str) -> str:
    """KubeRay's ``dashboardURL`` is ``host:port``; accept a full URL too."""
    url = url.strip().rstrip("/")
    return url if url.startswith(("http://", "https://")) else f"http://{url}"


def job_location(rayjob: Mapping[str, Any]) -> tuple[str, str] | None:
    """(dashboard base URL, job id) from a RayJob's status, or None while KubeRay has not set both."""
    status = rayjob.get("status") or {}
    url, job_id = status.get("dashboardURL"), status.get("jobId")
    if isinstance(url, str) and url and isinstance(job_id, str) and job_id:
        return dashboard_base(url), job_id
    return None


class DashboardClient:
    def __init__(
        self,
        *,
        timeout: float = 5.0,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.timeout = timeout
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout), headers=headers, transport=transport)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def logs(self, base_url: str, job_id: str) -> str | ProgressPoll:
        """The driver's log text, or a ProgressPoll(kind="error") saying why not."""
        url = f"{dashboard_base(base_url)}/api/jobs/{quote(job_id, safe='')}/logs"
        try:
            resp = await self._client.get(url)
        except httpx.TimeoutException:
            return ProgressPoll("error", reason=f"timeout: {url} gave no answer within {self.timeout:g}s")
        except httpx.HTTPError as exc:
            return ProgressPoll("error", reason=f"unreachable: {url}: {type(exc).__name__}: {exc}")
        if resp.status_code != 200:
            return ProgressPoll("error", reason=f"http: {resp.status_code} from {url}")
        try:
            body = resp.json()
        except ValueError:
            return ProgressPoll("error", reason=f"bad response: {url} is not JSON")
        logs = body.get("logs") if isinstance(body, dict) else None
        if not isinstance(logs, str):
            return ProgressPoll("error", reason=f"bad response: no 'logs' string from {url}")
        return logs

    async def progress(self, base_url: str, job_id: str) -> ProgressPoll:
        logs = await self.logs(base_url, job_id)
        if isinstance(logs, ProgressPoll):
            return logs
        progress = parse_progress(logs)
        if progress is None:
            return ProgressPoll("no-progress", reason="no progress line in the driver logs yet")
        return ProgressPoll("progress", progress)

    async def rayjob_progress(self, rayjob: Mapping[str, Any]) -> ProgressPoll:
        where = job_location(rayjob)
        if where is None:
            return ProgressPoll("no-progress", reason="the RayJob has no dashboardURL and jobId yet")
        return await self.progress(*where)
