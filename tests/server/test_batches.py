"""Batch upload: per-item results, receipts, replays, gaps, malformed input."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from hubdesk.core.hashing import content_hash
from hubdesk.core.ids import uuid7
from hubdesk.protocol.schemas import BatchReceipt
from hubdesk.server.testing import LiveServer

pytestmark = pytest.mark.integration


def receipt(response: Any) -> BatchReceipt:
    assert response.status_code == 200, response.text
    return BatchReceipt.model_validate_json(response.content)


def test_accepted_duplicate_conflict_rejected(server: LiveServer,
                                              make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    first_items = laptop.items(3)
    first = receipt(laptop.post(laptop.batch(first_items)))
    assert [r.status for r in first.results] == ["accepted"] * 3
    assert first.high_seq == 3 and first.gaps == []

    same = first_items[0]  # same record version, same content, new batch: duplicate
    changed_payload = dict(first_items[1]["payload"], fields={
        **first_items[1]["payload"]["fields"], "age_band": "65_74"})
    conflicting = {"seq": first_items[1]["seq"], "content_hash": content_hash(changed_payload),
                   "payload": changed_payload}
    bad = laptop.item(fields={"contact_mode": "carrier_pigeon"})
    good = laptop.item()
    second = receipt(laptop.post(laptop.batch([same, conflicting, bad, good])))
    statuses = [r.status for r in second.results]
    assert statuses == ["duplicate", "conflict", "rejected", "accepted"]
    assert second.counts.model_dump() == {"accepted": 1, "duplicate": 1, "conflict": 1,
                                          "rejected": 1}
    assert "carrier_pigeon" in (second.results[2].reason or "")
    assert second.results[1].reason
    assert second.high_seq == 5 and second.gaps == []  # the rejected seq counts as received
    stats = server.stats()
    assert stats["visits"] == 4
    assert stats["versions"] == 4
    assert stats["held"] == {"conflict": 1, "rejected": 1}


def test_replay_returns_the_identical_receipt(server: LiveServer,
                                              make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    batch = laptop.batch([*laptop.items(4), laptop.item(fields={"session_id": 42})])
    first = receipt(laptop.post(batch))
    again = receipt(laptop.post(batch))
    assert again.results == first.results
    assert again.counts == first.counts
    assert [r.status for r in again.results] == ["accepted"] * 4 + ["rejected"]
    fetched = receipt(laptop.get(f"/v1/batches/{batch['batch_id']}"))
    assert fetched.results == first.results
    assert server.stats()["versions"] == 4


def test_batch_id_reused_for_other_records_is_refused(server: LiveServer,
                                                      make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    batch_id = uuid7()
    receipt(laptop.post(laptop.batch(laptop.items(2), batch_id=batch_id)))
    clash = laptop.post(laptop.batch(laptop.items(2), batch_id=batch_id))
    assert clash.status_code == 409
    assert clash.json()["error"] == "batch_id_reused"


def test_unknown_batch_receipt_is_404(server: LiveServer,
                                      make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    response = laptop.get(f"/v1/batches/{uuid7()}")
    assert response.status_code == 404
    assert response.json()["error"] == "batch_not_found"
    # another laptop cannot read this laptop's receipts
    batch = laptop.batch(laptop.items(1))
    receipt(laptop.post(batch))
    other = make_laptop(server)
    assert other.get(f"/v1/batches/{batch['batch_id']}").status_code == 404


def test_gaps_and_high_seq(server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    items = laptop.items(10)
    first = receipt(laptop.post(laptop.batch([items[i] for i in (0, 1, 2, 5, 6, 9)])))
    assert first.high_seq == 3
    assert [(g.first, g.last) for g in first.gaps] == [(4, 5), (8, 9)]
    second = receipt(laptop.post(laptop.batch([items[3], items[4]])))
    assert second.high_seq == 7
    assert [(g.first, g.last) for g in second.gaps] == [(8, 9)]
    device = next(d for d in server.stats()["devices"] if d["id"] == laptop.device_id)
    assert device["gaps"] == 2 and device["gap_ranges"] == [[8, 9]]
    third = receipt(laptop.post(laptop.batch([items[7], items[8]])))
    assert third.high_seq == 10 and third.gaps == []
    # a replay of the first batch reports progress as now
    again = receipt(laptop.post(laptop.batch([items[i] for i in (0, 1, 2, 5, 6, 9)],
                                             batch_id=first.batch_id)))
    assert again.results == first.results
    assert again.high_seq == 10 and again.gaps == []


def test_malformed_item_is_rejected_alone(server: LiveServer,
                                          make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    broken_kind = laptop.item(kind="banana")  # not a record kind
    wrong_hash = laptop.item()
    wrong_hash["content_hash"] = "0" * 64
    other_device = laptop.item(payload=dict(laptop.payload(), device_id=uuid7()))
    no_session = laptop.item(fields={"session_id": None})
    too_long = laptop.item(fields={"note": "x" * 5000})
    good = laptop.items(2)
    result = receipt(laptop.post(laptop.batch(
        [broken_kind, wrong_hash, other_device, no_session, too_long, *good])))
    statuses = [r.status for r in result.results]
    assert statuses == ["rejected"] * 5 + ["accepted"] * 2
    reasons = [r.reason or "" for r in result.results[:5]]
    assert "expected form" in reasons[0]
    assert "checksum" in reasons[1]
    assert "different laptop" in reasons[2]
    assert "session" in reasons[3]
    assert "expected form" in reasons[4]
    assert result.high_seq == 7


def test_device_writes_only_to_its_own_hub(server: LiveServer,
                                           make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    session = laptop.item(kind="session")
    visit = laptop.item(fields={"session_id": session["payload"]["record_id"]})
    assert [r.status for r in receipt(laptop.post(laptop.batch([session, visit]))).results] == \
        ["accepted", "accepted"]
    other_hub = server.create_hub("Other hub")
    stranger = make_laptop(server, enrol=False)
    stranger.enrol(server.enrol_code(other_hub))
    wrong_hub = stranger.item(kind="session", fields={"hub_id": server.hub_id})
    foreign_visit = stranger.item(fields={"session_id": session["payload"]["record_id"]})
    base = visit["payload"]
    foreign_edit = stranger.item(payload=dict(
        base, version=2, base_version=1, device_id=stranger.device_id))
    result = receipt(stranger.post(stranger.batch([wrong_hub, foreign_visit, foreign_edit])))
    assert [r.status for r in result.results] == ["rejected"] * 3
    assert "own hub" in (result.results[0].reason or "")
    assert "another hub" in (result.results[1].reason or "")
    assert "another hub" in (result.results[2].reason or "")


@pytest.mark.parametrize("body, code", [
    (b"{not json", "not_json"),
    (b"[]", "invalid_batch"),
    (b'{"protocol": 1, "batch_id": "nope", "device_id": "x", "items": []}', "invalid_batch"),
    (b'{"protocol": 2, "batch_id": "01a20000-0000-7000-8000-000000000000", '
     b'"device_id": "01a20000-0000-7000-8000-000000000000", "items": [{}]}', "invalid_batch"),
])
def test_malformed_batch_gets_clear_422_and_disturbs_nothing(
        sqlite_server: LiveServer, make_laptop: Callable[..., Any], body: bytes,
        code: str) -> None:
    laptop = make_laptop(sqlite_server)
    before = receipt(laptop.post(laptop.batch(laptop.items(2))))
    response = laptop.post(body)
    assert response.status_code == 422
    assert response.json()["error"] == code
    assert response.json()["message"]
    after = receipt(laptop.post(laptop.batch(laptop.items(2))))
    assert after.high_seq == 4 and before.high_seq == 2
    assert sqlite_server.stats()["versions"] == 4


def test_item_without_identity_fails_the_batch_clearly(
        sqlite_server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(sqlite_server)
    unreadable = laptop.item()
    unreadable["seq"] = "seven"
    response = laptop.post(laptop.batch([laptop.item(), unreadable]))
    assert response.status_code == 422
    assert "Item 2" in response.json()["message"]
    assert sqlite_server.stats()["versions"] == 0


def test_batch_of_another_device_is_refused(sqlite_server: LiveServer,
                                            make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(sqlite_server)
    batch = laptop.batch(laptop.items(1))
    batch["device_id"] = uuid7()
    response = laptop.post(batch)
    assert response.status_code == 403
    assert response.json()["error"] == "device_mismatch"


def test_too_large_body_gets_413(sqlite_server: LiveServer,
                                 make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(sqlite_server)
    body = json.dumps({"padding": "x" * (17 * 1024 * 1024)}).encode()
    response = laptop.post(body)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert receipt(laptop.post(laptop.batch(laptop.items(1)))).high_seq == 1


def test_records_made_before_enrolment_are_filed_under_the_devices_hub(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    """A laptop set up offline names its own local hub id; once enrolled, its
    records are accepted and counted for the hub it was enrolled into."""
    laptop = make_laptop(server)
    offline_hub = uuid7()  # made by first-run set-up, never seen by the server
    session = laptop.item(kind="session", fields={"hub_id": offline_hub})
    visit = laptop.item(fields={"session_id": session["payload"]["record_id"]})
    result = receipt(laptop.post(laptop.batch([session, visit])))
    assert [r.status for r in result.results] == ["accepted", "accepted"]
    hubs = {hub["id"]: hub for hub in server.stats()["hubs"]}
    assert hubs[server.hub_id]["visits"] == 1
    assert hubs[server.hub_id]["by_kind"]["session"] == 1
    assert offline_hub not in hubs
