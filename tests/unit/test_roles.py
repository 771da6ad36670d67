"""Roles are enforced in the services (DESIGN §9), one test per rule: each call a
volunteer makes here would succeed if only the UI hid the button."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hubdesk.core.errors import ValidationError
from hubdesk.services import access, sessions, venues, visits, volunteers
from hubdesk.services.common import Actor, PermissionDenied
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent
from tests.conftest import COORDINATOR, VOLUNTEER_PIN, Hub

VOLUNTEER = "Val Volunteer"


@pytest.fixture
def val(store: Store, hub: Hub) -> Actor:
    with store.unit_of_work() as db:
        volunteers.add_volunteer(db, hub.actor, VOLUNTEER, VOLUNTEER_PIN)
    with store.unit_of_work() as db:
        return volunteers.unlock(db, VOLUNTEER, VOLUNTEER_PIN)


def _id_of(store: Store, name: str) -> str:
    with store.unit_of_work() as db:
        return next(v.id for v in volunteers.list_volunteers(db) if v.display_name == name)


def _actions(store: Store) -> list[tuple[str, str]]:
    with store.unit_of_work() as db:
        return [(e.action, e.entity_kind) for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_only_a_coordinator_adds_a_venue_and_it_is_audited(store: Store, hub: Hub, val: Actor) -> None:
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        venues.add_venue(db, val, "Central Library", "library")
    with store.unit_of_work() as db:
        venues.add_venue(db, hub.actor, "Central Library", "library")
    with store.unit_of_work() as db:
        assert [v.name for v in sessions.list_venues(db)].count("Central Library") == 1
    assert _actions(store)[-1] == ("create", "venue")


def test_only_a_coordinator_adds_volunteers(store: Store, hub: Hub, val: Actor) -> None:
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        volunteers.add_volunteer(db, val, "Sam Other", "222222")


def test_only_a_coordinator_renames_a_volunteer(store: Store, hub: Hub, val: Actor) -> None:
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        volunteers.rename_volunteer(db, val, val.volunteer_id, "Valerie")
    with store.unit_of_work() as db:
        volunteers.rename_volunteer(db, hub.actor, val.volunteer_id, "Valerie Volunteer")
    with store.unit_of_work() as db:
        assert volunteers.unlock(db, "Valerie Volunteer", VOLUNTEER_PIN).volunteer_id == val.volunteer_id


def test_only_a_coordinator_resets_another_volunteers_pin(store: Store, hub: Hub, val: Actor) -> None:
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        volunteers.set_pin(db, val, hub.actor.volunteer_id, "999999")
    with store.unit_of_work() as db:
        volunteers.set_pin(db, val, val.volunteer_id, "864209")  # their own: allowed
    with store.unit_of_work() as db:
        volunteers.set_pin(db, hub.actor, val.volunteer_id, "111111")
    with store.unit_of_work() as db:
        assert volunteers.unlock(db, VOLUNTEER, "111111").volunteer_id == val.volunteer_id


def test_only_a_coordinator_makes_a_coordinator_and_one_always_remains(
        store: Store, hub: Hub, val: Actor) -> None:
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        volunteers.set_role(db, val, val.volunteer_id, "coordinator")
    with pytest.raises(ValidationError, match="at least one coordinator"), store.unit_of_work() as db:
        volunteers.set_role(db, hub.actor, hub.actor.volunteer_id, "volunteer")
    with store.unit_of_work() as db:
        volunteers.set_role(db, hub.actor, val.volunteer_id, "coordinator")
    with store.unit_of_work() as db:
        assert volunteers.unlock(db, VOLUNTEER, VOLUNTEER_PIN).is_coordinator


def test_only_a_coordinator_deactivates_and_never_themselves(store: Store, hub: Hub, val: Actor) -> None:
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        volunteers.deactivate_volunteer(db, val, hub.actor.volunteer_id)
    with pytest.raises(ValidationError, match="yourself"), store.unit_of_work() as db:
        volunteers.deactivate_volunteer(db, hub.actor, hub.actor.volunteer_id)
    with store.unit_of_work() as db:
        volunteers.deactivate_volunteer(db, hub.actor, val.volunteer_id)
    from hubdesk.core.errors import AuthError

    with pytest.raises(AuthError), store.unit_of_work() as db:
        volunteers.unlock(db, VOLUNTEER, VOLUNTEER_PIN)


def test_only_a_coordinator_exports(store: Store, hub: Hub, val: Actor, tmp_path: Path) -> None:
    from datetime import date

    from hubdesk.reports.visit_rows import export_visits

    out = tmp_path / "visits.csv"
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        export_visits(db, val, date(2020, 1, 1), date(2100, 1, 1), out)
    assert not out.exists()
    with store.unit_of_work() as db:
        export_visits(db, hub.actor, date(2020, 1, 1), date(2100, 1, 1), out)
    assert out.exists() and _actions(store)[-1] == ("export", "visit")


def _visit_with_identity(store: Store, hub: Hub) -> str:
    form = visits.VisitForm(
        contact_mode="walk_in", topics=[visits.TopicAnswer("loneliness")],
        agreements=[visits.AgreementAnswer("follow_up", True)],
        preferred_name="Ada Testperson", contact="07700 900123",
        follow_up_due=None, note="Restricted note about Ada")
    with store.unit_of_work() as db:
        changes = visits.record_visit(db, hub.actor, hub.session_id, form)
    return changes.primary_id


def test_a_volunteer_sees_only_the_open_sessions_visits(store: Store, hub: Hub, val: Actor) -> None:
    visit_id = _visit_with_identity(store, hub)
    with store.unit_of_work() as db:
        assert [r.id for r in access.visible_visits(db, val)] == [visit_id]
        sessions.close_session(db, hub.actor, hub.session_id)
    with store.unit_of_work() as db:
        assert access.visible_visits(db, val) == []
        assert [r.id for r in access.visible_visits(db, hub.actor)] == [visit_id]
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        access.open_visit(db, val, visit_id)


def test_the_note_is_for_coordinators_and_a_volunteers_edit_keeps_it(
        store: Store, hub: Hub, val: Actor) -> None:
    visit_id = _visit_with_identity(store, hub)
    with store.unit_of_work() as db:
        seen_by_volunteer = access.open_visit(db, val, visit_id)
        opened_on = visits.visit_version(db, visit_id)
    assert seen_by_volunteer.note == "" and seen_by_volunteer.preferred_name == "Ada Testperson"
    seen_by_volunteer.age_band = "65_74"
    with store.unit_of_work() as db:
        access.save_visit_edit(db, val, visit_id, seen_by_volunteer, base_version=opened_on)
    with store.unit_of_work() as db:
        assert access.open_visit(db, hub.actor, visit_id).note == "Restricted note about Ada"
    views = [a for a in _actions(store) if a == ("view", "visit")]
    assert len(views) == 2  # each opening of identifying details is audited


def test_volunteers_list_is_for_everyone_but_names_only(store: Store, hub: Hub, val: Actor) -> None:
    with store.unit_of_work() as db:
        names = {v.display_name for v in volunteers.list_volunteers(db)}
    assert names == {COORDINATOR, VOLUNTEER}


def test_the_visit_note_stays_on_the_laptop_unless_the_council_syncs_it(store: Store, hub: Hub) -> None:
    from hubdesk.store.models import OutboxItem, Setting
    from hubdesk.store.outbox import SYNC_NOTE_SETTING

    first = _visit_with_identity(store, hub)
    with store.unit_of_work() as db:
        db.add(Setting(key=SYNC_NOTE_SETTING, value=True))
    second = _visit_with_identity(store, hub)
    with store.unit_of_work() as db:
        payloads = {item.record_id: item.payload for item in db.scalars(
            select(OutboxItem).where(OutboxItem.kind == "visit"))}
        kept = {v.record_id: v.note for v in db.scalars(select(visits.Visit))}
    assert payloads[first]["fields"]["note"] == ""  # never sent ...
    assert kept[first] == "Restricted note about Ada"  # ... but kept on the laptop
    assert payloads[second]["fields"]["note"] == "Restricted note about Ada"


def test_a_copy_from_the_server_keeps_this_laptops_note(store: Store, hub: Hub) -> None:
    """Another laptop's edit (or a merge with it) arrives with the note blank: the note
    recorded here stays (store/sync_repo.py, store/download_merge.py)."""
    from hubdesk.store.models import Setting
    from hubdesk.store.outbox import SYNC_NOTE_SETTING, keep_local_only_fields

    incoming, local = {"note": "", "age_band": "65_74"}, {"note": "Mine", "age_band": "50_64"}
    with store.unit_of_work() as db:
        keep_local_only_fields(db, "visit", incoming, local)
        assert incoming == {"note": "Mine", "age_band": "65_74"}
        keep_local_only_fields(db, "conversation", incoming, {"note": "other"})
        assert incoming["note"] == "Mine"  # only the visit's note is restricted
        db.add(Setting(key=SYNC_NOTE_SETTING, value=True))
    incoming = {"note": "", "age_band": "65_74"}
    with store.unit_of_work() as db:  # synced notes: the server's copy is the truth
        keep_local_only_fields(db, "visit", incoming, local)
    assert incoming["note"] == ""
