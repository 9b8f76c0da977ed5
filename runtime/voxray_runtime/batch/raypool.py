"""Where a batch renders: the Ray connection and the pools of synthesis workers (``actors``: a pool
of actors, each loading the engines once; ``tasks``: stateless Ray tasks with a per-process engine cache).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from typing import Any, Literal

from voxray_runtime.batch.plan import Plan, WorkItem
from voxray_runtime.batch.policy import PoolSize
from voxray_runtime.batch.worker import RenderSettings

Design = Literal["actors", "tasks"]
#: calls in flight per worker. One: a file takes seconds and the driver hands the next one over within
#: milliseconds of ``ray.wait`` returning, so a deeper queue gains nothing and would only delay the
#: utilisation throttle (queued work runs even while submissions are held)
DEPTH = 1
#: longest wait for the pool's workers to be scheduled and load their engines
START_TIMEOUT_S = 900.0


class WorkerStartError(RuntimeError):
    """The pool could not start (no resources in time, or engines that cannot load)."""


@contextlib.contextmanager
def ray_connection(address: str | None) -> Iterator[str]:
    """Use the Ray already initialised, or connect to ``address`` / RAY_ADDRESS, or start a private one.

    Yields a description (``existing``, ``address ...``, ``local``). Only what it started is shut down.
    """
    import ray

    if ray.is_initialized():
        yield "existing"
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    addr = address or os.environ.get("RAY_ADDRESS")
    if addr:
        ray.init(address=addr, log_to_driver=False, configure_logging=False)
        try:
            yield f"address {addr}"
        finally:
            ray.shutdown()
        return
    tmp = tempfile.mkdtemp(prefix="vxr-batch-", dir="/tmp")
    ray.init(
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=tmp,
        log_to_driver=False,
        configure_logging=False,
        runtime_env={"env_vars": {"RAY_USAGE_STATS_ENABLED": "0"}},
    )
    try:
        yield "local"
    finally:
        ray.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


def available_cpus(samples: int = 5, interval_s: float = 0.2) -> float:
    """The CPUs given to the batch: what Ray has free now, the best of a few readings (Ray reports
    resources freed a moment ago with a delay); the cluster's total when none is free."""
    ray: Any = importlib.import_module("ray")
    total = float(ray.cluster_resources().get("CPU", 1.0))
    avail = 0.0
    for i in range(samples):
        if i:
            time.sleep(interval_s)
        avail = max(avail, float(ray.available_resources().get("CPU", 0.0)))
        if avail >= total:
            break
    return min(avail, total) if avail > 0 else total


def driver_node() -> str:
    """The Ray node id of the driver (workers report theirs; equal means psutil can read them)."""
    ray: Any = importlib.import_module("ray")
    return str(ray.get_runtime_context().get_node_id())


class Pool:
    """Slots that take work; ``submit`` returns an ObjectRef of a RenderResult."""

    size: PoolSize

    def free_slot(self, inflight: dict[int, int]) -> int | None:
        for slot in range(self.size.workers):
            if inflight.get(slot, 0) < DEPTH:
                return slot
        return None

    def start(self, say: Any = None, limit_s: float = 0.0) -> list[dict[str, Any]]:
        """Wait for the workers to load their engines; what each reports of itself (actors)."""
        return []

    def submit(self, slot: int, work: WorkItem, attempt: int) -> Any:
        raise NotImplementedError

    def replace(self, slot: int) -> None:
        """The slot's worker died: start a new one (actors)."""

    def shutdown(self) -> None:
        """Release the workers."""


class ActorPool(Pool):
    def __init__(self, plan: Plan, size: PoolSize, settings: RenderSettings) -> None:
        import ray

        from voxray_runtime.batch.worker import SynthWorker

        self.size = size
        self._cls = ray.remote(SynthWorker).options(
            num_cpus=size.cpus_per_worker, max_restarts=0, max_concurrency=1
        )
        self._args = (list(plan.models), settings)
        self._actors: list[Any] = [self._cls.remote(i, *self._args) for i in range(size.workers)]
        self._generation = [0] * size.workers

    def start(self, say: Any = None, limit_s: float = START_TIMEOUT_S) -> list[dict[str, Any]]:
        """Wait until every actor has loaded its engines; WorkerStartError when one cannot."""
        import ray

        refs = [a.info.remote() for a in self._actors]
        t0 = time.monotonic()
        while True:
            _ready, waiting = ray.wait(refs, num_returns=len(refs), timeout=30.0)
            if not waiting:
                break
            waited = time.monotonic() - t0
            if waited > limit_s:
                raise WorkerStartError(
                    f"{len(waiting)} of {len(refs)} workers did not start within {limit_s:.0f} s; Ray has "
                    f"{available_cpus(samples=1)} CPUs free and each worker asks for "
                    f"{self.size.cpus_per_worker}"
                )
            if say is not None:
                say(f"waiting for Ray to start {len(waiting)} worker(s) ({waited:.0f} s)")
        try:
            return list(ray.get(refs))
        except Exception as exc:
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
            raise WorkerStartError(f"a worker could not load its engines: {first}") from exc

    def submit(self, slot: int, work: WorkItem, attempt: int) -> Any:
        return self._actors[slot].render.remote(work, attempt)

    def replace(self, slot: int) -> None:
        import ray

        with contextlib.suppress(Exception):
            ray.kill(self._actors[slot], no_restart=True)
        self._generation[slot] += 1
        self._actors[slot] = self._cls.remote(slot + 100 * self._generation[slot], *self._args)

    def shutdown(self) -> None:
        import ray

        for a in self._actors:
            with contextlib.suppress(Exception):
                ray.kill(a, no_restart=True)


class TaskPool(Pool):
    def __init__(self, plan: Plan, size: PoolSize, settings: RenderSettings) -> None:
        import ray

        from voxray_runtime.batch.worker import render_task

        self.size = size
        self._fn = ray.remote(render_task).options(num_cpus=size.cpus_per_worker, max_retries=0)
        self._models: Any = ray.put(list(plan.models))
        self._settings = settings

    def submit(self, slot: int, work: WorkItem, attempt: int) -> Any:
        return self._fn.remote(self._models, self._settings, work, attempt)


def make_pool(design: Design, plan: Plan, size: PoolSize, settings: RenderSettings) -> Pool:
    """The pool of the chosen execution design."""
    return ActorPool(plan, size, settings) if design == "actors" else TaskPool(plan, size, settings)


def is_actor_death(exc: BaseException) -> bool:
    """Whether a failed call died with its actor (the slot's worker is then replaced)."""
    from ray.exceptions import RayActorError

    return isinstance(exc, RayActorError)
