"""Operator benchmark: how fast ``python -m voxray_operator`` turns custom resources into KubeRay objects.

    python benchmarks/bench_operator.py [--sequential 50] [--burst 500] [--timeout 300]

The API server is the hardened kmock emulator of the operator integration tests
(tests/operator/integration/kubesim.py) over real HTTP on 127.0.0.1. KubeRay is simulated with the
integration tests' FakeKubeRay status logic (opkit.py), driven by watch events rather than its 0.1 s
polling loop (which would list every RayService ten times a second and load the machine by itself).
The operator runs as its own process, the way the chart's Deployment runs it: ``python -m voxray_operator``
with its settings from the environment and a kubeconfig pointing at the emulator. Its memory comes from
/proc/<pid>/status (VmHWM: the kernel's peak resident set), its CPU time from /proc/<pid>/stat.

1. Sequential, on an otherwise idle operator: VoiceModels created one after another, each timed from its
   create request to the ADDED watch event of its RayService (and on to its Ready status, which the
   simulated KubeRay's status brings); then SpeechBatches naming a Ready VoiceModel, each timed from its
   create request to the ADDED event of its RayJob.
2. Burst, with a fresh emulator and operator: 500 VoiceModels created at once; the time until all 500
   RayServices exist and until all 500 VoiceModels report Ready, the operator's peak memory and CPU time,
   and the API requests it made per VoiceModel.

Times are taken in this process (time.monotonic() when a watch event arrives), which also runs the
emulator and the simulated KubeRay: they share the machine's cores with the operator, as a real API server
would not. Writes benchmarks/results/operator.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "operator" / "integration"))

import httpx  # noqa: E402
import kmock  # noqa: E402
import yaml  # noqa: E402
from common import machine, machine_line, pct, write_results  # noqa: E402
from kubesim import HardenedEmulator, kubeconfig  # noqa: E402
from opkit import NS, FakeKubeRay, speechbatch, voicemodel  # noqa: E402

from voxray_operator import k8s  # noqa: E402

BENCH_AGENT = "voxray-bench"
#: the model every VoiceModel of the benchmark serves: CPU-only Kokoro, as in the integration tests
MODEL_SPEC: dict[str, Any] = {"engine": "kokoro", "resources": {"gpu": 1}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- what the bench sees through watches -----------------------------------------------------------------


@dataclass
class Seen:
    """When this process first saw each RayService / RayJob appear and each VoiceModel turn Ready."""

    rayservices: dict[str, float] = field(default_factory=dict)
    rayjobs: dict[str, float] = field(default_factory=dict)
    ready: dict[str, float] = field(default_factory=dict)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def note(self, into: dict[str, float], name: str) -> None:
        if name not in into:
            into[name] = time.monotonic()
            self._changed.set()

    async def until(self, check: Callable[[], bool], within: float) -> bool:
        """Wait until ``check()`` holds (re-checked on every new sighting); False after ``within`` s."""
        end = time.monotonic() + within
        while True:
            self._changed.clear()
            if check():
                return True
            left = end - time.monotonic()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)


@dataclass
class Simulation:
    """Watches RayServices, RayJobs and VoiceModels; plays KubeRay on RayServices (Ready, with a cluster)."""

    client: httpx.AsyncClient
    kuberay: FakeKubeRay
    seen: Seen = field(default_factory=Seen)
    errors: list[str] = field(default_factory=list)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.errors.append(f"{task.get_name()}: {task.exception()!r}")

    async def _kuberay(self, rs: dict[str, Any]) -> None:
        with contextlib.suppress(k8s.NotFoundError):  # deleted meanwhile
            await self.kuberay._rayservice(rs)

    def _on_rayservice(self, kind: str, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        self.seen.note(self.seen.rayservices, meta["name"])
        # like KubeRay, act on generations it has not reported yet (its own status writes come back too)
        if kind != "DELETED" and (obj.get("status") or {}).get("observedGeneration") != meta.get(
            "generation"
        ):
            self._spawn(self._kuberay(obj), f"kuberay {meta['name']}")

    def _on_rayjob(self, kind: str, obj: dict[str, Any]) -> None:
        if kind != "DELETED":
            self.seen.note(self.seen.rayjobs, obj["metadata"]["name"])

    def _on_voicemodel(self, kind: str, obj: dict[str, Any]) -> None:
        if kind != "DELETED" and (obj.get("status") or {}).get("phase") == "Ready":
            self.seen.note(self.seen.ready, obj["metadata"]["name"])

    async def _watch(self, res: k8s.Resource, handle: Callable[[str, dict[str, Any]], None]) -> None:
        """One watch stream; a reconnect replays every object as ADDED (the first sighting counts)."""
        while True:
            try:
                async with self.client.stream("GET", res.path(), params={"watch": "true"}) as resp:
                    async for line in resp.aiter_lines():
                        if line.strip():
                            event = json.loads(line)
                            handle(str(event.get("type")), event.get("object") or {})
            except httpx.HTTPError:
                await asyncio.sleep(0.1)

    def start(self) -> None:
        self._spawn(self._watch(k8s.RAYSERVICES, self._on_rayservice), "watch rayservices")
        self._spawn(self._watch(k8s.RAYJOBS, self._on_rayjob), "watch rayjobs")
        self._spawn(self._watch(k8s.VOICEMODELS, self._on_voicemodel), "watch voicemodels")

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# ---- the operator process -------------------------------------------------------------------------------


@dataclass
class OperatorProcess:
    """``python -m voxray_operator`` against the emulator, with its memory and CPU read from /proc."""

    config: Path
    log: Path
    metrics_port: int = field(default_factory=free_port)
    proc: asyncio.subprocess.Process | None = None
    rss_samples: list[tuple[float, int]] = field(default_factory=list)
    _sampler: asyncio.Task[None] | None = None

    async def start(self) -> None:
        env = {
            **os.environ,
            "KUBECONFIG": str(self.config),
            "VOXRAY_OPERATOR_METRICS_PORT": str(self.metrics_port),
            "VOXRAY_OPERATOR_METRICS_ADDRESS": "127.0.0.1",
            "VOXRAY_OPERATOR_HEALTH_PORT": "0",
            "VOXRAY_OPERATOR_PROMETHEUS_URL": "http://127.0.0.1:9",  # no autoscaling in this benchmark
        }
        with self.log.open("wb") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "voxray_operator", env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
            )
        self._sampler = asyncio.create_task(self._sample())

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def memory_kib(self) -> dict[str, int]:
        """VmRSS (now) and VmHWM (the peak so far) in KiB."""
        out = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
        return out

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    async def _sample(self) -> None:
        start = time.monotonic()
        while True:
            with contextlib.suppress(OSError, KeyError):
                self.rss_samples.append((time.monotonic() - start, self.memory_kib()["VmRSS"]))
            await asyncio.sleep(0.25)

    async def metrics(self) -> str:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10)).text

    async def stop(self) -> int | None:
        if self._sampler is not None:
            self._sampler.cancel()
            await asyncio.gather(self._sampler, return_exceptions=True)
        if self.proc is None or self.proc.returncode is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), 60)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()


def reconcile_counts(text: str) -> dict[str, float]:
    """``voxray_operator_reconcile_total`` by trigger, from the operator's /metrics."""
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "voxray_operator_reconcile_total":
                trigger = f"{sample.labels['kind']}/{sample.labels['trigger']}"
                out[trigger] = out.get(trigger, 0.0) + sample.value
    return out


