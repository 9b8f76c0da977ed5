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
#: the text half (TextModels): ``model`` on all, ``route`` and ``status`` on requests
TEXT_METRIC_NAMES: tuple[str, ...] = (
    "voxray_text_requests_total",
    "voxray_text_time_to_first_token_seconds",
    "voxray_text_tokens_generated_total",
    "voxray_text_prompt_tokens_total",
    "voxray_text_tokens_per_second",
    "voxray_text_queue_depth",
    "voxray_text_active_sequences",
)
TTFT_BOUNDARIES: list[float] = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32]
TOKENS_PER_SECOND_BOUNDARIES: list[float] = [1.0, 2, 5, 10, 20, 35, 50, 75, 100, 150, 250, 500, 1000]


def tag_keys(*names: str) -> tuple[str]:
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
            tag_keys=tag_keys("route", "language", "avatar", "model", "status"),
        )
        self._latency = metrics.Histogram(
            "voxray_request_latency_seconds",
            description="Request latency until the last byte of audio.",
            boundaries=LATENCY_BOUNDARIES,
            tag_keys=tag_keys("route", "language", "avatar"),
        )
        self._ttfa = metrics.Histogram(
            "voxray_time_to_first_audio_seconds",
            description="Time from request to the first audio bytes.",
            boundaries=LATENCY_BOUNDARIES,
            tag_keys=tag_keys("language", "avatar"),
        )
        self._audio = metrics.Counter(
            "voxray_audio_seconds_total",
            description="Seconds of audio synthesized.",
            tag_keys=tag_keys("language", "avatar", "model"),
        )
        self._chars = metrics.Counter(
            "voxray_characters_total", description="Characters synthesized.", tag_keys=tag_keys("language")
        )
        self._rtf = metrics.Histogram(
            "voxray_real_time_factor",
            description="Synthesis time divided by audio duration (lower is faster).",
            boundaries=RTF_BOUNDARIES,
            tag_keys=tag_keys("model", "engine"),
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


class TextMetrics(Protocol):
    def request(self, model: str, route: str, status: int) -> None: ...

    def first_token(self, model: str, seconds: float) -> None: ...

    def tokens(
        self, model: str, prompt_tokens: int, completion_tokens: int, tokens_per_second: float
    ) -> None: ...


class NullTextMetrics:
    def request(self, model: str, route: str, status: int) -> None:
        return None

    def first_token(self, model: str, seconds: float) -> None:
        return None

    def tokens(
        self, model: str, prompt_tokens: int, completion_tokens: int, tokens_per_second: float
    ) -> None:
        return None


class ServeTextMetrics:
    """The ingress's text instruments (queue depth and active sequences come from the model replicas)."""

    def __init__(self) -> None:
        from ray.serve import metrics

        self._requests = metrics.Counter(
            "voxray_text_requests_total",
            description="Text generation requests by model, route and HTTP status.",
            tag_keys=tag_keys("model", "route", "status"),
        )
        self._ttft = metrics.Histogram(
            "voxray_text_time_to_first_token_seconds",
            description="Time from request to the first generated token (queueing included).",
            boundaries=TTFT_BOUNDARIES,
            tag_keys=tag_keys("model"),
        )
        self._generated = metrics.Counter(
            "voxray_text_tokens_generated_total", description="Tokens generated.", tag_keys=tag_keys("model")
        )
        self._prompt = metrics.Counter(
            "voxray_text_prompt_tokens_total", description="Prompt tokens read.", tag_keys=tag_keys("model")
        )
        self._rate = metrics.Histogram(
            "voxray_text_tokens_per_second",
            description="Decode rate of each request (tokens after the first, per second).",
            boundaries=TOKENS_PER_SECOND_BOUNDARIES,
            tag_keys=tag_keys("model"),
        )

    def request(self, model: str, route: str, status: int) -> None:
        self._requests.inc(1.0, tags={"model": model, "route": route, "status": str(status)})

    def first_token(self, model: str, seconds: float) -> None:
        self._ttft.observe(seconds, tags={"model": model})

    def tokens(
        self, model: str, prompt_tokens: int, completion_tokens: int, tokens_per_second: float
    ) -> None:
        tags = {"model": model}
        self._generated.inc(float(max(completion_tokens, 0)), tags=tags)
        self._prompt.inc(float(max(prompt_tokens, 0)), tags=tags)
        if tokens_per_second > 0:
            self._rate.observe(tokens_per_second, tags=tags)
