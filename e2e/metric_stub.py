"""A stand-in for Prometheus in the e2e cluster: answers every instant query with one settable value.

The operator's autoscaler asks ``GET /api/v1/query`` for a VoiceModel's GPU utilisation (0..1); kind has
no GPUs and no DCGM exporter, so the e2e test sets the "test metric" here and watches the replicas follow.

    POST /set        body: a number (e.g. 0.95)      -> every later query answers that value
    GET  /queries    the PromQL queries received so far (JSON list), to assert what the operator asked
    GET  /healthz    ok

Standard library only: it runs in the operator image (python -m / python e2e/metric_stub.py --port 9090).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class State:
    def __init__(self, value: float | None) -> None:
        self.lock = threading.Lock()
        self.value = value
        self.queries: list[str] = []


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/healthz":
                self._send(200, {"status": "ok"})
            elif url.path == "/queries":
                with state.lock:
                    self._send(200, list(state.queries))
            elif url.path == "/api/v1/query":
                query = parse_qs(url.query).get("query", [""])[0]
                with state.lock:
                    state.queries.append(query)
                    value = state.value
                result = (
                    []
                    if value is None
                    else [
                        {
                            "metric": {"__name__": "voxray_e2e_test_metric"},
                            "value": [time.time(), repr(value)],
                        }
                    ]
                )
                self._send(200, {"status": "success", "data": {"resultType": "vector", "result": result}})
            else:
                self._send(404, {"status": "error", "errorType": "not_found", "error": url.path})

        def do_POST(self) -> None:
            if urlparse(self.path).path != "/set":
                self._send(404, {"status": "error"})
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode().strip()
            try:
                value = None if raw in ("", "none") else float(raw)
            except ValueError:
                self._send(400, {"status": "error", "error": f"not a number: {raw!r}"})
                return
            with state.lock:
                state.value = value
            self._send(200, {"status": "ok", "value": value})

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def serve(port: int, value: float | None = None, host: str = "0.0.0.0") -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), make_handler(State(value)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--value", type=float, default=None, help="initial value (default: no data)")
    args = parser.parse_args()
    serve(args.port, args.value).serve_forever()


if __name__ == "__main__":
    main()
