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


#: seconds the pool waits at start for workers beyond the first before it works with those it has
#: (the rest join when Ray places them: a node may be missing or busy)
START_GRACE_S = 30.0
#: a slot whose replacement fails to start this many times in a row is retired
MAX_START_FAILURES = 3
#: seconds between checks of which nodes can still place a worker
PLACEABLE_CHECK_S = 1.0


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)


def placeable(request: dict[str, float]) -> bool:
    """Whether some alive Ray node has the total resources one worker asks for."""
    ray: Any = importlib.import_module("ray")
    for node in ray.nodes():
        if not node.get("Alive"):
            continue
        have = node.get("Resources") or {}
        if all(float(have.get(k, 0.0)) >= v for k, v in request.items() if v > 0):
            return True
    return False


class Pool:
    """Slots that take work; ``submit`` returns an ObjectRef of a RenderResult.

    Every slot has a generation, bumped when its worker is replaced: a failure of a call submitted to
    an earlier generation never replaces the slot's newer worker. ``live`` slots take work; a slot whose
    worker is being started (or waits for a node that can place it) does not: the pool shrinks to what
    the cluster can place and grows back as the replacements start.
    """

    size: PoolSize
    #: what each worker asks Ray for (CPU and custom resources)
    request: dict[str, float]
    #: (event, slot, reason) as they happened: lost, replaced, back, retired (summary.json pool_changes)
    events: list[dict[str, Any]]

    def _setup(self, size: PoolSize, resources: dict[str, float] | None) -> None:
        self.size = size
        self.request = _resources(size, resources)
        self.events = []

    def generation(self, slot: int) -> int:
        return 0

    def live(self) -> list[int]:
        return list(range(self.size.workers))

    def free_slot(self, inflight: dict[tuple[int, int], int]) -> int | None:
        for slot in self.live():
            if inflight.get((slot, self.generation(slot)), 0) < DEPTH:
                return slot
        return None

    def start(self, say: Any = None, limit_s: float = 0.0) -> list[dict[str, Any]]:
        """Wait for the workers to load their engines; what each reports of itself (actors)."""
        return []

    def poll(self, say: Any = None) -> list[dict[str, Any]]:
        """Workers that finished starting since the last poll (what each reports of itself)."""
        return []

    def submit(self, slot: int, work: WorkItem, attempt: int) -> Any:
        raise NotImplementedError

    def replace(self, slot: int, generation: int, reason: str) -> bool:
        """The slot's worker of ``generation`` died: start a new one (actors); False when the slot was
        already replaced since (several calls of one dead worker fail one after another)."""
        return False

    def abandon(self, slot: int, generation: int, ref: Any, reason: str) -> None:
        """A call ran past its deadline: stop waiting for it (the worker is killed, the task cancelled)."""

    def waiting_reason(self) -> str:
        """Why no worker takes work (for the failures of files that waited too long)."""
        return f"no alive Ray node can place a worker asking for {self.request}"

    def shutdown(self) -> None:
        """Release the workers."""

    def _event(self, event: str, slot: int, reason: str = "") -> None:
        self.events.append({"event": event, "slot": slot, "reason": reason, "at": round(time.time(), 3)})


def _resources(size: PoolSize, extra: dict[str, float] | None) -> dict[str, float]:
    return {"CPU": size.cpus_per_worker, **(extra or {})}


def _spread(target: Any, size: PoolSize, resources: dict[str, float] | None, **options: Any) -> Any:
    """``target`` as a Ray remote asking for the pool's resources, SPREAD over the nodes: a node lost
    takes as few of the pool's workers with it as the cluster allows."""
    import ray

    return ray.remote(target).options(
        num_cpus=size.cpus_per_worker,
        resources=dict(resources or {}),
        scheduling_strategy="SPREAD",
        **options,
    )