# ---- one environment: emulator + simulated KubeRay + operator process -------------------------------------


@dataclass
class Env:
    emulator: HardenedEmulator
    api: k8s.KubeClient
    sim: Simulation
    operator: OperatorProcess

    def operator_requests(self, since: int = 0) -> Counter[str]:
        """The API requests the operator (kopf and its own client) made, by ``METHOD plural[/sub]``."""
        counts: Counter[str] = Counter()
        for request in list(self.emulator)[since:]:
            if request.headers.get("User-Agent", "").startswith(BENCH_AGENT):
                continue
            method = str(getattr(request.method, "value", request.method)).upper()
            plural = request.resource.plural if request.resource is not None else "other"
            watch = request.params.get("watch") in ("true", "1")
            sub = f"/{request.subresource}" if request.subresource else ""
            counts[f"{'WATCH' if watch else method} {plural}{sub}"] += 1
        return counts

    def request_count(self) -> int:
        return len(list(self.emulator))


@contextlib.asynccontextmanager
async def environment(workdir: Path, label: str) -> AsyncIterator[Env]:
    async with HardenedEmulator() as emulator, kmock.Server(emulator) as server:
        url = str(server.url).rstrip("/")
        config = workdir / f"kubeconfig-{label}"
        config.write_text(yaml.safe_dump(kubeconfig(url)), encoding="utf-8")
        os.environ["KUBECONFIG"] = str(config)
        api = k8s.KubeClient.from_environment(timeout=120, user_agent=BENCH_AGENT)
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(
            base_url=url, timeout=None, headers={"User-Agent": BENCH_AGENT}, limits=limits
        ) as client:
            sim = Simulation(client, FakeKubeRay(api))
            sim.start()
            operator = OperatorProcess(config, workdir / f"operator-{label}.log")
            await operator.start()
            try:
                yield Env(emulator, api, sim, operator)
            finally:
                code = await operator.stop()
                if code not in (0, None):
                    print(f"{label}: the operator exited with {code}; see {operator.log}", file=sys.stderr)
                await sim.stop()
                await api.aclose()


