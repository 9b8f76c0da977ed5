"""The ingress's Prometheus instruments through ``ray.serve.metrics`` (valid inside a Serve replica).

The API layer sees only the :class:`~voxray_runtime.api.metrics.ApiMetrics` and
:class:`~voxray_runtime.api.metrics.TextMetrics` protocols; these are their Serve implementations.
"""

from __future__ import annotations

from voxray_runtime.api.metrics import (
    LATENCY_BOUNDARIES,
    RTF_BOUNDARIES,
    TOKENS_PER_SECOND_BOUNDARIES,
    TTFT_BOUNDARIES,
    tag_keys,
)


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


class ServeAdmissionMetrics:
    """The ingress's admission queue (:class:`~voxray_runtime.api.admitting.Admission`)."""

    def __init__(self) -> None:
        from ray.serve import metrics

        self._decisions = metrics.Counter(
            "voxray_admission_decisions_total",
            description="Admission decisions by model, priority and outcome (admitted, refused-*, expired, "
            "shed, gone, coalesced: answered by an identical request in flight).",
            tag_keys=tag_keys("model", "priority", "outcome"),
        )
        self._waiting = metrics.Gauge(
            "voxray_admission_waiting",
            description="Requests waiting in the ingress for their model.",
            tag_keys=tag_keys("model"),
        )
        self._running = metrics.Gauge(
            "voxray_admission_running",
            description="Requests the ingress has with the model's replicas.",
            tag_keys=tag_keys("model"),
        )
        self._wait = metrics.Gauge(
            "voxray_admission_expected_wait_seconds",
            description="Expected wait of a new bulk request (the whole queue ahead of it).",
            tag_keys=tag_keys("model"),
        )

    def admission(self, model: str, priority: str, outcome: str) -> None:
        self._decisions.inc(1.0, tags={"model": model, "priority": priority, "outcome": outcome})

    def queue(self, model: str, waiting: int, running: int, expected_wait_s: float) -> None:
        tags = {"model": model}
        self._waiting.set(float(waiting), tags=tags)
        self._running.set(float(running), tags=tags)
        self._wait.set(expected_wait_s, tags=tags)
