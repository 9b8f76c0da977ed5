"""Serve metrics of the API. Ray exports them on its metrics port with a ``ray_`` prefix
(``voxray_requests_total`` is scraped as ``ray_voxray_requests_total``).
"""

from __future__ import annotations

from typing import Protocol, cast

LATENCY_BOUNDARIES = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64]
RTF_BOUNDARIES = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 4]

#: every metric name the runtime exports (dashboards and alert rules are tested against this list)
METRIC_NAMES: tuple[str, ...] = (
    "voxray_requests_total",
    "voxray_request_latency_seconds",
    "voxray_time_to_first_audio_seconds",
    "voxray_audio_seconds_total",
    "voxray_characters_total",
    "voxray_real_time_factor",
    "voxray_inflight_requests",
    "voxray_model_queue_depth",
)


def _keys(*names: str) -> tuple[str]:
    """Ray's stubs type tag_keys as a 1-tuple; any tuple of names is what it takes."""
    return cast("tuple[str]", names)


class ApiMetrics(Protocol):
    def request(
        self, route: str, language: str, avatar: str, model: str, status: int, seconds: float
    ) -> None: ...

    def first_audio(self, language: str, avatar: str, seconds: float) -> None: ...

    def audio(
        self, language: str, avatar: str, model: str, engine: str, audio_s: float, chars: int, rtf: float
    ) -> None: ...

    def inflight(self, delta: int) -> None: ...


class NullMetrics:
    def request(
        self, route: str, language: str, avatar: str, model: str, status: int, seconds: float
    ) -> None:
        return None

    def first_audio(self, language: str, avatar: str, seconds: float) -> None:
        return None

    def audio(
        self, language: str, avatar: str, model: str, engine: str, audio_s: float, chars: int, rtf: float
    ) -> None:
        return None

    def inflight(self, delta: int) -> None:
        return None


class ServeMetrics:
    """ray.serve.metrics instruments (valid inside a Serve replica)."""

    def __init__(self) -> None:
        from ray.serve import metrics

        self._requests = metrics.Counter(
            "voxray_requests_total",
            description="Speech requests by route, language, avatar, model and HTTP status.",
            tag_keys=_keys("route", "language", "avatar", "model", "status"),
        )
        self._latency = metrics.Histogram(
            "voxray_request_latency_seconds",
            description="Request latency until the last byte of audio.",
            boundaries=LATENCY_BOUNDARIES,
            tag_keys=_keys("route", "language", "avatar"),
        )
        self._ttfa = metrics.Histogram(
            "voxray_time_to_first_audio_seconds",
            description="Time from request to the first audio bytes.",
            boundaries=LATENCY_BOUNDARIES,
            tag_keys=_keys("language", "avatar"),
        )
        self._audio = metrics.Counter(
            "voxray_audio_seconds_total",
            description="Seconds of audio synthesized.",
            tag_keys=_keys("language", "avatar", "model"),
        )
        self._chars = metrics.Counter(
            "voxray_characters_total", description="Characters synthesized.", tag_keys=_keys("language")
        )
        self._rtf = metrics.Histogram(
            "voxray_real_time_factor",
            description="Synthesis time divided by audio duration (lower is faster).",
            boundaries=RTF_BOUNDARIES,
            tag_keys=_keys("model", "engine"),
        )
        self._inflight = metrics.Gauge(
            "voxray_inflight_requests", description="Requests in flight in the ingress (its queue depth)."
        )
        self._inflight_n = 0

    def request(
        self, route: str, language: str, avatar: str, model: str, status: int, seconds: float
    ) -> None:
        tags = {"route": route, "language": language, "avatar": avatar, "model": model, "status": str(status)}
        self._requests.inc(1.0, tags=tags)
        self._latency.observe(seconds, tags={"route": route, "language": language, "avatar": avatar})

    def first_audio(self, language: str, avatar: str, seconds: float) -> None:
        self._ttfa.observe(seconds, tags={"language": language, "avatar": avatar})

    def audio(
        self, language: str, avatar: str, model: str, engine: str, audio_s: float, chars: int, rtf: float
    ) -> None:
        self._audio.inc(max(audio_s, 0.0), tags={"language": language, "avatar": avatar, "model": model})
        self._chars.inc(float(max(chars, 0)), tags={"language": language})
        self._rtf.observe(rtf, tags={"model": model, "engine": engine})

    def inflight(self, delta: int) -> None:
        self._inflight_n += delta
        self._inflight.set(float(self._inflight_n))