async def warm_up(env: Env, within: float) -> str:
    """One VoiceModel through to Ready: the operator has started and its watches are open."""
    name = "warm-up"
    await env.api.create(k8s.VOICEMODELS, NS, voicemodel(name))
    if not await env.sim.seen.until(lambda: name in env.sim.seen.ready, within):
        raise SystemExit(f"the operator did not make {name} Ready in {within}s; see {env.operator.log}")
    return name


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50_ms": round(pct(ms, 50), 1),
        "p95_ms": round(pct(ms, 95), 1),
        "min_ms": round(min(ms), 1) if ms else 0.0,
        "max_ms": round(max(ms), 1) if ms else 0.0,
    }


# ---- 1. sequential ----------------------------------------------------------------------------------------


async def sequential(workdir: Path, count: int, within: float) -> dict[str, Any]:
    async with environment(workdir, "sequential") as env:
        seen = env.sim.seen
        model = await warm_up(env, 60)
        to_rs: list[float] = []
        to_ready: list[float] = []
        for i in range(count):
            name = f"seq-vm-{i:03d}"
            started = time.monotonic()
            await env.api.create(k8s.VOICEMODELS, NS, voicemodel(name))
            if not await seen.until(lambda n=name: n in seen.ready, within):
                raise SystemExit(f"{name} did not become Ready in {within}s")
            to_rs.append(seen.rayservices[name] - started)
            to_ready.append(seen.ready[name] - started)
        to_rj: list[float] = []
        for i in range(count):
            name = f"seq-sb-{i:03d}"
            started = time.monotonic()
            await env.api.create(k8s.SPEECHBATCHES, NS, speechbatch(name, voiceModels=[model]))
            if not await seen.until(lambda n=name: n in seen.rayjobs, within):
                raise SystemExit(f"{name} got no RayJob in {within}s")
            to_rj.append(seen.rayjobs[name] - started)
        memory = env.operator.memory_kib()
        return {
            "voicemodel_to_rayservice": summary(to_rs),
            "voicemodel_to_ready": summary(to_ready),
            "speechbatch_to_rayjob": summary(to_rj),
            "operator_peak_rss_mib": round(memory["VmHWM"] / 1024, 1),
            "simulation_errors": env.sim.errors[:10],
        }


# ---- 2. burst ---------------------------------------------------------------------------------------------


