"""Answers on a kept-alive connection come at once, with one worker or several.

uvicorn's process manager hands its workers a listening socket whose protocol number
is 0, so asyncio never switched Nagle's algorithm off on their connections: an
answer's body waited for the client to acknowledge its headers, and Linux delays
that acknowledgement ~40 ms.  Every request after a connection's first (a laptop
keeps its connection) took ~44 ms with ``--workers 2`` and ~3 ms with one worker.
"""

from __future__ import annotations

import socket
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from hubdesk.server.testing import server_process

pytestmark = pytest.mark.integration

REQUEST = b"GET /v1/health HTTP/1.1\r\nHost: hubdesk\r\n\r\n"


def _answer_times(url: str, requests: int) -> list[float]:
    """Seconds from each request to its whole answer, all on one kept-alive connection."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as client:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            client.sendall(REQUEST)
            received = b""
            while b"\r\n\r\n" not in received or len(received) < _answer_length(received):
                chunk = client.recv(65536)
                assert chunk, "the server closed the connection"
                received += chunk
            times.append(time.perf_counter() - started)
            assert received.startswith(b"HTTP/1.1 200")
    return times


def _answer_length(received: bytes) -> int:
    head, _, _ = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(head) + 4 + int(value)
    raise AssertionError(f"no Content-Length in {head!r}")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_kept_alive_connection_gets_each_answer_at_once(tmp_path: Path, workers: int) -> None:
    with server_process(f"sqlite:///{tmp_path / 'server.sqlite3'}", workers) as server:
        times = _answer_times(server.url, 9)
    # the first answer may be a fresh worker's; a delayed acknowledgement is >= 40 ms
    assert statistics.median(times[1:]) < 0.025, [round(t * 1000, 1) for t in times]
