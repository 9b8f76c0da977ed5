"""Helpers of the operator integration tests: the cluster handle, fake KubeRay and Ray dashboard, kopf runner.

The operator runs in process against a hardened kmock API server over real HTTP (TESTING.md, tier 3).
Tests wait with :func:`eventually` (poll until a deadline), never with bare sleeps. A uniquely named
module (not conftest) so that ``from opkit import ...`` never picks up another folder's conftest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp.web
import kopf
import pytest
from kubesim import HardenedEmulator

import voxray_operator.handlers  # noqa: F401 - registers the handlers
from voxray_operator import k8s
from voxray_operator.builders import load_yaml
from voxray_operator.context import MEMO_KEY, OperatorContext
from voxray_operator.metrics import OperatorMetrics

T = TypeVar("T")
NS = "tts"
DEADLINE = 20.0


async def eventually(
    probe: Callable[[], Awaitable[T]],
    check: Callable[[T], bool],
    *,
    within: float = DEADLINE,
    what: str = "",
) -> T:
    """Poll ``probe`` until ``check`` holds; fail with the last value after ``within`` seconds."""
    end = time.monotonic() + within
    last: Any = None
    while True:
        last = await probe()
        try:
            if check(last):
                return last
        except (KeyError, TypeError, IndexError, AttributeError):
            pass
        if time.monotonic() > end:
            shown = json.dumps(last, default=str)[:3000] if last is not None else None
            pytest.fail(f"timed out after {within}s waiting for {what or check}; last value: {shown}")
        await asyncio.sleep(0.05)


@dataclass
class Cluster:
    server: str
    emulator: HardenedEmulator
    api: k8s.KubeClient

    async def get(self, res: k8s.Resource, name: str, ns: str = NS) -> dict[str, Any] | None:
        return await self.api.get(res, ns, name)

    async def create(self, res: k8s.Resource, body: dict[str, Any], ns: str = NS) -> dict[str, Any]:
        return await self.api.create(res, ns, body)

    async def events(self, ns: str = NS) -> list[dict[str, Any]]:
        return await self.api.list(k8s.Resource("", "v1", "events", "Event"), ns)

    async def reasons(self, name: str, ns: str = NS) -> list[str]:
        return [e.get("reason", "") for e in await self.events(ns) if e["involvedObject"]["name"] == name]

    async def event_messages(self, name: str, reason: str, ns: str = NS) -> list[str]:
        return [
            e.get("message", "")
            for e in await self.events(ns)
            if e["involvedObject"]["name"] == name and e.get("reason") == reason
        ]

    def requests(self, method: str, plural: str, name: str | None = None, *, status: bool = False) -> int:
        """How many ``method`` requests the API server got for ``plural`` (object ``name``, ``/status``)."""
        count = 0
        for r in self.emulator:
            if r.method != method or r.resource is None or r.resource.plural != plural:
                continue
            if (r.subresource == "status") != status:
                continue
            target = r.name or ((r.data or {}).get("metadata") or {}).get("name")
            if name is None or target == name:
                count += 1
        return count

    async def wait_for(
        self, res: k8s.Resource, name: str, check: Callable[[dict[str, Any]], bool], what: str = ""
    ) -> dict[str, Any]:
        obj = await eventually(
            lambda: self.get(res, name), lambda o: o is not None and check(o), what=what or name
        )
        assert obj is not None
        return obj

    async def wait_phase(self, res: k8s.Resource, name: str, phase: str) -> dict[str, Any]:
        return await self.wait_for(
            res, name, lambda o: (o.get("status") or {}).get("phase") == phase, what=f"{name} phase {phase}"
        )

    async def wait_gone(self, res: k8s.Resource, name: str) -> None:
        await eventually(lambda: self.get(res, name), lambda o: o is None, what=f"{name} gone")


def voicemodel(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "VoiceModel",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"engine": "kokoro", "resources": {"gpu": 1}, **spec},
    }


def textmodel(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "TextModel",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"engine": "llamacpp", **spec},
    }


def transcriptionmodel(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "TranscriptionModel",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"engine": "faster-whisper", **spec},
    }


def speechbatch(name: str, **spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "input": {"items": [{"index": 0, "texts": {"en": "Welcome to the hotel."}}]},
        "variants": {"avatars": ["female_en-US", "male_en-GB"]},
    }
    base.update(spec)
    return {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "SpeechBatch",
        "metadata": {"name": name, "namespace": NS},
        "spec": base,
    }


# ---- fake Prometheus -----------------------------------------------------------------------------------


@dataclass
class FakePrometheus:
    value: float | None = None
    queries: list[str] = field(default_factory=list)

    async def handle(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        self.queries.append(request.query["query"])
        result = [] if self.value is None else [{"metric": {}, "value": [1.0, str(self.value)]}]
        return aiohttp.web.json_response(
            {"status": "success", "data": {"resultType": "vector", "result": result}}
        )


# ---- fake KubeRay -----------------------------------------------------------------------------------------


@dataclass
class FakeKubeRay:
    """Writes RayService / RayJob status like KubeRay would, through the API (never the spec)."""

    api: k8s.KubeClient
    dashboard_url: str = ""
    #: RayServices become Ready with a RUNNING app after they are seen
    serve_ready: bool = True
    #: RayJob name -> final jobStatus (SUCCEEDED / FAILED) once the test says it is done
    job_results: dict[str, str] = field(default_factory=dict)
    cluster_suffix: str = "x7k2p"
    #: RayService name -> an upgrade KubeRay reports: extra conditions and a pendingServiceStatus
    upgrades: dict[str, dict[str, Any]] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    async def _rayservice(self, rs: dict[str, Any]) -> None:
        meta, st = rs["metadata"], rs.get("status") or {}
        name = meta["name"]
        serve = load_yaml(rs["spec"].get("serveConfigV2") or "") or {}
        apps = serve.get("applications") or []
        if not apps:
            return  # not one of ours: nothing a test waits for
        deployments = {d["name"]: {"status": "HEALTHY"} for d in apps[0]["deployments"]}
        want: dict[str, Any] = {
            "observedGeneration": meta.get("generation"),
            "serviceStatus": "Running" if self.serve_ready else "",
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if self.serve_ready else "False",
                    "reason": "NonZeroServeEndpoints" if self.serve_ready else "Initializing",
                    "message": "",
                    "lastTransitionTime": "2026-01-01T00:00:00Z",
                }
            ],
            "activeServiceStatus": {
                "rayClusterName": f"{name}-raycluster-{self.cluster_suffix}",
                "applicationStatuses": {
                    "voxray": {
                        "status": "RUNNING" if self.serve_ready else "DEPLOYING",
                        "serveDeploymentStatuses": deployments,
                    }
                },
                "rayClusterStatus": {"readyWorkerReplicas": 1},
            },
        }
        upgrade = self.upgrades.get(name)
        if upgrade is not None:
            want["conditions"] = want["conditions"] + upgrade["conditions"]
            want["pendingServiceStatus"] = upgrade["pendingServiceStatus"]
        if {k: st.get(k) for k in want} != want:
            await self.api.patch_status(k8s.RAYSERVICES, meta["namespace"], name, want)

    @staticmethod
    def _suspension(rj: dict[str, Any], deployment: str | None) -> dict[str, Any] | None:
        """KubeRay's suspend transitions (rayjob_controller.go): a suspended job goes Initializing / Running
        -> Suspending -> Suspended (its cluster deleted) and stays; unsuspended, Suspended -> New."""
        suspend = (rj.get("spec") or {}).get("suspend") is True
        if suspend and deployment in ("Initializing", "Running"):
            return {"jobDeploymentStatus": "Suspending"}
        if deployment == "Suspending":  # the cluster is deleted whatever suspend says by then
            return {"jobDeploymentStatus": "Suspended", "jobStatus": "NEW"}
        if not suspend and deployment == "Suspended":
            return {"jobDeploymentStatus": None, "jobStatus": "NEW"}
        return None

    async def _rayjob(self, rj: dict[str, Any]) -> None:
        meta, st = rj["metadata"], rj.get("status") or {}
        name = meta["name"]
        deployment = st.get("jobDeploymentStatus")
        want: dict[str, Any] | None = self._suspension(rj, deployment)
        if want is not None:
            pass
        elif deployment == "Suspended":
            return
        elif deployment is None:
            want = {"jobDeploymentStatus": "Initializing", "jobId": f"{name}-job-1"}
        elif deployment == "Initializing":
            want = {
                "jobDeploymentStatus": "Running",
                "jobStatus": "RUNNING",
                "dashboardURL": self.dashboard_url,
                "startTime": "2026-01-01T00:00:00Z",
                "rayClusterName": f"{name}-raycluster-{self.cluster_suffix}",
            }
        elif deployment == "Running" and name in self.job_results:
            want = {
                "jobDeploymentStatus": "Complete",
                "jobStatus": self.job_results[name],
                "endTime": "2026-01-01T00:10:00Z",
            }
        else:
            return
        await self.api.patch_status(k8s.RAYJOBS, meta["namespace"], name, want)

    async def _loop(self) -> None:
        while True:
            for rs in await self.api.list(k8s.RAYSERVICES):
                with contextlib.suppress(k8s.NotFoundError):  # deleted since the list
                    await self._rayservice(rs)
            for rj in await self.api.list(k8s.RAYJOBS):
                with contextlib.suppress(k8s.NotFoundError):
                    await self._rayjob(rj)
            await asyncio.sleep(0.1)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="fake-kuberay")

    async def stop(self) -> None:
        if self._task is not None:
            if self._task.done():
                self._task.result()  # a crashed fake would silently stall the tests: say why
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


@dataclass
class FakeDashboard:
    """``GET /api/jobs/{id}/logs`` -> ``{"logs": ...}`` from ``logs[id]``."""

    logs: dict[str, str] = field(default_factory=dict)
    url: str = ""
    requests: int = 0

    async def handle(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        self.requests += 1
        job_id = request.match_info["job_id"]
        if job_id not in self.logs:
            return aiohttp.web.json_response({"detail": "no such job"}, status=404)
        return aiohttp.web.json_response({"logs": self.logs[job_id]})


# ---- the operator -----------------------------------------------------------------------------------------


@dataclass
class Operator:
    """kopf in a thread with its own event loop, like ``kopf.testing.KopfRunner``.

    kopf treats every task created in its loop after startup as its own and cancels it on exit; in a
    separate loop it cannot touch the test's tasks (the emulator, the fake KubeRay, fixture teardown).
    """

    _thread: threading.Thread | None = None
    _stop: threading.Event | None = None
    error: BaseException | None = None
    runs: int = 0
    #: kopf's operator-level memo of the current run: the startup handler puts the context there
    memo: kopf.Memo = field(default_factory=kopf.Memo)

    @property
    def metrics(self) -> OperatorMetrics:
        """The running operator's metrics (its own prometheus_client registry, as /metrics serves it)."""
        ctx = self.memo.get(MEMO_KEY)
        assert isinstance(ctx, OperatorContext), "the operator has not started"
        return ctx.metrics

    def sample(self, name: str, **labels: str) -> float | None:
        """One sample of the operator's registry; None while (or once) the series does not exist."""
        value = self.metrics.registry.get_sample_value(name, labels)
        return None if value is None else float(value)

    def _run(self, stop: threading.Event, ready: threading.Event) -> None:
        settings = kopf.OperatorSettings()
        settings.watching.reconnect_backoff = 0.1
        settings.persistence.consistency_timeout = 2.0
        try:
            asyncio.run(
                kopf.operator(
                    clusterwide=True,
                    standalone=True,
                    settings=settings,
                    stop_flag=stop,
                    ready_flag=ready,
                    memo=self.memo,
                )
            )
        except BaseException as exc:  # reported by stop()
            self.error = exc

    async def start(self) -> None:
        assert self._thread is None, "already running"
        stop, ready = threading.Event(), threading.Event()
        self._stop = stop
        self.memo = kopf.Memo()
        self._thread = threading.Thread(
            target=self._run, args=(stop, ready), name=f"kopf-{self.runs}", daemon=True
        )
        self.runs += 1
        self._thread.start()
        if not await asyncio.to_thread(ready.wait, 15):
            await self.stop()
            pytest.fail(f"the operator did not become ready in 15s: {self.error!r}")

    async def stop(self) -> None:
        if self._thread is None or self._stop is None:
            return
        self._stop.set()
        await asyncio.to_thread(self._thread.join, 20)
        alive = self._thread.is_alive()
        self._thread = None
        self._stop = None
        assert not alive, "the operator did not stop within 20s"
        if self.error is not None:
            raise self.error
