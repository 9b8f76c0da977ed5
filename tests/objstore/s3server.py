"""A real S3-compatible server on 127.0.0.1 for the object store tests: moto's server mode, and a small
HTTP proxy in front of it that fails some requests the way S3 does (503 SlowDown before the write,
500 InternalError after it) and refuses every request to chosen buckets (403 AccessDenied)."""

from __future__ import annotations

import http.client
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _error(code: str, message: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
        "<RequestId>voxray-test</RequestId></Error>"
    ).encode()


@dataclass
class Faults:
    """What the proxy does to requests: the first PUT of every ``every``-th key answers 503 before the
    write reaches the server, the next such key answers 500 after it did; buckets in ``denied`` answer
    403 to everything."""

    every: int = 0
    denied: set[str] = field(default_factory=set)
    puts: Counter[str] = field(default_factory=Counter)
    injected: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _keys: int = 0


class Proxy:
    def __init__(self, upstream: str, faults: Faults) -> None:
        self.upstream = urlsplit(upstream)
        self.faults = faults
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    out = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return out
                        out += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in HOP_HEADERS and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _handle(self) -> None:
                body = self._body()
                path = urlsplit(self.path).path
                bucket, _, key = path.lstrip("/").partition("/")
                xml = [("Content-Type", "application/xml")]
                if bucket in proxy.faults.denied:
                    self._reply(403, xml, _error("AccessDenied", "Access Denied"))
                    return
                after = False
                if self.command == "PUT" and key and proxy.faults.every:
                    with proxy.faults.lock:
                        proxy.faults.puts[key] += 1
                        first = proxy.faults.puts[key] == 1
                        if first:
                            proxy.faults._keys += 1
                        mode = proxy.faults._keys % (2 * proxy.faults.every) if first else -1
                    if mode == proxy.faults.every:  # fails before the write
                        proxy.faults.injected.append((key, 503))
                        self._reply(503, xml, _error("SlowDown", "Please reduce your request rate."))
                        return
                    after = mode == 0
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                if self.headers.get("Transfer-Encoding"):
                    headers["Content-Length"] = str(len(body))
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                if after:  # the object was written, the client hears 500: its retry writes it again
                    proxy.faults.injected.append((key, 500))
                    self._reply(500, xml, _error("InternalError", "We encountered an internal error."))
                    return
                self._reply(resp.status, resp.getheaders(), data)

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Proxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
