"""How a model replica uses its CPU threads: engine sessions, threads each, and a lead session (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from voxray_runtime.spec.voicemodel import VoiceModelSpec


def default_threads(spec: VoiceModelSpec) -> int:
    """Intra-op threads: the spec's, else the CPUs given to the replica (at least one)."""
    if spec.serving.threads:
        return spec.serving.threads
    return max(1, round(spec.resources.cpu))


#: engines whose one-thread sessions run side by side in one process (ONNX graphs, one sequence per run,
#: thread-safe runtime); a replica of such an engine on CPU spreads its threads over parallel sessions
PARALLEL_SESSION_ENGINES = frozenset({"kokoro", "piper"})


@dataclass(frozen=True)
class ReplicaLayout:
    """How a model replica uses its CPU threads: ``sessions`` engines, ``threads`` intra-op threads each,
    and a lead session of ``lead_threads`` threads (0: none) that a stream's first chunk takes while the
    replica is otherwise idle."""

    sessions: int
    threads: int
    lead_threads: int = 0


def replica_layout(spec: VoiceModelSpec, device: str = "cpu") -> ReplicaLayout:
    """The replica's engines (pure).

    On CPU, a Kokoro or Piper replica runs one session of one intra-op thread per thread it is given:
    the chunks of concurrent requests, and the sentences of one request, run in parallel, one per core
    (for Kokoro at one text in flight: x1.18 the throughput of one two-thread session taking the
    sentences in turn, benchmarks/results/kokoro_peer.md); a one-thread session also never spin-waits,
    so the CPU time the replica shows is work done. With two threads or more it also holds a lead
    session of every thread: a stream's first chunk runs there, on all cores, when nothing else is
    running or waiting, so the first audio comes sooner (x1.5 for a Kokoro sentence on two threads).
    Other engines (batched ones, espeak-ng's subprocess) and GPU replicas keep one session with every
    thread.
    """
    threads = default_threads(spec)
    if device == "cpu" and spec.engine in PARALLEL_SESSION_ENGINES:
        return ReplicaLayout(sessions=threads, threads=1, lead_threads=threads if threads > 1 else 0)
    return ReplicaLayout(sessions=1, threads=threads)
