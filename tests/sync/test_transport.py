"""The transport against real sockets that misbehave the way venue networks do.

The far end here is NOT our server: it is a stand-in for what a captive portal,
a broken proxy or a dying link sends, so the error mapping is proven on the wire.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hubdesk.sync.errors import (
    AuthRevoked,
    BadResponse,
    CaptivePortal,
    Offline,
    PayloadTooLarge,
    RequestRejected,
    ServerBusy,
    ServerError,
    Stalled,
)
from hubdesk.sync.transport import HttpTransport, parse_retry_after

Behaviour = Callable[[BaseHTTPRequestHandler], None]


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes,
          content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


def _error(status: int, code: str, message: str) -> bytes:
    return json.dumps({"error": code, "message": message}).encode()


class _Handler(BaseHTTPRequestHandler):
    behaviour: Behaviour

    def do_GET(self) -> None:
        type(self).behaviour(self)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        type(self).behaviour(self)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hung up on a stalled answer: that is the point of the test


@pytest.fixture
def far_end() -> Iterator[Callable[[Behaviour], str]]:
    servers: list[_QuietServer] = []

    def start(behaviour: Behaviour) -> str:
        handler = type("Handler", (_Handler,), {"behaviour": staticmethod(behaviour)})
        server = _QuietServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _transport(url: str, stall: float = 0.4) -> HttpTransport:
    return HttpTransport(url, "t" * 40, connect_timeout=1.0, stall_timeout=stall)


def test_real_health_answer_passes(far_end: Callable[[Behaviour], str]) -> None:
    url = far_end(lambda h: _send(h, 200, b'{"status":"ok","service":"hubdesk-server"}'))
    _transport(url).health()


@pytest.mark.parametrize("behaviour", [
    lambda h: _send(h, 200, b"<html><body>Sign in to Library Wi-Fi</body></html>", "text/html"),
    lambda h: _send(h, 302, b"", headers={"Location": "http://login.example/"}),
    lambda h: _send(h, 511, b"<html>Network authentication required</html>", "text/html"),
    lambda h: _send(h, 200, b'{"status":"ok"}'),
], ids=["html-200", "redirect", "511", "other-json"])
def test_captive_portal_is_recognised(far_end: Callable[[Behaviour], str],
                                     behaviour: Behaviour) -> None:
    url = far_end(behaviour)
    with pytest.raises(CaptivePortal) as caught:
        _transport(url).health()
    assert "Wi-Fi login page" in str(caught.value)


def test_truncated_body_is_bad_response(far_end: Callable[[Behaviour], str]) -> None:
    def truncated(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "5000")
        handler.end_headers()
        handler.wfile.write(b'{"batch_id": "0190')
        handler.wfile.flush()
        handler.close_connection = True

    url = far_end(truncated)
    with pytest.raises(BadResponse):
        _transport(url).get_receipt("01900000-0000-7000-8000-000000000000")


def test_invalid_json_is_bad_response(far_end: Callable[[Behaviour], str]) -> None:
    url = far_end(lambda h: _send(h, 200, b'{"items": [}'))
    with pytest.raises(BadResponse):
        _transport(url).changes("", 10)


def test_silence_is_a_stall(far_end: Callable[[Behaviour], str]) -> None:
    def silent(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        _send(handler, 200, b'{"items": [], "next_cursor": "", "has_more": false}')

    url = far_end(silent)
    started = time.monotonic()
    with pytest.raises(Stalled):
        _transport(url, stall=0.3).changes("", 10)
    assert time.monotonic() - started < 1.4


def test_slow_but_moving_is_not_a_stall(far_end: Callable[[Behaviour], str]) -> None:
    body = b'{"items": [], "next_cursor": "abc", "has_more": false}'

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for start in range(0, len(body), 6):  # ~10 chunks, 0.1 s apart: 1 s in total
            handler.wfile.write(body[start:start + 6])
            handler.wfile.flush()
            time.sleep(0.1)

    url = far_end(trickle)
    started = time.monotonic()
    page = _transport(url, stall=0.3).changes("", 10)
    assert page.next_cursor == "abc"
    assert time.monotonic() - started > 0.6  # longer than the stall timeout, still fine


@pytest.mark.parametrize(("status", "headers", "expected"), [
    (429, {"Retry-After": "7"}, ServerBusy),
    (503, {}, ServerBusy),
    (413, {}, PayloadTooLarge),
    (401, {}, AuthRevoked),
    (500, {}, ServerError),
    (422, {}, RequestRejected),
])
def test_status_codes_map_to_typed_errors(far_end: Callable[[Behaviour], str], status: int,
                                          headers: dict[str, str], expected: type) -> None:
    url = far_end(lambda h: _send(h, status, _error(status, "some_code", "Plain words."),
                                  headers=headers))
    with pytest.raises(expected) as caught:
        _transport(url).upload_raw(b"{}")
    error: Any = caught.value
    if status == 429:
        assert error.retry_after == 7.0
    if status == 422:
        assert error.message == "Plain words."


def test_revoked_device_forbidden(far_end: Callable[[Behaviour], str]) -> None:
    url = far_end(lambda h: _send(h, 403, _error(403, "device_revoked", "Revoked.")))
    with pytest.raises(AuthRevoked):
        _transport(url).get_receipt("01900000-0000-7000-8000-000000000000")


def test_missing_batch_is_none(far_end: Callable[[Behaviour], str]) -> None:
    url = far_end(lambda h: _send(h, 404, _error(404, "batch_not_found", "Never received.")))
    assert _transport(url).get_receipt("01900000-0000-7000-8000-000000000000") is None


def test_nobody_listening_is_offline() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Offline):
        _transport(f"http://127.0.0.1:{port}").health()


def test_connection_dropped_mid_request_is_offline(far_end: Callable[[Behaviour], str]) -> None:
    def hang_up(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)

    url = far_end(hang_up)
    with pytest.raises(Offline):
        _transport(url).upload_raw(b"{}")


def test_retry_after_forms() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("999999") == 3600.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    in_a_minute = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))
    parsed = parse_retry_after(in_a_minute)
    assert parsed is not None and 55 <= parsed <= 61


@pytest.mark.parametrize("status, code", [(401, "enrol_code_invalid"), (409, "enrol_code_used"),
                                          (409, "device_already_enrolled")])
def test_a_refused_enrolment_code_is_not_a_revoked_laptop(
        far_end: Callable[[Behaviour], str], status: int, code: str) -> None:
    from hubdesk.core.ids import uuid7
    from hubdesk.protocol.schemas import EnrolRequest
    from hubdesk.protocol.signing import new_device_key, sign_enrolment
    from hubdesk.sync.errors import EnrolRefused

    url = far_end(lambda h: _send(h, status, _error(status, code, "Ask the council team for a new one.")))
    with pytest.raises(EnrolRefused) as caught:
        device_id, (key, public_key) = uuid7(), new_device_key()
        _transport(url).enrol(EnrolRequest(
            code="ABCDEF-123", device_id=device_id, device_public_key=public_key,
            enrol_signature=sign_enrolment(key, "ABCDEF-123", device_id)))
    assert not isinstance(caught.value, AuthRevoked)
    assert "Ask the council team" in str(caught.value)


def test_tls_failure_is_a_secure_connection_problem_not_offline(
        far_end: Callable[[Behaviour], str]) -> None:
    from hubdesk.sync.errors import InsecureConnection

    plain = far_end(lambda h: _send(h, 200, b'{"status":"ok","service":"hubdesk-server"}'))
    with pytest.raises(InsecureConnection) as caught:  # https spoken to a plain-HTTP far end
        _transport(plain.replace("http://", "https://")).health()
    assert "secure connection" in str(caught.value)
