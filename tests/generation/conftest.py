"""A real HTTP server on loopback that answers as a TextModel would (scripted: busy, refusing, or with
chosen chat completions), for the HTTP client and the generation step's retry paths."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

Reply = tuple[int, dict[str, str], Any]
OK_BODY = {
    "model": "gemma-3-270m-q4_k_m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Welcome."}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 3},
}
MODELS_BODY = {"object": "list", "data": [{"id": "gemma-3-270m-q4_k_m"}, {"id": "tts-1"}]}


class Scripted:
    """Answers requests with the scripted replies in order (the last one repeats); records requests."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []

    def next_reply(self) -> Reply:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


@pytest.fixture
def server() -> Iterator[tuple[str, Scripted]]:
    """The base URL (``.../v1``) and the script of a loopback server."""
    script = Scripted()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            script.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "auth": self.headers.get("authorization"),
                    "json": json.loads(body) if body else None,
                }
            )
            status, headers, payload = script.next_reply()
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            for k, v in {"content-type": "application/json", **headers}.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", script
    finally:
        httpd.shutdown()
        httpd.server_close()


def chat_body(content: str, finish_reason: str = "stop", tokens: int = 9) -> dict[str, Any]:
    return {
        "model": "gemma-3-270m-q4_k_m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}
        ],
        "usage": {"prompt_tokens": 40, "completion_tokens": tokens},
    }
