"""The OpenAI-compatible HTTP TextClient against a real HTTP server on loopback that answers as a busy,
refusing or healthy TextModel would: request shape, Bearer key, Retry-After on 429/503, error mapping."""

from __future__ import annotations

from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.generation.client import (
    MAX_RETRY_WAIT_S,
    HttpTextClient,
    TextModelAuthError,
    TextModelBusyError,
    TextModelError,
    TextModelNotFoundError,
    TextModelRequestError,
    TextModelUnreachableError,
    backoff_seconds,
    retry_after_seconds,
)
from voxray_runtime.generation.prompts import Message

from .conftest import MODELS_BODY, OK_BODY, Reply, Scripted

MESSAGES = [Message("system", "Be brief."), Message("user", "Write a welcome line.")]


def client_for(url: str, waits: list[float], **kw: Any) -> HttpTextClient:
    return HttpTextClient(url, "gemma-3-270m-q4_k_m", sleep=waits.append, **kw)


def test_chat_sends_the_openai_request_with_the_key(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.replies = [(200, {}, OK_BODY)]
    waits: list[float] = []
    c = client_for(url, waits, api_key="sk-test")
    got = c.chat(MESSAGES, max_tokens=64, temperature=0.5, seed=42)
    c.close()
    assert (got.text, got.finish_reason, got.prompt_tokens, got.completion_tokens) == (
        "Welcome.",
        "stop",
        12,
        3,
    )
    (req,) = script.requests
    assert (req["method"], req["path"], req["auth"]) == ("POST", "/v1/chat/completions", "Bearer sk-test")
    assert req["json"] == {
        "model": "gemma-3-270m-q4_k_m",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Write a welcome line."},
        ],
        "max_tokens": 64,
        "temperature": 0.5,
        "seed": 42,
        "stream": False,
    }
    assert waits == []


@pytest.mark.parametrize(
    ("busy", "want_wait"),
    [
        ((429, {"retry-after": "2"}, {"detail": "queue full"}), 2.0),
        ((503, {"retry-after": "0"}, {"detail": "all sequences busy"}), 0.0),
        ((503, {}, {"detail": "busy"}), 0.5),  # no Retry-After: the backoff base
        ((429, {"retry-after": "3600"}, {}), MAX_RETRY_WAIT_S),  # capped
    ],
)
def test_busy_answers_are_retried_honouring_retry_after(
    server: tuple[str, Scripted], busy: Reply, want_wait: float
) -> None:
    url, script = server
    script.replies = [busy, (200, {}, OK_BODY)]
    waits: list[float] = []
    c = client_for(url, waits, backoff_s=0.5)
    assert c.chat(MESSAGES, max_tokens=16, temperature=0, seed=1).text == "Welcome."
    assert waits == [want_wait]
    assert len(script.requests) == 2


