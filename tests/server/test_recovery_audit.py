"""The server's half of key recovery and audit verification (protocol/trust.py),
over real HTTP against the real server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hubdesk.core.ids import uuid7
from hubdesk.protocol import trust
from hubdesk.server.security_log import security_events
from hubdesk.server.testing import LiveServer

pytestmark = pytest.mark.integration


def _recovery_body(laptop: Any, code: str, database_key: bytes, recovery_public_key: str,
                   *, slot: bytes | None = None) -> tuple[dict[str, Any], bytes]:
    """A recovery request from ``laptop``; its own bound slot unless ``slot`` is given."""
    reply_private, reply_public = trust.new_recovery_key_pair()
    if slot is None:
        slot = trust.seal(trust.unb64(recovery_public_key), database_key,
                          context=trust.recovery_slot_context(laptop.device_id))
    return ({"device_id": laptop.device_id, "code": code, "sealed_key": trust.b64(slot),
             "reply_public_key": trust.b64(reply_public)}, reply_private)


def test_recovery_opens_the_slot_once_for_its_own_device(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server, enrol=False)
    enrolled = laptop.enrol_response(server.enrol_code())
    recovery_public_key = enrolled.json()["recovery_public_key"]
    database_key = trust.random_key()
    code = server.recovery_code(laptop.device_id)

    body, reply_private = _recovery_body(laptop, code, database_key, recovery_public_key)
    answer = laptop.http.post("/v1/recovery", json=body)
    assert answer.status_code == 200, answer.text
    sealed = trust.unb64(answer.json()["sealed_key"])
    assert database_key not in sealed  # never in the clear on the wire
    reply_context = trust.recovery_reply_context(laptop.device_id)
    assert trust.open_sealed(reply_private, sealed, context=reply_context) == database_key

    again = laptop.http.post("/v1/recovery", json=body)  # one use only
    assert again.status_code == 401 and again.json()["error"] == "recovery_code_invalid"

    other = make_laptop(server)  # a code is bound to its device
    stolen_code = server.recovery_code(laptop.device_id)
    body, _ = _recovery_body(other, stolen_code, database_key, recovery_public_key)
    refused = other.http.post("/v1/recovery", json=body)
    assert refused.status_code == 401

    events = [event.event for event in security_events(server.engine)]
    assert events.count("recovery_code_issued") == 2
    assert events.count("recovery") == 1 and events.count("bad_recovery_code") == 2


def test_recovery_refused_for_a_revoked_device_and_a_foreign_slot(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server, enrol=False)
    recovery_public_key = laptop.enrol_response(server.enrol_code()).json()["recovery_public_key"]
    code = server.recovery_code(laptop.device_id)
    # a slot sealed to some other key does not open, and the code is not spent
    foreign_public = trust.new_recovery_key_pair()[1]
    body, _ = _recovery_body(laptop, code, trust.random_key(), trust.b64(foreign_public))
    unreadable = laptop.http.post("/v1/recovery", json=body)
    assert unreadable.status_code == 422
    assert unreadable.json()["error"] == "recovery_slot_unreadable"
    server.revoke_device(laptop.device_id)
    body, _ = _recovery_body(laptop, code, trust.random_key(), recovery_public_key)
    revoked = laptop.http.post("/v1/recovery", json=body)
    assert revoked.status_code == 403 and revoked.json()["error"] == "device_revoked"


def test_a_slot_moved_to_another_device_is_refused(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    """Laptop A's recovery slot, posted as laptop B with a genuine code for B, does not
    open: the slot is bound to A's device id (the AEAD's associated data)."""
    laptop_a = make_laptop(server, enrol=False)
    recovery_public_key = laptop_a.enrol_response(server.enrol_code()).json()["recovery_public_key"]
    key_a = trust.random_key()
    slot_a = trust.seal(trust.unb64(recovery_public_key), key_a,
                        context=trust.recovery_slot_context(laptop_a.device_id))
    laptop_b = make_laptop(server)
    code_b = server.recovery_code(laptop_b.device_id)
    body, _ = _recovery_body(laptop_b, code_b, key_a, recovery_public_key, slot=slot_a)
    moved = laptop_b.http.post("/v1/recovery", json=body)
    assert moved.status_code == 422 and moved.json()["error"] == "recovery_slot_unreadable"
    # the same code still works for B's own slot (a refused slot does not spend it)
    body, _ = _recovery_body(laptop_b, code_b, trust.random_key(), recovery_public_key)
    assert laptop_b.http.post("/v1/recovery", json=body).status_code == 200


def test_a_slot_sealed_before_binding_is_answered_in_its_own_form_and_logged(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    """A laptop whose every PIN was lost before it re-sealed (it re-seals at unlock)."""
    laptop = make_laptop(server, enrol=False)
    recovery_public_key = laptop.enrol_response(server.enrol_code()).json()["recovery_public_key"]
    database_key = trust.random_key()
    old_slot = trust.seal_legacy(trust.unb64(recovery_public_key), database_key)
    body, reply_private = _recovery_body(laptop, server.recovery_code(laptop.device_id),
                                         database_key, recovery_public_key, slot=old_slot)
    answer = laptop.http.post("/v1/recovery", json=body)
    assert answer.status_code == 200, answer.text
    sealed = trust.unb64(answer.json()["sealed_key"])
    assert trust.sealed_version(sealed) == trust.LEGACY_SEALED_VERSION
    assert trust.open_sealed(reply_private, sealed, context=b"", allow_legacy=True) == database_key
    events = [event.event for event in security_events(server.engine)]
    assert events.count("legacy_recovery_slot") == 1


def test_recovery_guessing_is_rate_limited(server: LiveServer,
                                           make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server, enrol=False)
    recovery_public_key = laptop.enrol_response(server.enrol_code()).json()["recovery_public_key"]
    statuses = []
    for _ in range(14):
        body, _ = _recovery_body(laptop, "WRONG-CODE-0000", trust.random_key(),
                                 recovery_public_key)
        answer = laptop.http.post("/v1/recovery", json=body)
        statuses.append(answer.status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[-1] == 429 and int(answer.headers["Retry-After"]) > 0
    # blocked even with the right code now: guessing learns nothing
    body, _ = _recovery_body(laptop, server.recovery_code(laptop.device_id), trust.random_key(),
                             recovery_public_key)
    assert laptop.http.post("/v1/recovery", json=body).status_code == 429


def _chain(count: int, device: str) -> list[dict[str, Any]]:
    links, previous = [], trust.GENESIS_HASH
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    for seq in range(1, count + 1):
        link = {"seq": seq, "at": start + timedelta(minutes=seq), "actor": uuid7(),
                "device": device, "action": "create", "kind": "visit", "entity": uuid7(),
                "detail": ""}
        link["prev_hash"] = previous
        link["hash"] = trust.audit_link_hash(
            prev_hash=previous, at=link["at"], actor=link["actor"], device=device,
            action="create", kind="visit", entity=link["entity"], detail="")
        previous = link["hash"]
        links.append(link)
    return links


def _upload(laptop: Any, links: list[dict[str, Any]]) -> Any:
    body = trust.AuditUpload.model_validate({"links": links}).model_dump_json()
    return laptop.http.post("/v1/audit", content=body,
                            headers={**laptop.headers(), "Content-Type": "application/json"})


def test_audit_chain_verified_across_uploads(server: LiveServer,
                                             make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    links = _chain(6, laptop.device_id)
    first = _upload(laptop, links[:4])
    assert first.status_code == 200, first.text
    assert first.json() == {"verified_through": 4, "chain_ok": True, "first_break": None}
    # continuing from the last stored link; a resent link already held is fine
    second = _upload(laptop, links[3:])
    assert second.json() == {"verified_through": 6, "chain_ok": True, "first_break": None}
    device = next(d for d in server.stats()["devices"] if d["id"] == laptop.device_id)
    assert device["audit"] == {"verified_through": 6, "chain_ok": True, "first_break": None}


def test_an_edited_chain_is_reported_in_stats_and_the_log(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    links = _chain(5, laptop.device_id)
    assert _upload(laptop, links[:2]).json()["chain_ok"] is True
    links[2]["action"] = "view"  # edited on the laptop after the hash was made
    answer = _upload(laptop, links[2:])
    assert answer.json() == {"verified_through": 2, "chain_ok": False, "first_break": 3}
    # a link already held, sent again with another hash, is a break too
    rewritten = _chain(1, laptop.device_id)
    assert _upload(laptop, rewritten).json()["first_break"] == 1
    stats = server.stats()
    device = next(d for d in stats["devices"] if d["id"] == laptop.device_id)
    assert device["audit"]["chain_ok"] is False and device["audit"]["first_break"] == 1
    assert stats["audit_breaks"] == 1
    breaks = [e for e in security_events(server.engine) if e.event == "audit_chain_break"]
    assert [e.device_id for e in breaks] == [laptop.device_id, laptop.device_id]


def test_audit_needs_a_token(server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server, enrol=False)
    assert _upload(laptop, _chain(1, laptop.device_id)).status_code == 401
