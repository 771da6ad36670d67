"""Issue 7, record integrity: stale edits merge, clashes are kept, agreements are
withdrawn, drafts keep their base, input is never rewritten (services, real store)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import NotFoundError, ValidationError
from hubdesk.protocol.schemas import ChangeItem
from hubdesk.services import conflicts, visits, volunteers
from hubdesk.services.common import Actor, PermissionDenied
from hubdesk.services.visits import AgreementAnswer, VisitForm
from hubdesk.store import sync_repo
from hubdesk.store.engine import Store
from hubdesk.store.models import Agreement, AuditEvent, OutboxItem, Person, RecordConflict, Visit
from tests.conftest import VOLUNTEER_PIN, Hub
from tests.unit.test_visits import standard_form


def record(store: Store, hub: Hub, form: VisitForm | None = None) -> str:
    with store.unit_of_work() as db:
        return visits.record_visit(db, hub.actor, hub.session_id,
                                   form or standard_form(store)).primary_id


def open_form(store: Store, visit_id: str) -> tuple[VisitForm, int]:
    """What the capture form holds when a visit is opened: the form and its version."""
    with store.unit_of_work() as db:
        return visits.get_visit_form(db, visit_id), visits.visit_version(db, visit_id)


def save(store: Store, actor: Actor, visit_id: str, form: VisitForm, base: int) -> set[str]:
    with store.unit_of_work() as db:
        return visits.edit_visit(db, actor, visit_id, form, base_version=base).kinds


def opened_then_changed_meanwhile(store: Store, hub: Hub, visit_id: str,
                                  **changes: object) -> tuple[VisitForm, int]:
    """A form opened on the current version; then the coordinator saves ``changes``
    from another copy of it.  Returns the now stale form and its base version."""
    stale, base = open_form(store, visit_id)
    newer, _ = open_form(store, visit_id)
    for name, value in changes.items():
        setattr(newer, name, value)
    save(store, hub.actor, visit_id, newer, base)
    return stale, base


def current(store: Store, visit_id: str) -> Visit:
    with store.unit_of_work() as db:
        return db.scalars(select(Visit).where(Visit.record_id == visit_id,
                                              Visit.is_current.is_(True))).one()


@pytest.fixture
def volunteer(store: Store, hub: Hub) -> Actor:
    with store.unit_of_work() as db:
        volunteers.add_volunteer(db, hub.actor, "Sam Volunteer", VOLUNTEER_PIN, "volunteer")
    with store.unit_of_work() as db:
        return volunteers.unlock(db, "Sam Volunteer", VOLUNTEER_PIN)


def test_a_stale_edit_merges_instead_of_reverting_newer_changes(
        store: Store, hub: Hub, volunteer: Actor) -> None:
    visit_id = record(store, hub)
    stale, base = open_form(store, visit_id)  # a volunteer opens version 1 ...
    newer, _ = open_form(store, visit_id)
    newer.age_band = "85_plus"  # ... meanwhile the coordinator saves version 2
    save(store, hub.actor, visit_id, newer, base)
    stale.sex = "male"  # the volunteer changes another field and saves
    kinds = save(store, volunteer, visit_id, stale, base)
    assert "conflict" not in kinds
    visit = current(store, visit_id)
    assert (visit.version, visit.base_version) == (3, 2)
    assert (visit.age_band, visit.sex) == ("85_plus", "male")  # neither change lost
    with store.unit_of_work() as db:
        assert conflicts.list_conflicts(db, hub.actor) == []
        detail = db.scalars(select(AuditEvent.detail).where(AuditEvent.action == "edit")
                            .order_by(AuditEvent.id.desc())).first()
    assert detail == "version 3, merged from version 1"


def test_a_stale_edit_keeps_a_signpost_and_topic_added_meanwhile(store: Store, hub: Hub) -> None:
    visit_id = record(store, hub)
    with store.unit_of_work() as db:
        fewer_topics = visits.get_visit_form(db, visit_id).topics[:1]
    # the coordinator removes a topic and the signpost meanwhile
    stale, base = opened_then_changed_meanwhile(store, hub, visit_id, topics=fewer_topics,
                                                signposts=[])
    stale.note = "Came with her neighbour"
    save(store, hub.actor, visit_id, stale, base)
    with store.unit_of_work() as db:
        form = visits.get_visit_form(db, visit_id)
    assert [t.topic for t in form.topics] == ["mental_wellbeing"]
    assert form.signposts == [] and form.note == "Came with her neighbour"


def test_the_same_field_changed_on_both_sides_keeps_both_for_a_coordinator(
        store: Store, hub: Hub, volunteer: Actor) -> None:
    visit_id = record(store, hub)
    stale, base = opened_then_changed_meanwhile(store, hub, visit_id, age_band="85_plus")
    stale.age_band, stale.sex = "75_84", "male"
    kinds = save(store, volunteer, visit_id, stale, base)
    assert "conflict" in kinds
    visit = current(store, visit_id)
    assert (visit.version, visit.age_band, visit.sex) == (3, "85_plus", "male")
    with store.unit_of_work() as db, pytest.raises(PermissionDenied):
        conflicts.list_conflicts(db, volunteer)
    with store.unit_of_work() as db:
        [conflict] = conflicts.list_conflicts(db, hub.actor)
    assert conflict.title.startswith("Visit at ")
    assert conflict.title.endswith(" · Lunch club, St Mary's Hall")
    assert (conflict.this_laptop_by, conflict.other_by) == ("Sam Volunteer", "Pat Coordinator")
    assert [(f.name, f.label, f.this_laptop, f.other) for f in conflict.fields] == [
        ("age_band", "Age band", "75–84", "85+")]
    with store.unit_of_work() as db, pytest.raises(PermissionDenied):
        conflicts.resolve_conflict(db, volunteer, conflict.id,
                                   {"age_band": conflicts.KEEP_THIS_LAPTOP})
    with store.unit_of_work() as db, pytest.raises(ValidationError):
        conflicts.resolve_conflict(db, hub.actor, conflict.id, {})
    with store.unit_of_work() as db:
        changes = conflicts.resolve_conflict(db, hub.actor, conflict.id,
                                             {"age_band": conflicts.KEEP_THIS_LAPTOP})
    assert {"visit", "conflict"} <= changes.kinds
    visit = current(store, visit_id)
    assert (visit.version, visit.age_band, visit.sex) == (4, "75_84", "male")
    with store.unit_of_work() as db:
        assert conflicts.list_conflicts(db, hub.actor) == []
        queued = db.scalar(select(OutboxItem.state).where(
            OutboxItem.record_id == visit_id, OutboxItem.version == 4))
        resolved = db.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "resolve")).all()
        with pytest.raises(NotFoundError):
            conflicts.resolve_conflict(db, hub.actor, conflict.id,
                                       {"age_band": conflicts.KEEP_OTHER})
    assert queued == "pending"  # the choice travels to the server like any edit
    assert resolved == [f"conflict {conflict.id}: 1 fields, 1 kept from this laptop, version 4"]


def test_a_stale_edit_whose_only_change_clashes_still_keeps_it(
        store: Store, hub: Hub, volunteer: Actor) -> None:
    visit_id = record(store, hub)
    stale, base = opened_then_changed_meanwhile(store, hub, visit_id, age_band="85_plus")
    stale.age_band = "75_84"  # the one change this laptop made clashes
    assert save(store, volunteer, visit_id, stale, base) == {"conflict"}
    assert current(store, visit_id).version == 2  # nothing new to save yet ...
    with store.unit_of_work() as db:  # ... but the volunteer's answer is not dropped
        [conflict] = conflicts.list_conflicts(db, hub.actor)
    assert [(f.this_laptop, f.other) for f in conflict.fields] == [("75–84", "85+")]
    with store.unit_of_work() as db:
        conflicts.resolve_conflict(db, hub.actor, conflict.id,
                                   {"age_band": conflicts.KEEP_THIS_LAPTOP})
    visit = current(store, visit_id)
    assert (visit.version, visit.age_band) == (3, "75_84")


def identified_form(store: Store) -> VisitForm:
    form = standard_form(store)
    form.preferred_name, form.contact = "Jean", "07700 900123"
    form.agreements = [AgreementAnswer("follow_up", True), AgreementAnswer("share_partner", True)]
    return form


def agreements(store: Store, visit_id: str) -> dict[str, tuple[bool, bool, str]]:
    """purpose -> (given, withdrawn, who made the current version)"""
    with store.unit_of_work() as db:
        rows = db.scalars(select(Agreement).where(Agreement.visit_id == visit_id,
                                                  Agreement.is_current.is_(True))).all()
        return {a.purpose: (a.given, a.withdrawn_at is not None, a.created_by) for a in rows}


def test_an_unticked_or_left_out_purpose_is_withdrawn_and_identity_cleared(
        store: Store, hub: Hub, volunteer: Actor) -> None:
    visit_id = record(store, hub, identified_form(store))
    form, base = open_form(store, visit_id)
    # "share" unticked; "follow-up" left out of the list altogether: never assumed
    form.agreements = [AgreementAnswer("share_partner", False)]
    form.preferred_name = form.contact = ""
    save(store, volunteer, visit_id, form, base)
    assert agreements(store, visit_id) == {
        "follow_up": (False, True, volunteer.volunteer_id),
        "share_partner": (False, True, volunteer.volunteer_id)}
    with store.unit_of_work() as db:
        people = db.scalars(select(Person).where(Person.is_current.is_(True))).all()
        assert [(p.preferred_name, p.contact, p.deleted) for p in people] == [("", "", True)]
    assert current(store, visit_id).person_id is None


def test_a_restored_draft_keeps_its_base_and_every_purpose(store: Store, hub: Hub) -> None:
    visit_id = record(store, hub, identified_form(store))
    # someone saves version 2 while this form is open
    form, base = opened_then_changed_meanwhile(store, hub, visit_id, age_band="85_plus")
    form.agreements = [AgreementAnswer("follow_up", False), AgreementAnswer("share_partner", False)]
    form.preferred_name = form.contact = ""
    with store.unit_of_work() as db:  # the laptop is closed with the edit unfinished
        visits.save_draft(db, hub.actor, form.to_dict(), session_id=hub.session_id,
                          base_visit_id=visit_id, base_version=base)
    with store.unit_of_work() as db:
        draft = visits.load_draft(db, hub.actor)
    assert draft is not None and (draft.base_visit_id, draft.base_version) == (visit_id, 1)
    restored = VisitForm.from_dict(draft.form)
    assert [(a.purpose, a.given) for a in restored.agreements] == [
        ("follow_up", False), ("share_partner", False)]
    assert draft.base_version is not None
    save(store, hub.actor, visit_id, restored, draft.base_version)
    assert agreements(store, visit_id) == {
        "follow_up": (False, True, hub.actor.volunteer_id),
        "share_partner": (False, True, hub.actor.volunteer_id)}
    visit = current(store, visit_id)
    assert (visit.version, visit.age_band, visit.person_id) == (3, "85_plus", None)


@pytest.mark.parametrize("typed", ["SG2 7", "SG1 2AB", "2SG", "SG"])
def test_a_postcode_district_that_is_not_one_is_refused_never_rewritten(
        store: Store, hub: Hub, typed: str) -> None:
    form = standard_form(store)
    form.postcode_district = typed
    with pytest.raises(ValidationError) as refused, store.unit_of_work() as db:
        visits.record_visit(db, hub.actor, hub.session_id, form)
    assert refused.value.field_errors == {
        "postcode_district": "Enter only the first half of the postcode, like SG1."}
    with store.unit_of_work() as db:
        assert db.scalars(select(Visit)).all() == []  # nothing saved


def test_a_postcode_district_is_kept_as_typed_apart_from_case(store: Store, hub: Hub) -> None:
    form = standard_form(store)
    form.postcode_district = " sg12 "
    visit_id = record(store, hub, form)
    assert current(store, visit_id).postcode_district == "SG12"


def test_an_erasure_reaches_the_answers_kept_aside(store: Store, hub: Hub) -> None:
    """Right to erasure: a person's name and contact kept in a conflict go with them."""
    visit_id = record(store, hub, identified_form(store))
    stale, base = opened_then_changed_meanwhile(store, hub, visit_id, contact="07700 900111",
                                                age_band="85_plus")
    stale.contact, stale.age_band = "07700 900999", "75_84"
    save(store, hub.actor, visit_id, stale, base)
    with store.unit_of_work() as db:
        [conflict] = conflicts.list_conflicts(db, hub.actor)
    assert [f.name for f in conflict.fields] == ["age_band", "contact"]
    person_id = current(store, visit_id).person_id
    assert person_id is not None
    with store.unit_of_work() as db:
        db.execute(update(OutboxItem).values(state="sent"))  # as after a sync
        sync_repo.apply_change_items(db, [ChangeItem(kind="person", record_id=person_id,
                                                     version=9, tombstone=True)], utc_now())
    with store.unit_of_work() as db:
        [left] = conflicts.list_conflicts(db, hub.actor)
        stored = db.get(RecordConflict, left.id)
        assert stored is not None and "07700" not in str(stored.fields)
    assert [f.name for f in left.fields] == ["age_band"]
