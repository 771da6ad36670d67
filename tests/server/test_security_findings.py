"""Issue 9's findings, each against the real server over HTTP (each failed on the
old code): device-id takeover, a forged batch file, a token from a database copy,
token replay from a code, the erasure leak, 429s, the quota, the poisoned gap count,
integers past the schema, the content type, half-open connections, authorisation
and the security log's lines."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hubdesk.protocol.schemas import MAX_SEQ
from hubdesk.protocol.signing import new_device_key, sign_batch
from hubdesk.server import http_timeouts, limits
from hubdesk.server.batchfile import import_batch_file
from hubdesk.server.errors import AdminError
from hubdesk.server.models import HELD, RATE_LIMITS, RECORDS
from hubdesk.server.security_log import security_events
from hubdesk.server.testing import LiveServer, serve_engine

pytestmark = pytest.mark.integration

NAME = "Margaret Thistlewood"  # synthetic personal detail


def _events(server: LiveServer) -> list[str]:
    return [event.event for event in security_events(server.engine)]


def test_a_code_cannot_take_over_a_known_device_id(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    other_hub = server.create_hub("Hitchin Hub")
    victim = make_laptop(server)
    assert victim.post(victim.batch([victim.item()])).status_code == 200
    # an unused code of another hub, sent with the victim's (not secret) device id
    thief = make_laptop(server, enrol=False, device_id=victim.device_id)
    refused = thief.enrol_response(server.enrol_code(other_hub))
    assert refused.status_code == 409 and refused.json()["error"] == "device_already_enrolled"
    assert victim.post(victim.batch([victim.item()])).status_code == 200  # token still works
    device = next(d for d in server.stats()["devices"] if d["id"] == victim.device_id)
    assert device["hub_id"] == server.hub_id  # not moved to the thief's hub
    assert "enrol_refused" in _events(server)


def test_a_code_and_a_device_id_give_no_token_back(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server, enrol=False)
    code = server.enrol_code()
    laptop.enrol(code)
    live_token = laptop.token
    # someone who saw the code and knows the device id, with their own key ...
    replayer = make_laptop(server, enrol=False, device_id=laptop.device_id)
    answer = replayer.enrol_response(code)
    assert answer.status_code == 409
    # ... or the laptop's public key (from a database copy) but not its private half
    body = replayer.enrol_body(code)
    body["device_public_key"] = laptop.public_key
    forged = replayer.http.post("/v1/enrol", json=body)
    assert forged.status_code == 422 and forged.json()["error"] == "bad_enrol_signature"
    assert live_token not in answer.text + forged.text
    laptop.token = live_token
    assert laptop.post(laptop.batch([laptop.item()])).status_code == 200


def test_a_database_copy_cannot_mint_a_token(server: LiveServer,
                                             make_laptop: Callable[..., Any],
                                             tmp_path: Path) -> None:
    if not server.db_url.startswith("sqlite"):
        pytest.skip("reads the SQLite file as a backup would")
    laptop = make_laptop(server)
    copy = tmp_path / "backup.sqlite3"
    with sqlite3.connect(server.db_url.removeprefix("sqlite:///")) as live, \
            sqlite3.connect(copy) as target:
        live.backup(target)
    with sqlite3.connect(copy) as backup:
        settings = dict(backup.execute("SELECT key, value FROM server_settings").fetchall())
        code_id, = backup.execute("SELECT enrol_code_id FROM devices WHERE id = ?",
                                  (laptop.device_id,)).fetchone()
        text = "\n".join(str(value) for table, in backup.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            for row in backup.execute(f'SELECT * FROM "{table}"').fetchall() for value in row)
    assert "token_secret" not in settings
    assert laptop.token not in text
    for value in settings.values():  # the old scheme: HMAC(secret, code id + device id)
        digest = hmac.new(bytes.fromhex(value) if _is_hex(value) else value.encode(),
                          f"{code_id}:{laptop.device_id}".encode(), hashlib.sha256).digest()
        assert laptop.token.split("_", 1)[1] not in (digest.hex(), digest.decode("latin-1"))


def _is_hex(value: str) -> bool:
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def test_a_forged_batch_file_is_refused(server: LiveServer, make_laptop: Callable[..., Any],
                                        tmp_path: Path) -> None:
    laptop = make_laptop(server)
    batch = laptop.batch([laptop.item(fields={"note": NAME})])
    path = tmp_path / "batch.json"

    def attempt(document: dict[str, Any]) -> str:
        path.write_text(json.dumps(document), encoding="utf-8")
        with pytest.raises(AdminError) as refused:
            import_batch_file(server.engine, path)
        return str(refused.value)

    token_digest = hashlib.sha256(laptop.token.encode()).hexdigest()
    assert "not signed" in attempt({"format": "hubdesk-batch", "batch": batch,
                                    "device_token_hash": token_digest})
    old_hmac = hmac.new(laptop.token.encode(), json.dumps(batch).encode(), "sha256").hexdigest()
    assert "not signed" in attempt({"format": "hubdesk-batch", "batch": batch,
                                    "signature": old_hmac})
    stranger_key, _ = new_device_key()
    assert "does not match" in attempt({"format": "hubdesk-batch", "version": 2,
                                        "batch": batch,
                                        "signature": sign_batch(batch, stranger_key)})
    assert _stored_visits(server, laptop.device_id) == 0
    path.write_text(json.dumps({"format": "hubdesk-batch", "version": 2, "batch": batch,
                                "signature": sign_batch(batch, laptop.private_key)}))
    assert import_batch_file(server.engine, path).counts.accepted == 1
    assert "bad_batch_signature" in _events(server)


def _stored_visits(server: LiveServer, device_id: str) -> int:
    with server.engine.connect() as conn:
        return len(conn.execute(select(RECORDS.c.row_id)
                                .where(RECORDS.c.device_id == device_id)).all())


def test_nothing_of_a_late_copy_of_an_erased_record_is_kept(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    payload = laptop.payload(fields={"note": "called about the foodbank"})
    assert laptop.post(laptop.batch([laptop.item(payload)])).json()["counts"]["accepted"] == 1
    server.erase_record("visit", payload["record_id"])
    # a late upload of version 1 with other content (a name now) ...
    late = {**payload, "fields": {**payload["fields"], "note": f"{NAME}, 07700 900123"}}
    answer = laptop.post(laptop.batch([laptop.item(late)])).json()
    assert answer["results"][0]["status"] == "rejected"
    assert "erased" in answer["results"][0]["reason"]
    # ... and the very same version again is a duplicate (the laptop may settle it)
    again = laptop.post(laptop.batch([laptop.item(payload)])).json()
    assert again["results"][0]["status"] == "duplicate"
    with server.engine.connect() as conn:
        kept = [*conn.execute(select(RECORDS.c.payload)).scalars(),
                *conn.execute(select(HELD.c.payload)).scalars()]
    assert not any(NAME in text or "07700" in text or "foodbank" in text for text in kept)
    assert server.stats()["visits"] == 1  # the anonymous count stays
    assert "erasure" in _events(server)


def test_bad_codes_and_bad_tokens_get_429_with_retry_after(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    good = make_laptop(server)
    guesser = make_laptop(server, enrol=False)
    codes = [guesser.enrol_response(f"WRONG-{n:04d}-CODE").status_code for n in range(30)]
    assert codes[:limits.FAILURE_LIMIT] == [401] * limits.FAILURE_LIMIT
    assert set(codes[limits.FAILURE_LIMIT + 1:]) == {429}
    blocked = guesser.enrol_response(server.enrol_code())  # even a right code, now
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 60
    guesser.token = "hd2_" + "x" * 43
    tokens = [guesser.get("/v1/changes").status_code for _ in range(30)]
    assert tokens[0] == 401 and tokens[-1] == 429
    assert good.get("/v1/changes").status_code == 200  # a valid laptop is never blocked
    assert _events(server).count("rate_limited") == 2
    assert _events(server).count("bad_enrol_code") == limits.FAILURE_LIMIT + 1


def test_guessing_one_laptop_token_from_many_addresses_is_limited_per_laptop(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    victim = make_laptop(server)
    forged = {"Authorization": f"Bearer hd2_{victim.device_id}_{'z' * 43}"}
    statuses = [victim.http.get("/v1/changes", headers={
        **forged, "X-Forwarded-For": f"198.51.100.{n}"}).status_code  # the proxy is trusted
        for n in range(1, limits.FAILURE_LIMIT + 3)]
    assert statuses[0] == 401 and statuses[-1] == 429  # each address failed only once
    assert victim.get("/v1/changes").status_code == 200  # the laptop itself carries on
    assert any(e.event == "rate_limited" and e.device_id == victim.device_id
               for e in security_events(server.engine))


def test_rate_limits_are_shared_by_every_worker(server: LiveServer,
                                                make_laptop: Callable[..., Any]) -> None:
    # a second app process over the same database (as `serve --workers 2` runs)
    with serve_engine(server.engine) as second_url:
        first = make_laptop(server, enrol=False)
        first.token = "hd2_" + "y" * 43
        with httpx.Client(base_url=second_url, timeout=30) as second:
            for n in range(limits.FAILURE_LIMIT + 1):
                url = "/v1/changes" if n % 2 else f"{second_url}/v1/changes"
                client = first.http if n % 2 else second
                client.get(url, headers=first.headers())
            answer = second.get("/v1/changes", headers=first.headers())
    assert answer.status_code == 429
    with server.engine.connect() as conn:
        assert conn.execute(select(RATE_LIMITS.c.failures)).scalars().all() == [
            limits.FAILURE_LIMIT + 1]


def test_free_text_is_bounded_and_each_laptop_has_a_quota(
        server: LiveServer, make_laptop: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(limits.QUOTA_ENV, "1")
    laptop = make_laptop(server)
    flood = {f"extra_{n}": "x" * 4000 for n in range(20)}
    answer = laptop.post(laptop.batch([laptop.item(kind="session", fields=flood)])).json()
    assert answer["results"][0]["status"] == "rejected"
    assert "KB of text" in answer["results"][0]["reason"]
    statuses = []
    for _ in range(12):  # 12 x 100 records of ~1.5 KB each: past 1 MB
        response = laptop.post(laptop.batch([laptop.item(fields={"note": "y" * 1200})
                                             for _ in range(100)]))
        statuses.append(response.status_code)
        if response.status_code != 200:
            assert response.json()["error"] == "storage_quota_exceeded"
    assert statuses[0] == 200 and statuses[-1] == 403
    with server.engine.connect() as conn:
        stored = sum(len(p) for p in conn.execute(select(RECORDS.c.payload)).scalars())
        held = sum(len(p) for p in conn.execute(select(HELD.c.payload)).scalars())
    assert stored + held <= 1024 * 1024


def test_a_sequence_number_far_ahead_is_refused_and_poisons_nothing(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    answer = laptop.post(laptop.batch([laptop.item(), laptop.item(seq=MAX_SEQ)])).json()
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected"]
    assert "sequence number" in answer["results"][1]["reason"]
    assert answer["high_seq"] == 1 and answer["gaps"] == []
    stats = server.stats()
    assert stats["gaps"] == 0
    assert stats["devices"][0]["max_seq"] == 1


@pytest.mark.parametrize("value", [2**53 + 1, -(2**53) - 1, 10**30])
def test_integers_past_the_schema_bound_are_refused(
        server: LiveServer, make_laptop: Callable[..., Any], value: int) -> None:
    laptop = make_laptop(server)
    answer = laptop.post(laptop.batch([laptop.item(kind="session",
                                                   fields={"headcount": value})]))
    assert answer.status_code in (200, 422)
    if answer.status_code == 200:
        assert answer.json()["results"][0]["status"] == "rejected"
    assert server.stats()["records"] == 0


@pytest.mark.parametrize("path", ["/v1/batches", "/v1/enrol", "/v1/heartbeat", "/v1/audit",
                                  "/v1/recovery"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          None])
def test_a_json_content_type_is_required(server: LiveServer, make_laptop: Callable[..., Any],
                                         path: str, content_type: str | None) -> None:
    laptop = make_laptop(server)
    body = json.dumps(laptop.batch([laptop.item()]) if path == "/v1/batches" else {})
    headers = {**laptop.headers(), **({"Content-Type": content_type} if content_type else {})}
    answer = laptop.http.post(path, content=body.encode(), headers=headers)
    assert answer.status_code == 415, answer.text
    assert answer.json()["error"] == "unsupported_media_type"
    assert server.stats()["records"] == 0


def test_half_open_connections_are_closed(server: LiveServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_timeouts.TimedH11Protocol, "header_timeout_s", 1.0)
    host, port = server.base_url.removeprefix("http://").split(":")
    sockets = []
    for _ in range(40):
        sock = socket.create_connection((host, int(port)), timeout=10)
        sock.sendall(b"POST /v1/batches HTTP/1.1\r\nHost: x\r\n")  # never finished
        sockets.append(sock)
    idle = socket.create_connection((host, int(port)), timeout=10)  # sends nothing at all
    sockets.append(idle)
    deadline = time.monotonic() + 8
    closed = 0
    for sock in sockets:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            closed += sock.recv(100) == b""  # the server closed it
        except ConnectionResetError:
            closed += 1
        except TimeoutError:
            pass  # still open
        sock.close()
    assert closed == len(sockets)
    assert httpx.get(server.base_url + "/v1/health").status_code == 200


def test_authorisation_no_token_401_other_laptop_403_revoked_403(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    other_hub = server.create_hub("Letchworth Hub")
    laptop = make_laptop(server)
    stranger = make_laptop(server, enrol=False)
    stranger.enrol(server.enrol_code(other_hub))
    anonymous = make_laptop(server, enrol=False)
    assert anonymous.post(anonymous.batch([anonymous.item()])).status_code == 401
    assert anonymous.get("/v1/changes").status_code == 401
    # another hub's laptop sending as this laptop
    foreign = stranger.post({**laptop.batch([laptop.item()])})
    assert foreign.status_code == 403 and foreign.json()["error"] == "device_mismatch"
    server.revoke_device(laptop.device_id)
    revoked = laptop.post(laptop.batch([laptop.item()]))
    assert revoked.status_code == 403 and revoked.json()["error"] == "device_revoked"


def test_the_security_log_has_each_event_and_no_personal_data(
        server: LiveServer, make_laptop: Callable[..., Any], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="hubdesk.server.security")
    laptop = make_laptop(server)
    person = laptop.payload(kind="person", fields={"preferred_name": NAME,
                                                   "contact": "07700 900456"})
    laptop.post(laptop.batch([laptop.item(person)]))
    make_laptop(server, enrol=False).enrol_response("NOPE-NOPE-NOPE")
    laptop.http.get("/v1/changes", headers={"Authorization": "Bearer hd2_nonsense_token"})
    server.revoke_device(laptop.device_id)
    laptop.get("/v1/changes")
    server.reinstate_device(laptop.device_id)
    from hubdesk.server import admin

    admin.write_subject_access(server.engine, person["record_id"], tmp_path / "sar.json")
    admin.erase_person(server.engine, person["record_id"])
    server.recovery_code(laptop.device_id)
    events = _events(server)
    for expected in ("enrolled", "bad_enrol_code", "bad_token", "revoked",
                     "revoked_device_refused", "reinstated", "subject_access_export",
                     "erasure", "recovery_code_issued"):
        assert expected in events, expected
    logged = caplog.text + "\n".join(str(e) for e in security_events(server.engine))
    assert NAME not in logged and "07700" not in logged
    assert "127.0.0.1" not in logged  # addresses only as a digest