class ActorPool(Pool):
    def __init__(
        self,
        plan: Plan,
        size: PoolSize,
        settings: RenderSettings,
        resources: dict[str, float] | None = None,
    ) -> None:
        from voxray_runtime.batch.worker import SynthWorker

        self._setup(size, resources)
        self._cls = _spread(SynthWorker, size, resources, max_restarts=0, max_concurrency=1)
        self._args = (list(plan.models), settings)
        n = size.workers
        self._generation = [0] * n
        self._actors: list[Any] = [self._cls.remote(i, *self._args) for i in range(n)]
        #: slot -> the ``info`` call of a worker still starting, and since when
        self._starting: dict[int, tuple[Any, float]] = {
            i: (a.info.remote(), time.monotonic()) for i, a in enumerate(self._actors)
        }
        self._failures = [0] * n
        self._retired: set[int] = set()
        self._said_waiting: set[tuple[int, int]] = set()

    def generation(self, slot: int) -> int:
        return self._generation[slot]

    def live(self) -> list[int]:
        return [i for i in range(self.size.workers) if i not in self._starting and i not in self._retired]

    def start(self, say: Any = None, limit_s: float = START_TIMEOUT_S) -> list[dict[str, Any]]:
        """Wait until every worker has loaded its engines, or, past ``START_GRACE_S``, at least one
        (the others join when placed); WorkerStartError when none starts in time or engines cannot load."""
        t0 = time.monotonic()
        infos: list[dict[str, Any]] = []
        while self._starting:
            infos += self._poll(wait_s=min(5.0, limit_s), fatal=True)
            waited = time.monotonic() - t0
            if not self._starting or (self.live() and waited >= START_GRACE_S):
                break
            if waited > limit_s:
                raise WorkerStartError(
                    f"{len(self._starting)} of {self.size.workers} workers did not start within "
                    f"{limit_s:.0f} s; Ray has {available_cpus(samples=1)} CPUs free and each worker "
                    f"asks for {self.request}"
                )
            if say is not None and int(waited) % 30 < 5:
                say(f"waiting for Ray to start {len(self._starting)} worker(s) ({waited:.0f} s)")
        if self._starting and say is not None:
            say(
                f"working with {len(self.live())} of {self.size.workers} worker(s); "
                f"{len(self._starting)} join when Ray places them"
            )
        if not self.live():
            raise WorkerStartError(f"no worker could start: {self.waiting_reason()}")
        return infos

    def poll(self, say: Any = None) -> list[dict[str, Any]]:
        infos = self._poll(wait_s=0.0, fatal=False, say=say)
        for slot, (_ref, since) in self._starting.items():
            key = (slot, self._generation[slot])
            if key not in self._said_waiting and time.monotonic() - since > 10.0 and say is not None:
                self._said_waiting.add(key)
                say(
                    f"worker slot {slot} waits for Ray to place it (asks for {self.request}); "
                    f"working with {len(self.live())} worker(s)"
                )
        return infos

    def _poll(self, wait_s: float, fatal: bool, say: Any = None) -> list[dict[str, Any]]:
        import ray

        if not self._starting:
            return []
        by_ref = {ref: slot for slot, (ref, _since) in self._starting.items()}
        ready, _ = ray.wait(list(by_ref), num_returns=len(by_ref), timeout=wait_s)
        infos: list[dict[str, Any]] = []
        for ref in ready:
            slot = by_ref[ref]
            del self._starting[slot]
            try:
                info = dict(ray.get(ref))
            except Exception as exc:
                if fatal and not is_actor_death(exc):
                    raise WorkerStartError(f"a worker could not load its engines: {first_line(exc)}") from exc
                self._failures[slot] += 1
                reason = f"{type(exc).__name__}: {first_line(exc)}"
                if self._failures[slot] >= MAX_START_FAILURES:
                    self._retired.add(slot)
                    self._event("retired", slot, reason)
                    if say is not None:
                        say(f"worker slot {slot} retired after {MAX_START_FAILURES} failed starts: {reason}")
                else:
                    self.replace(slot, self._generation[slot], reason)
                continue
            self._failures[slot] = 0
            infos.append(info)
            if self._generation[slot] > 0:
                self._event("back", slot, f"worker {info.get('worker')} on node {info.get('node')}")
                if say is not None:
                    say(f"worker slot {slot} back: {info.get('worker')} on node {info.get('node')}")
        return infos

    def submit(self, slot: int, work: WorkItem, attempt: int) -> Any:
        return self._actors[slot].render.remote(work, attempt)

    def replace(self, slot: int, generation: int, reason: str) -> bool:
        import ray

        if generation != self._generation[slot] or slot in self._retired:
            return False
        with contextlib.suppress(Exception):
            ray.kill(self._actors[slot], no_restart=True)
        self._event("lost", slot, reason)
        self._generation[slot] += 1
        actor: Any = self._cls.remote(slot + 100 * self._generation[slot], *self._args)
        self._actors[slot] = actor
        self._starting[slot] = (actor.info.remote(), time.monotonic())
        self._event("replaced", slot, f"generation {self._generation[slot]}")
        return True

    def abandon(self, slot: int, generation: int, ref: Any, reason: str) -> None:
        self.replace(slot, generation, reason)

    def waiting_reason(self) -> str:
        starting = len(self._starting)
        why = (
            f"{starting} worker(s) wait for a node that can place them (each asks for {self.request})"
            if starting
            else f"every worker slot was retired ({self.events[-1]['reason'] if self.events else ''})"
        )
        if starting and not placeable(self.request):
            why += "; no alive Ray node has those resources"
        return why

    def shutdown(self) -> None:
        import ray

        for a in self._actors:
            with contextlib.suppress(Exception):
                ray.kill(a, no_restart=True)


class TaskPool(Pool):
    def __init__(
        self,
        plan: Plan,
        size: PoolSize,
        settings: RenderSettings,
        resources: dict[str, float] | None = None,
    ) -> None:
        import ray

        from voxray_runtime.batch.worker import render_task

        self._setup(size, resources)
        self._fn = _spread(render_task, size, resources, max_retries=0)
        self._models: Any = ray.put(list(plan.models))
        self._settings = settings
        self._placeable = True
        self._checked = 0.0

    def live(self) -> list[int]:
        """Every slot while some node can place a task; none while no alive node can."""
        now = time.monotonic()
        if now - self._checked >= PLACEABLE_CHECK_S:
            self._checked = now
            was, self._placeable = self._placeable, placeable(self.request)
            if was != self._placeable:
                self._event("back" if self._placeable else "lost", -1, self.waiting_reason())
        return list(range(self.size.workers)) if self._placeable else []

    def submit(self, slot: int, work: WorkItem, attempt: int) -> Any:
        return self._fn.remote(self._models, self._settings, work, attempt)

    def abandon(self, slot: int, generation: int, ref: Any, reason: str) -> None:
        import ray

        with contextlib.suppress(Exception):
            ray.cancel(ref, force=True)

    def waiting_reason(self) -> str:
        if self._placeable:
            return f"tasks wait for resources (each asks for {self.request})"
        return f"no alive Ray node can place a task asking for {self.request}"


def make_pool(
    design: Design,
    plan: Plan,
    size: PoolSize,
    settings: RenderSettings,
    resources: dict[str, float] | None = None,
) -> Pool:
    """The pool of the chosen execution design; ``resources``: custom Ray resources each worker asks for."""
    kind = ActorPool if design == "actors" else TaskPool
    return kind(plan, size, settings, resources)


def is_actor_death(exc: BaseException) -> bool:
    """Whether a failed call died with its actor (the slot's worker is then replaced)."""
    from ray.exceptions import RayActorError

    return isinstance(exc, RayActorError)