def test_http_date_retry_after(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.replies = [(503, {"retry-after": formatdate(usegmt=True)}, {}), (200, {}, OK_BODY)]
    waits: list[float] = []
    client_for(url, waits).chat(MESSAGES, max_tokens=16, temperature=0, seed=1)
    assert len(waits) == 1
    assert 0.0 <= waits[0] <= 1.0


def test_busy_past_the_retries(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.replies = [(503, {"retry-after": "1"}, {"detail": "all sequences busy"})]
    waits: list[float] = []
    with pytest.raises(
        TextModelBusyError, match=r"stayed busy over 3 attempts \(HTTP 503: all sequences busy\)"
    ):
        client_for(url, waits, max_attempts=3).chat(MESSAGES, max_tokens=16, temperature=0, seed=1)
    assert waits == [1.0, 1.0]
    assert len(script.requests) == 3


def test_busy_retried_past_the_attempts_within_the_window(server: tuple[str, Scripted]) -> None:
    """A replica (or its node) lost: 503 for a while, then answers; the window outlasts the attempts."""
    url, script = server
    busy = (503, {"retry-after": "5"}, {"detail": "lost a replica while answering"})
    script.replies = [busy] * 5 + [(200, {}, OK_BODY)]
    waits: list[float] = []
    client = client_for(url, waits, max_attempts=3)
    client.retry_window_s = 60.0
    assert client.chat(MESSAGES, max_tokens=16, temperature=0, seed=1).text == "Welcome."
    assert waits == [5.0] * 5
    assert len(script.requests) == 6
    # each retry is kept with its reason (the batch's summary lists them)
    assert [r["attempt"] for r in client.retried] == [1, 2, 3, 4, 5]
    assert all("HTTP 503: lost a replica" in r["reason"] for r in client.retried)


def test_the_window_counts_time_spent_in_requests(server: tuple[str, Scripted]) -> None:
    """A request that took the whole window (a read timeout, a queue that never moved) is not retried
    again past the attempts: the window is time since the first try, not the waits alone."""
    url, script = server
    script.replies = [(503, {"retry-after": "1"}, {"detail": "all sequences busy"})]
    times = iter([0.0, 100.0, 200.0])
    client = HttpTextClient(
        url, "gemma-3-270m-q4_k_m", sleep=lambda _s: None, max_attempts=2, clock=lambda: next(times)
    )
    client.retry_window_s = 60.0
    with pytest.raises(TextModelBusyError, match=r"over 2 attempts .*over 200 s"):
        client.chat(MESSAGES, max_tokens=16, temperature=0, seed=1)
    assert len(script.requests) == 2


@pytest.mark.parametrize(
    "body",
    [
        "The actor died unexpectedly before finishing this task.\n\tclass_name: ServeReplica:voxray:Ingress",
        "The actor 1f2e is unavailable: connection lost. The task may or may not have been executed",
        "Internal Server Error",
    ],
)
def test_a_500_of_a_lost_serve_replica_is_retried(server: tuple[str, Scripted], body: str) -> None:
    """Serve's HTTP proxy answers 500 with the error's text when the ingress replica it used was lost."""
    url, script = server
    script.replies = [(500, {"content-type": "text/plain"}, body), (200, {}, OK_BODY)]
    waits: list[float] = []
    assert client_for(url, waits).chat(MESSAGES, max_tokens=16, temperature=0, seed=1).text == "Welcome."
    assert waits == [1.0]


def test_busy_past_the_window(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.replies = [(503, {"retry-after": "5"}, {"detail": "all sequences busy"})]
    waits: list[float] = []
    client = client_for(url, waits, max_attempts=2)
    client.retry_window_s = 12.0
    with pytest.raises(TextModelBusyError, match=r"stayed busy over 4 attempts .*over 12 s"):
        client.chat(MESSAGES, max_tokens=16, temperature=0, seed=1)
    # the last wait is cut to the window's end
    assert waits == [5.0, 5.0, 2.0]


@pytest.mark.parametrize(
    ("reply", "error", "match"),
    [
        (
            (401, {}, {"title": "Unauthorized", "detail": "missing API key"}),
            TextModelAuthError,
            "missing API key",
        ),
        ((403, {}, {"detail": "key lacks scope"}), TextModelAuthError, "VOXRAY_TEXT_API_KEY_FILE"),
        (
            (404, {}, {"error": {"message": "model 'x' not found"}}),
            TextModelNotFoundError,
            "model 'x' not found",
        ),
        (
            (400, {}, {"detail": "max_tokens: exceeds the context"}),
            TextModelRequestError,
            "max_tokens: exceeds",
        ),
        ((422, {}, "not json"), TextModelRequestError, "HTTP 422: not json"),
        ((500, {}, {"detail": "engine crashed"}), TextModelError, "failed \\(HTTP 500: engine crashed\\)"),
        ((200, {}, {"choices": []}), TextModelError, "not an OpenAI completion"),
        ((200, {}, "<html>"), TextModelError, "not JSON"),
    ],
)
def test_refusals_are_not_retried(
    server: tuple[str, Scripted], reply: Reply, error: type[Exception], match: str
) -> None:
    url, script = server
    script.replies = [reply]
    waits: list[float] = []
    with pytest.raises(error, match=match):
        client_for(url, waits).chat(MESSAGES, max_tokens=16, temperature=0, seed=1)
    assert waits == []
    assert len(script.requests) == 1


def test_unreachable() -> None:
    waits: list[float] = []
    c = client_for("http://127.0.0.1:9/v1", waits, max_attempts=2)
    with pytest.raises(
        TextModelUnreachableError, match=r"cannot reach the text model at http://127\.0\.0\.1:9/v1"
    ):
        c.chat(MESSAGES, max_tokens=16, temperature=0, seed=1)
    assert waits == [1.0]


def test_not_a_url() -> None:
    with pytest.raises(TextModelUnreachableError, match="must start with http"):
        HttpTextClient("127.0.0.1:8000", "m")


def test_check_model(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.replies = [(200, {}, MODELS_BODY)]
    waits: list[float] = []
    client_for(url, waits).check_model()
    other = HttpTextClient(url, "llama-3", sleep=waits.append)
    with pytest.raises(
        TextModelNotFoundError, match="does not serve 'llama-3'; it serves: gemma-3-270m-q4_k_m, tts-1"
    ):
        other.check_model()
    assert script.requests[0]["path"] == "/v1/models"


def test_from_env(server: tuple[str, Scripted], tmp_path: Path) -> None:
    url, script = server
    script.replies = [(200, {}, OK_BODY)]
    key = tmp_path / "key"
    key.write_text("sk-from-file\n")
    env = {
        "VOXRAY_TEXT_MODEL_URL": url + "/",
        "VOXRAY_TEXT_MODEL_ID": "gemma-3-270m-q4_k_m",
        "VOXRAY_TEXT_API_KEY_FILE": str(key),
    }
    c = HttpTextClient.from_env(env)
    assert c is not None
    assert c.model == "gemma-3-270m-q4_k_m"
    assert c.where == url
    c.chat(MESSAGES, max_tokens=16, temperature=0, seed=1)
    assert script.requests[0]["auth"] == "Bearer sk-from-file"
    assert HttpTextClient.from_env({}) is None
    with pytest.raises(TextModelNotFoundError, match="VOXRAY_TEXT_MODEL_ID is not"):
        HttpTextClient.from_env({"VOXRAY_TEXT_MODEL_URL": url})
    (tmp_path / "empty").write_text("")
    with pytest.raises(TextModelAuthError, match="is empty"):
        HttpTextClient.from_env({**env, "VOXRAY_TEXT_API_KEY_FILE": str(tmp_path / "empty")})


@pytest.mark.parametrize(
    ("value", "want"),
    [
        (None, None),
        ("", None),
        ("3", 3.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_retry_after_seconds(value: str | None, want: float | None) -> None:
    assert retry_after_seconds(value, now=2_000_000_000.0) == want


@pytest.mark.parametrize(
    ("attempt", "base", "retry_after", "want"),
    [
        (1, 1.0, None, 1.0),
        (2, 1.0, None, 2.0),
        (3, 0.5, None, 2.0),
        (1, 1.0, 7.0, 7.0),
        (9, 1.0, None, MAX_RETRY_WAIT_S),
    ],
)
def test_backoff(attempt: int, base: float, retry_after: float | None, want: float) -> None:
    assert backoff_seconds(attempt, base, retry_after) == want
