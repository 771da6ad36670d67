"""A small HTTP fault-injecting proxy for loopback tests (one request per connection).

It sits between the real transport and the real server and does to chosen
requests what bad networks do: drop the request, drop the answer after the
server committed, cut the body short, stall, duplicate the request, or answer
5xx / 429 with Retry-After itself.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PROXY_FAULTS = ("pass", "drop_request", "drop_answer", "truncate", "stall", "duplicate",
                "http_500", "http_503", "http_429")


def _read_request(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    lines = [line for line in head.split(b"\r\n")
             if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


def _forward(upstream: tuple[str, int], request: bytes) -> bytes:
    with socket.create_connection(upstream, timeout=30) as out:
        out.sendall(request)
        response = b""
        while chunk := out.recv(65536):
            response += chunk
    return response


def _canned(status: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}",
             "Content-Type: application/json", "Connection: close",
             *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class FaultProxy:
    upstream: tuple[str, int]
    #: chooses a fault for a request line such as ``b"POST /v1/batches HTTP/1.1"``
    choose: Callable[[bytes], str] = lambda _line: "pass"
    stall_s: float = 1.5
    seen: dict[str, int] = field(default_factory=dict)
    #: more servers behind the proxy: requests go to each in turn (a round-robin load
    #: balancer in front of several server processes); a duplicate goes to the next one
    more_upstreams: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        self._turn = itertools.count()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _next_upstream(self) -> tuple[str, int]:
        upstreams = (self.upstream, *self.more_upstreams)
        return upstreams[next(self._turn) % len(upstreams)]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            request = _read_request(conn)
            if request is None:
                return
            fault = self.choose(request.split(b"\r\n", 1)[0])
            self.seen[fault] = self.seen.get(fault, 0) + 1
            if fault == "drop_request":
                return
            if fault == "http_500":
                conn.sendall(_canned("500 Internal Server Error", {}, b"oops"))
                return
            if fault in ("http_503", "http_429"):
                status = "503 Service Unavailable" if fault == "http_503" else "429 Too Many Requests"
                body = b'{"error":"busy","message":"The server is busy."}'
                conn.sendall(_canned(status, {"Retry-After": "2"}, body))
                return
            response = _forward(self._next_upstream(), request)  # the server commits here
            if fault == "duplicate":
                response = _forward(self._next_upstream(), request)
            if fault == "drop_answer":
                return
            if fault == "truncate":
                head, _, body = response.partition(b"\r\n\r\n")
                conn.sendall(head + b"\r\n\r\n" + body[: max(1, len(body) // 2)])
                return
            if fault == "stall":
                time.sleep(self.stall_s)
                return
            conn.sendall(response)