async def burst(workdir: Path, count: int, within: float) -> dict[str, Any]:
    async with environment(workdir, "burst") as env:
        seen = env.sim.seen
        await warm_up(env, 60)
        await asyncio.sleep(2)  # let the warm-up's last events settle
        idle = env.operator.memory_kib()
        cpu0, since = env.operator.cpu_seconds(), env.request_count()
        own0 = resource.getrusage(resource.RUSAGE_SELF)
        names = [f"burst-vm-{i:03d}" for i in range(count)]

        started = time.monotonic()
        await asyncio.gather(*(env.api.create(k8s.VOICEMODELS, NS, voicemodel(n)) for n in names))
        created = time.monotonic() - started
        all_rs = await seen.until(lambda: all(n in seen.rayservices for n in names), within)
        rs_done = time.monotonic() - started
        all_ready = await seen.until(lambda: all(n in seen.ready for n in names), within)
        ready_done = time.monotonic() - started

        memory = env.operator.memory_kib()
        cpu = env.operator.cpu_seconds() - cpu0
        own1 = resource.getrusage(resource.RUSAGE_SELF)
        requests = env.operator_requests(since)
        reconciles = reconcile_counts(await env.operator.metrics())
        rs_times = sorted(seen.rayservices[n] - started for n in names if n in seen.rayservices)
        ready_times = sorted(seen.ready[n] - started for n in names if n in seen.ready)
        peak_sample = max((kib for _, kib in env.operator.rss_samples), default=0)
        return {
            "voicemodels": count,
            "create_requests_s": round(created, 2),
            "all_rayservices_s": round(rs_done, 2) if all_rs else None,
            "all_ready_s": round(ready_done, 2) if all_ready else None,
            "rayservices_seen": len(rs_times),
            "ready_seen": len(ready_times),
            "rayservice_first_s": round(rs_times[0], 2) if rs_times else None,
            "rayservice_p50_s": round(pct(rs_times, 50), 2),
            "ready_p50_s": round(pct(ready_times, 50), 2),
            "rayservices_per_s": round(len(rs_times) / rs_done, 1) if rs_done else None,
            "operator_idle_rss_mib": round(idle["VmRSS"] / 1024, 1),
            "operator_peak_rss_mib": round(memory["VmHWM"] / 1024, 1),
            "operator_peak_sampled_rss_mib": round(peak_sample / 1024, 1),
            "operator_rss_after_mib": round(memory["VmRSS"] / 1024, 1),
            "operator_cpu_s": round(cpu, 1),
            "operator_cpu_ms_per_voicemodel": round(cpu * 1000 / count, 1),
            "bench_process_cpu_s": round(
                (own1.ru_utime + own1.ru_stime) - (own0.ru_utime + own0.ru_stime), 1
            ),
            "operator_requests": sum(requests.values()),
            "operator_requests_per_voicemodel": round(sum(requests.values()) / count, 1),
            "operator_requests_by_kind": dict(requests.most_common()),
            "reconciles": {k: int(v) for k, v in sorted(reconciles.items())},
            "simulation_errors": env.sim.errors[:10],
        }


# ---- report -----------------------------------------------------------------------------------------------


