"""Abuse limits on the real app: per-key rate and concurrency limits (429 + Retry-After, then recovery),
body size (413 before the body is read), text length, strict schemas."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import SecureApp
from tests.security.conftest import assert_problem, key_headers

pytestmark = pytest.mark.ray


def test_rate_limit_answers_429_with_retry_after_then_recovers(app: SecureApp) -> None:
    headers = key_headers(app, "limited")  # 60 per minute: a burst of 10, then one a second
    with httpx.Client(timeout=30) as client:
        allowed = 0
        while (r := client.get(f"{app.url}/v1/voices", headers=headers)).status_code == 200:
            allowed += 1
            assert allowed <= 30, "the rate limit never applied"
        # the burst, plus whatever refilled while it was spent on a slow machine
        assert allowed >= 10
        body = assert_problem(r, 429, "rate limit", "60 requests per minute")
        assert body["type"].endswith("/rate-limited")
        retry = int(r.headers["retry-after"])
        assert 1 <= retry <= 2
        # other callers are not affected
        assert client.get(f"{app.url}/v1/voices", headers=key_headers(app)).status_code == 200
        time.sleep(retry + 0.1)
        assert client.get(f"{app.url}/v1/voices", headers=headers).status_code == 200


async def test_concurrency_limit_answers_429_while_requests_are_in_flight(app: SecureApp) -> None:
    headers = key_headers(app, "solo")  # one request in flight at a time
    text = " ".join(f"Sentence number {i} of the announcement." for i in range(4))
    body = {"text": text, "avatar": "female_en-US"}
    async with httpx.AsyncClient(timeout=60) as client:
        responses = await asyncio.gather(
            *(client.post(f"{app.url}/v1/speech", json=body, headers=headers) for _ in range(6))
        )
        statuses = sorted(r.status_code for r in responses)
        assert set(statuses) == {200, 429}, statuses
        for r in responses:
            if r.status_code == 429:
                assert_problem(r, 429, "in flight", "limit")
                assert int(r.headers["retry-after"]) >= 1
        # every slot is released once the requests have ended
        again = await client.post(f"{app.url}/v1/speech", json=body, headers=headers)
        assert again.status_code == 200, again.text


def test_huge_body_is_refused_from_its_content_length(app: SecureApp) -> None:
    body = b'{"input": "' + b"a" * (app.max_body_bytes * 50) + b'", "voice": "alloy"}'
    r = httpx.post(
        f"{app.url}/v1/audio/speech",
        content=body,
        headers=key_headers(app, **{"Content-Type": "application/json"}),
        timeout=30,
    )
    assert_problem(r, 413, f"limit is {app.max_body_bytes} bytes")


def test_chunked_body_is_counted_as_it_arrives(app: SecureApp) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"input": "'
        for _ in range(20):
            yield b"a" * 1024
        yield b'", "voice": "alloy"}'

    r = httpx.post(
        f"{app.url}/v1/audio/speech",
        content=chunks(),
        headers=key_headers(app, **{"Content-Type": "application/json"}),
        timeout=30,
    )
    assert "content-length" not in r.request.headers
    assert_problem(r, 413, f"limit is {app.max_body_bytes} bytes")


@pytest.mark.parametrize(("route", "field"), [("/v1/audio/speech", "input"), ("/v1/speech", "text")])
def test_text_over_the_limit_is_refused_with_the_limit(app: SecureApp, route: str, field: str) -> None:
    body = (
        {field: "a" * (app.max_text_chars + 1), "voice": "alloy"}
        if field == "input"
        else {field: "a" * (app.max_text_chars + 1), "language": "en"}
    )
    r = httpx.post(f"{app.url}{route}", json=body, headers=key_headers(app), timeout=30)
    problem = assert_problem(r, 413, f"limit is {app.max_text_chars}")
    assert problem["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/v1/audio/speech", {"input": "Hi.", "voice": "alloy", "volume": 11}),
        ("/v1/speech", {"text": "Hi.", "language": "en", "volume": 11}),
    ],
)
def test_unknown_fields_are_refused_naming_the_field(
    app: SecureApp, route: str, body: dict[str, object]
) -> None:
    r = httpx.post(f"{app.url}{route}", json=body, headers=key_headers(app), timeout=30)
    problem = assert_problem(r, 422, "volume", "not permitted")
    assert [e["field"] for e in problem["errors"]] == ["volume"]
