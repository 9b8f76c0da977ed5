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
#: speech recognition (a TranscriptionModel's STT-<name> replicas): ``model`` on all, ``status`` (ok, error)
#: on requests; the in-flight gauge is what the CPU autoscaler measures
STT_METRIC_NAMES: tuple[str, ...] = (
    "voxray_stt_requests_total",
    "voxray_stt_latency_seconds",
    "voxray_stt_audio_seconds_total",
    "voxray_stt_inflight",
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
#: the ingress's admission queue (:mod:`voxray_runtime.api.admitting`): ``model`` on all; ``priority`` and
#: ``outcome`` (admitted, refused-deadline, refused-deadline-too-short, refused-queue-full, expired, shed,
#: gone) on decisions
ADMISSION_METRIC_NAMES: tuple[str, ...] = (
    "voxray_admission_decisions_total",
    "voxray_admission_waiting",
    "voxray_admission_running",
    "voxray_admission_expected_wait_seconds",
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


class AdmissionMetrics(Protocol):
    def admission(self, model: str, priority: str, outcome: str) -> None: ...

    def queue(self, model: str, waiting: int, running: int, expected_wait_s: float) -> None: ...


class NullAdmissionMetrics:
    def admission(self, model: str, priority: str, outcome: str) -> None:
        return None

    def queue(self, model: str, waiting: int, running: int, expected_wait_s: float) -> None:
        return None
