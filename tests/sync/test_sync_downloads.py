"""Downloads by cursor: coordinator edits, held versions, roster, directory, erasure."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hubdesk.core.clock import utc_now
from hubdesk.server import admin
from hubdesk.server.db import write_tx
from hubdesk.server.models import HeldItem, RecordRow
from hubdesk.services import volunteers
from hubdesk.store import sync_repo
from hubdesk.store.models import HeldServerVersion, OutboxItem, Service, Visit, Volunteer
from hubdesk.sync.engine import needs_attention_items
from tests.sync.harness import PIN, Laptop, RunningServer, check_invariants

pytestmark = pytest.mark.integration


def visit_versions(laptop: Laptop, record_id: str) -> list[tuple[int, str, bool, str]]:
    with laptop.store.unit_of_work() as db:
        rows = db.execute(select(Visit.version, Visit.origin, Visit.is_current, Visit.age_band)
                          .where(Visit.record_id == record_id).order_by(Visit.version))
        return [(r.version, r.origin, r.is_current, r.age_band) for r in rows]


def outbox_size(laptop: Laptop) -> int:
    with laptop.store.unit_of_work() as db:
        return int(db.scalar(select(func.count()).select_from(OutboxItem)) or 0)


def test_coordinator_edit_arrives_as_a_server_version(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop, other = make_laptop("Pat"), make_laptop("Sam")
    visit_id = laptop.record_visit()
    laptop.sync()
    before = outbox_size(laptop)
    admin.edit_record(server.engine, "visit", visit_id, {"age_band": "85_plus"})
    result = laptop.sync()
    assert result.completed and result.downloaded >= 1
    versions = visit_versions(laptop, visit_id)
    assert versions[0][1:3] == ("local", False)
    assert versions[1] == (2, "server", True, "85_plus")
    assert outbox_size(laptop) == before  # a server version is never sent back
    other.sync()  # another laptop of the hub gets the coordinator's version too
    assert visit_versions(other, visit_id) == [(2, "server", True, "85_plus")]
    again = laptop.sync()
    assert again.downloaded == 0  # the cursor moved on: nothing twice
    check_invariants(server, [laptop, other])


def test_download_never_overwrites_unsent_local_work(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("Pat")
    visit_id = laptop.record_visit()
    laptop.sync()
    admin.edit_record(server.engine, "visit", visit_id, {"age_band": "85_plus"})
    laptop.edit_visit(visit_id)  # version 2 on the laptop too, not yet sent
    local_band = visit_versions(laptop, visit_id)[-1][3]
    result = laptop.sync()
    assert result.completed and result.pending == 0
    # the laptop's version 2 stays current; the server's version 2 is held beside it
    versions = visit_versions(laptop, visit_id)
    assert versions[-1] == (2, "local", True, local_band)
    with laptop.store.unit_of_work() as db:
        held = db.scalars(select(HeldServerVersion)
                          .where(HeldServerVersion.record_id == visit_id)).all()
        assert [(h.version, h.payload["fields"]["age_band"]) for h in held  # type: ignore[index]
                ] == [(2, "85_plus")]
        attention = needs_attention_items(db)
    kinds = {(a.source, a.state) for a in attention if a.record_id == visit_id}
    assert kinds == {("outbox", "conflict"), ("server", "held")}
    # nothing dropped on the server either: its version, and the laptop's kept aside
    with server.engine.connect() as conn:
        on_server = conn.execute(select(RecordRow.origin).where(
            RecordRow.record_id == visit_id, RecordRow.version == 2)).scalars().all()
        kept = conn.execute(select(HeldItem.status).where(
            HeldItem.record_id == visit_id)).scalars().all()
    assert on_server == ["server"] and kept == ["conflict"]
    check_invariants(server, [laptop])
    # a coordinator compares both, saves the right answers as a new version, and
    # clears the two lines; everything stays stored on both sides
    laptop.edit_visit(visit_id)
    with laptop.store.unit_of_work() as db:
        for item in attention:
            if item.source == "outbox":
                assert sync_repo.resolve_outbox_item(db, item.ref)
            else:
                assert sync_repo.resolve_held_version(db, item.ref, utc_now())
    result = laptop.sync()
    assert result.pending == 0 and result.needs_attention == 0, result
    assert visit_versions(laptop, visit_id)[-1][:3] == (3, "local", True)
    check_invariants(server, [laptop])


def test_roster_volunteers_wait_for_a_local_pin_which_is_never_overwritten(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("Pat")
    volunteer_id = admin.add_volunteer(server.engine, server.hub_id, "Sam Roster")
    laptop.sync()
    with laptop.store.unit_of_work() as db:
        sam = db.get(Volunteer, volunteer_id)
        assert sam is not None and not sam.active and sam.pin_hash == ""
    with laptop.store.unit_of_work() as db:
        volunteers.set_pin(db, laptop.actor, volunteer_id, "135790")
    with laptop.store.unit_of_work() as db:
        pin_hash = db.get(Volunteer, volunteer_id).pin_hash  # type: ignore[union-attr]

    def publish(data: dict[str, object]) -> None:
        with write_tx(server.engine) as conn:
            admin.upsert_reference(conn, "volunteers", volunteer_id, server.hub_id, {
                "id": volunteer_id, "hub_id": server.hub_id, "role": "volunteer", **data})

    publish({"display_name": "Sam Rostered", "active": True})
    laptop.sync()
    with laptop.store.unit_of_work() as db:
        sam = db.get(Volunteer, volunteer_id)
        assert sam is not None
        assert (sam.display_name, sam.active, sam.pin_hash) == ("Sam Rostered", True, pin_hash)
    with laptop.store.unit_of_work() as db:
        assert volunteers.unlock(db, "Sam Rostered", "135790").volunteer_id == volunteer_id
    publish({"display_name": "Sam Rostered", "active": False})
    laptop.sync()
    with laptop.store.unit_of_work() as db:
        sam = db.get(Volunteer, volunteer_id)
        assert sam is not None and not sam.active and sam.pin_hash == pin_hash
        coordinator = db.get(Volunteer, laptop.actor.volunteer_id)
        assert coordinator is not None and coordinator.active  # local people untouched
    assert PIN


def test_directory_and_erasure_tombstones(
    server: RunningServer, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    laptop = make_laptop("Pat")
    directory = tmp_path / "directory.json"
    directory.write_text(json.dumps([{
        "id": "svc-herts-mind", "name": "Herts Mind Network", "organisation": "Mind",
        "categories": ["mental_health"], "access": "self_refer", "phone": "02071234567",
        "last_verified": "2026-10-01",
    }]))
    admin.import_directory(server.engine, directory)
    erased_id = laptop.record_visit()
    kept_id = laptop.record_visit()
    laptop.sync()
    admin.erase_record(server.engine, "visit", erased_id)
    laptop.sync()
    with laptop.store.unit_of_work() as db:
        service = db.get(Service, "svc-herts-mind")
        assert service is not None and service.access == "self_refer"
        assert "mental" in service.search_text
        assert db.scalar(select(func.count()).select_from(Visit)
                         .where(Visit.record_id == erased_id)) == 0
        assert db.scalar(select(func.count()).select_from(Visit)
                         .where(Visit.record_id == kept_id)) == 1
        scrubbed = db.scalars(select(OutboxItem.payload)
                              .where(OutboxItem.record_id == erased_id)).all()
        assert scrubbed == [sync_repo.erased_payload("visit", erased_id, 1)]