def markdown(m: dict[str, Any], seq: dict[str, Any], bur: dict[str, Any], args: argparse.Namespace) -> str:
    def row(what: str, s: dict[str, float]) -> str:
        return f"| {what} | {s['n']} | {s['p50_ms']} | {s['p95_ms']} | {s['min_ms']} | {s['max_ms']} |"

    def secs(value: float | None) -> str:
        return "not reached" if value is None else f"{value} s"

    top = sorted(bur["operator_requests_by_kind"].items(), key=lambda kv: -kv[1])[:8]
    lines = [
        "# Operator benchmark",
        "",
        machine_line(m),
        "",
        "`python -m voxray_operator` (its own process, settings from the environment, as the chart runs it)",
        "against the hardened kmock emulator of the operator integration tests over HTTP on 127.0.0.1;",
        "KubeRay simulated by the integration tests' FakeKubeRay status logic, driven by watch events. The",
        "emulator, the simulated KubeRay and the timing watches share this machine's cores with the operator.",
        "Times run from the create request to the watch event that shows the result.",
        "",
        f"## 1. One object at a time (idle operator, {args.sequential} each)",
        "",
        "| from apply to | n | p50 ms | p95 ms | min ms | max ms |",
        "|---|---|---|---|---|---|",
        row("VoiceModel -> its RayService exists", seq["voicemodel_to_rayservice"]),
        row("VoiceModel -> Ready (simulated KubeRay status in between)", seq["voicemodel_to_ready"]),
        row("SpeechBatch -> its RayJob exists (VoiceModel already Ready)", seq["speechbatch_to_rayjob"]),
        "",
        f"Operator peak RSS in this run: {seq['operator_peak_rss_mib']} MiB.",
        "",
        f"## 2. {bur['voicemodels']} VoiceModels created at once (fresh operator)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| create requests answered | {bur['create_requests_s']} s |",
        f"| first RayService | {secs(bur['rayservice_first_s'])} |",
        f"| half of the RayServices | {bur['rayservice_p50_s']} s |",
        f"| all {bur['voicemodels']} RayServices exist | {secs(bur['all_rayservices_s'])}"
        f" ({bur['rayservices_seen']} seen, {bur['rayservices_per_s']} / s) |",
        f"| half of the VoiceModels Ready | {bur['ready_p50_s']} s |",
        f"| all {bur['voicemodels']} VoiceModels Ready | {secs(bur['all_ready_s'])} ({bur['ready_seen']} seen) |",
        f"| operator RSS idle (after start-up and one VoiceModel) | {bur['operator_idle_rss_mib']} MiB |",
        f"| operator peak RSS (VmHWM) | {bur['operator_peak_rss_mib']} MiB |",
        f"| operator RSS after all Ready | {bur['operator_rss_after_mib']} MiB |",
        f"| operator CPU time | {bur['operator_cpu_s']} s ({bur['operator_cpu_ms_per_voicemodel']} ms per VoiceModel) |",
        f"| CPU time of this process (emulator, simulated KubeRay, watches) | {bur['bench_process_cpu_s']} s |",
        f"| operator API requests | {bur['operator_requests']} ({bur['operator_requests_per_voicemodel']} per VoiceModel) |",
        "",
        "Operator requests by kind: " + ", ".join(f"{k} {v}" for k, v in top) + ".",
        "",
        "Reconciliations (voxray_operator_reconcile_total by kind/trigger, warm-up included): "
        + ", ".join(f"{k} {v}" for k, v in bur["reconciles"].items())
        + ".",
        "",
        "Reproduce: `make bench` (all benchmarks) or `BENCH=operator make bench`;",
        f"`python benchmarks/bench_operator.py --sequential {args.sequential} --burst {args.burst}`.",
        "",
    ]
    errors = seq["simulation_errors"] + bur["simulation_errors"]
    if errors:
        lines += ["Simulation errors (first ones): " + "; ".join(errors), ""]
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="voxray-bench-operator-") as tmp:
        workdir = Path(tmp)
        print(f"sequential: {args.sequential} VoiceModels, then {args.sequential} SpeechBatches", flush=True)
        seq = await sequential(workdir, args.sequential, args.timeout)
        print(json.dumps(seq), flush=True)
        print(f"burst: {args.burst} VoiceModels at once", flush=True)
        bur = await burst(workdir, args.burst, args.timeout)
        print(json.dumps(bur), flush=True)
        return seq, bur


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sequential", type=int, default=50, help="VoiceModels, then SpeechBatches, one by one"
    )
    parser.add_argument("--burst", type=int, default=500, help="VoiceModels created at once")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for one step")
    args = parser.parse_args(argv)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    started = time.monotonic()
    seq, bur = asyncio.run(run(args))
    m = machine()
    data = {
        "machine": m,
        "method": "python -m voxray_operator against the hardened kmock emulator (tests/operator/integration)",
        "sequential": seq,
        "burst": bur,
        "wall_s": round(time.monotonic() - started, 1),
    }
    write_results("operator", data, markdown(m, seq, bur, args))
    return 0 if bur["all_ready_s"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
