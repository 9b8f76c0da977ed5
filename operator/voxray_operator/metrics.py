"""The operator's own Prometheus metrics (its own registry, served on ``metricsPort``).

Names follow Prometheus conventions (``_total`` counters, ``_seconds`` histograms, base units). Label
values are bounded: kinds, directions and error classes, plus namespace/name of the per-object gauges,
which go when their object is deleted. No label is called ``namespace``, ``pod``, ``job`` or ``instance``:
Prometheus adds those for the scrape target (the operator's own pod), so the objects' namespaces are
``voicemodel_namespace`` and ``speechbatch_namespace`` and no ``honorLabels`` is needed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

PREFIX = "voxray_operator"
#: the file counts of a SpeechBatch's status, each one ``state`` of ``voxray_operator_speechbatch_files``
BATCH_FILE_STATES = ("total", "done", "failed", "skipped")


@dataclass
class OperatorMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.reconciles = Counter(
            f"{PREFIX}_reconcile", "Reconciliations of voxray objects.", ["kind", "trigger"], registry=r
        )
        self.reconcile_errors = Counter(
            f"{PREFIX}_reconcile_errors", "Reconciliations that failed.", ["kind", "trigger"], registry=r
        )
        self.reconcile_duration = Histogram(
            f"{PREFIX}_reconcile_duration_seconds",
            "Time spent per reconciliation.",
            ["kind"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.drift_corrections = Counter(
            f"{PREFIX}_drift_corrections",
            "Children restored after someone else changed them.",
            ["kind"],
            registry=r,
        )
        self.scaling_decisions = Counter(
            f"{PREFIX}_scaling_decisions",
            "Autoscaler decisions, by direction (up, down, none) and reason.",
            ["direction", "reason"],
            registry=r,
        )
        self.desired_replicas = Gauge(
            f"{PREFIX}_desired_replicas",
            "Model replicas the autoscaler last asked for.",
            ["voicemodel_namespace", "voicemodel"],
            registry=r,
        )
        self.speechbatch_files = Gauge(
            f"{PREFIX}_speechbatch_files",
            "Files of a SpeechBatch by state (total, done, failed, skipped), as its status counts them.",
            ["speechbatch_namespace", "speechbatch", "state"],
            registry=r,
        )
        self.speechbatch_audio_seconds = Gauge(
            f"{PREFIX}_speechbatch_audio_seconds",
            "Seconds of audio a SpeechBatch has rendered, as its status says.",
            ["speechbatch_namespace", "speechbatch"],
            registry=r,
        )
        self.prometheus_errors = Counter(
            f"{PREFIX}_prometheus_query_errors",
            "PromQL queries without a value, by class (timeout, unreachable, http, bad_query, no_data...).",
            ["error"],
            registry=r,
        )
        self.progress_polls = Counter(
            f"{PREFIX}_progress_polls",
            "Ray dashboard log reads for SpeechBatch progress, by result (ok, no_progress, error).",
            ["result"],
            registry=r,
        )

    @contextmanager
    def reconciling(self, kind: str, trigger: str) -> Iterator[None]:
        """Count and time one reconciliation; an exception counts as an error and propagates."""
        started = time.monotonic()
        self.reconciles.labels(kind=kind, trigger=trigger).inc()
        try:
            yield
        except BaseException:
            self.reconcile_errors.labels(kind=kind, trigger=trigger).inc()
            raise
        finally:
            self.reconcile_duration.labels(kind=kind).observe(time.monotonic() - started)

    def forget_model(self, namespace: str, name: str) -> None:
        with suppress(KeyError):
            self.desired_replicas.remove(namespace, name)

    def batch_progress(self, namespace: str, name: str, status: Mapping[str, object]) -> None:
        """Export a SpeechBatch status's ``counts`` and ``audioSeconds``; what it lacks yet is left out."""
        counts = status.get("counts")
        if isinstance(counts, Mapping):
            for state in BATCH_FILE_STATES:
                value = counts.get(state)
                if isinstance(value, int | float):
                    self.speechbatch_files.labels(namespace, name, state).set(value)
        audio = status.get("audioSeconds")
        if isinstance(audio, int | float):
            self.speechbatch_audio_seconds.labels(namespace, name).set(audio)

    def forget_batch(self, namespace: str, name: str) -> None:
        for state in BATCH_FILE_STATES:
            with suppress(KeyError):
                self.speechbatch_files.remove(namespace, name, state)
        with suppress(KeyError):
            self.speechbatch_audio_seconds.remove(namespace, name)

    def serve(self, port: int, addr: str = "0.0.0.0") -> Callable[[], None]:
        """Serve ``/metrics`` on ``addr:port`` in a thread; returns a function that stops it."""
        server, thread = start_http_server(port, addr=addr, registry=self.registry)

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

        return stop
