"""Downloads by cursor: coordinator edits, held versions, roster, directory, erasure."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hubdesk.server import admin
from hubdesk.server.db import write_tx
from hubdesk.server.models import HeldItem, RecordRow
from hubdesk.services import conflicts, visits, volunteers
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


def synced_then_edited_on_the_server(server: RunningServer, laptop: Laptop,
                                     **changes: object) -> str:
    """A visit recorded and sent; then a coordinator changes it on the server."""
    visit_id = laptop.record_visit()
    laptop.sync()
    admin.edit_record(server.engine, "visit", visit_id, changes)
    return visit_id


def edit_fields(laptop: Laptop, visit_id: str, **values: object) -> None:
    """A volunteer's edit of the current version, as the capture form saves it."""
    with laptop.store.unit_of_work() as db:
        version = visits.visit_version(db, visit_id)
        form = visits.get_visit_form(db, visit_id)
        for name, value in values.items():
            setattr(form, name, value)
        visits.edit_visit(db, laptop.actor, visit_id, form, base_version=version)


def server_latest(server: RunningServer, visit_id: str) -> tuple[int, str, dict[str, object]]:
    with server.engine.connect() as conn:
        row = conn.execute(select(RecordRow.version, RecordRow.content_hash, RecordRow.payload)
                           .where(RecordRow.record_id == visit_id)
                           .order_by(RecordRow.version.desc()).limit(1)).one()
    payload = json.loads(row.payload) if isinstance(row.payload, str) else row.payload
    return row.version, row.content_hash, payload["fields"]


def laptop_current(laptop: Laptop, visit_id: str) -> tuple[int, str | None, Visit]:
    with laptop.store.unit_of_work() as db:
        visit = db.scalars(select(Visit).where(Visit.record_id == visit_id,
                                               Visit.is_current.is_(True))).one()
        return visit.version, visit.content_hash, visit


def test_download_merges_with_unsent_local_work_field_by_field(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("Pat")
    visit_id = synced_then_edited_on_the_server(server, laptop, age_band="85_plus")
    edit_fields(laptop, visit_id, sex="prefer_not")  # version 2 here, not yet sent
    result = laptop.sync()
    assert result.completed and result.pending == 0 and result.needs_attention == 0, result
    # both changes survive in one new version, made here on top of the server's
    version, digest, visit = laptop_current(laptop, visit_id)
    assert (version, visit.base_version, visit.origin) == (3, 2, "local")
    assert (visit.age_band, visit.sex) == ("85_plus", "prefer_not")
    # ... and the server holds exactly that version: laptop and server agree
    assert server_latest(server, visit_id)[:2] == (3, digest)
    with laptop.store.unit_of_work() as db:
        held = db.scalars(select(HeldServerVersion)
                          .where(HeldServerVersion.record_id == visit_id)).all()
        assert [(h.version, h.resolved_at is not None) for h in held] == [(2, True)]
        assert conflicts.list_conflicts(db, laptop.actor) == []
        assert needs_attention_items(db) == []
    # nothing dropped on the server: the laptop's version 2 is kept beside the server's
    with server.engine.connect() as conn:
        kept = conn.execute(select(HeldItem.status).where(
            HeldItem.record_id == visit_id)).scalars().all()
    assert kept == ["conflict"]
    check_invariants(server, [laptop])
    assert laptop.sync().sent == 0  # settled: re-running sync changes nothing


def test_same_field_changed_on_both_sides_is_kept_for_a_coordinator_and_resolved(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("Pat")
    visit_id = synced_then_edited_on_the_server(server, laptop, age_band="85_plus")
    edit_fields(laptop, visit_id, age_band="35_49", sex="prefer_not")
    result = laptop.sync()
    assert result.completed and result.pending == 0, result
    version, _digest, visit = laptop_current(laptop, visit_id)
    # the clash keeps the server's value in the record; the laptop's is kept aside
    assert (version, visit.age_band, visit.sex) == (3, "85_plus", "prefer_not")
    with laptop.store.unit_of_work() as db:
        [conflict] = conflicts.list_conflicts(db, laptop.actor)
    assert [(f.name, f.label, f.this_laptop, f.other) for f in conflict.fields] == [
        ("age_band", "Age band", "35–49", "85+")]
    assert conflict.this_laptop_by == "Pat"
    with laptop.store.unit_of_work() as db:
        conflicts.resolve_conflict(db, laptop.actor, conflict.id,
                                   {"age_band": conflicts.KEEP_THIS_LAPTOP})
    result = laptop.sync()
    assert result.completed and result.pending == 0 and result.needs_attention == 0, result
    version, digest, visit = laptop_current(laptop, visit_id)
    assert (version, visit.age_band, visit.sex) == (4, "35_49", "prefer_not")
    assert server_latest(server, visit_id)[:2] == (4, digest)  # reconciled
    with laptop.store.unit_of_work() as db:
        assert conflicts.list_conflicts(db, laptop.actor) == []
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
