"""Downloads by opaque cursor, coordinator edits/tombstones, heartbeats."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hubdesk.core.hashing import content_hash
from hubdesk.protocol.schemas import ChangesPage, HeartbeatAck, ReferencePage
from hubdesk.server import admin
from hubdesk.server.testing import LiveServer

pytestmark = pytest.mark.integration
SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "services_sample.json"


def read_all(laptop: Any, path: str, cursor: str | None, limit: int) -> tuple[list[Any], str]:
    model = ReferencePage if path == "/v1/reference" else ChangesPage
    items: list[Any] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = laptop.get(path, **params)
        assert response.status_code == 200, response.text
        page = model.model_validate_json(response.content)
        items += page.items
        cursor = page.next_cursor
        if not page.has_more:
            return items, cursor


def test_reference_by_cursor(server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    admin.import_directory(server.engine, SAMPLE)
    venue = admin.add_venue(server.engine, server.hub_id, "St Mary's hall", "church_hall", "SG1")
    other = server.create_hub("Elsewhere")
    admin.add_venue(server.engine, other, "Not ours", "library")
    items, cursor = read_all(laptop, "/v1/reference", None, 7)
    streams = {item.stream for item in items}
    assert streams == {"services", "hubs", "venues", "vocabularies"}
    assert sum(1 for i in items if i.stream == "services") == 35
    assert [i.id for i in items if i.stream == "venues"] == [venue]  # only its own hub's
    # nothing new: the same cursor comes back with no items
    again, same = read_all(laptop, "/v1/reference", cursor, 50)
    assert again == [] and same == cursor
    # a change re-publishes only the changed item after the cursor
    admin.add_volunteer(server.engine, server.hub_id, "Pat", "coordinator")
    changed, _ = read_all(laptop, "/v1/reference", cursor, 50)
    assert [(i.stream, i.data["display_name"]) for i in changed] == [("volunteers", "Pat")]


def test_bad_cursor_is_422(server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    response = laptop.get("/v1/reference", cursor="2026-11-20T10:00")
    assert response.status_code == 422
    assert response.json()["error"] in ("bad_cursor", "invalid_request")
    assert laptop.get("/v1/changes", cursor="r.5").status_code == 422


def test_coordinator_edit_and_tombstone_reach_the_hub(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    item = laptop.item()
    assert laptop.post(laptop.batch([item])).status_code == 200
    record_id = item["payload"]["record_id"]
    edit = server.edit_record("visit", record_id, {"age_band": "65_74"})
    assert edit.version == 2
    stats = server.stats()
    hub = next(h for h in stats["hubs"] if h["id"] == server.hub_id)
    assert stats["visits"] == hub["visits"] == 1 and stats["versions"] == 2
    items, cursor = read_all(laptop, "/v1/changes", None, 10)
    assert len(items) == 1
    change = items[0]
    assert change.record_id == record_id and change.version == 2 and not change.tombstone
    assert change.payload is not None and change.payload.fields["age_band"] == "65_74"
    assert change.payload.base_version == 1
    assert change.content_hash == content_hash(change.payload.model_dump()) == edit.content_hash
    # the laptop's own edit of version 2 now conflicts; both are kept
    mine = laptop.item(payload=dict(item["payload"], version=2, base_version=1,
                                    fields={**item["payload"]["fields"], "sex": "male"}))
    answer = laptop.post(laptop.batch([mine])).json()
    assert answer["results"][0]["status"] == "conflict"
    assert "coordinator" in answer["results"][0]["reason"]
    # another hub's laptop sees none of it
    stranger = make_laptop(server, enrol=False)
    stranger.enrol(server.enrol_code(server.create_hub("Far away")))
    assert read_all(stranger, "/v1/changes", None, 10)[0] == []
    # erasure: a tombstone after the cursor, and the content is gone
    server.erase_record("visit", record_id)
    later, _ = read_all(laptop, "/v1/changes", cursor, 10)
    assert [(c.record_id, c.tombstone, c.payload) for c in later] == [(record_id, True, None)]


def test_heartbeat_is_stored(server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    now = datetime.now(UTC)
    response = laptop.http.post("/v1/heartbeat", headers=laptop.headers(), json={
        "unsent": 12, "needs_attention": 3,
        "oldest_unsent_at": (now - timedelta(hours=2)).isoformat(),
        "last_success_at": None, "app_version": "0.1.0",
        "client_time": (now + timedelta(minutes=5)).isoformat(),
    })
    assert response.status_code == 200, response.text
    HeartbeatAck.model_validate_json(response.content)
    device = next(d for d in server.stats()["devices"] if d["id"] == laptop.device_id)
    assert device["unsent"] == 12 and device["needs_attention"] == 3
    assert device["app_version"] == "0.1.0"
    assert 280 < device["clock_skew_s"] < 320
    assert device["oldest_unsent_at"] is not None
    bad = laptop.http.post("/v1/heartbeat", headers=laptop.headers(),
                           json={"unsent": -1, "needs_attention": 0, "app_version": "x",
                                 "client_time": now.isoformat()})
    assert bad.status_code == 422
    assert "unsent" in bad.json()["message"]
