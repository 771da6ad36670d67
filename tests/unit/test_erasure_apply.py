"""A server's erasure applied on the laptop (``store.erasures``), on a migrated store:
a person's tombstone scrubs every copy of the records naming them, a copy not sent
yet goes without the details under its own hash, and a later copy of an erased
record from the changes feed is refused with nothing of it kept."""

from __future__ import annotations

from sqlalchemy import func, select, update

from hubdesk.core.clock import utc_now
from hubdesk.core.hashing import content_hash
from hubdesk.protocol.schemas import ChangeItem
from hubdesk.services import visits
from hubdesk.services.visit_form import AgreementAnswer, TopicAnswer, VisitForm
from hubdesk.store import erasures, sync_repo
from hubdesk.store.engine import Store
from hubdesk.store.models import Agreement, Draft, HeldServerVersion, OutboxItem, Person, Visit
from hubdesk.sync.status import needs_attention_items
from tests.conftest import Hub

NAME, PHONE, CODE = "Edna Quillfeather", "07700 900456", "Q8ZP"  # synthetic details


def _identified_visit(store: Store, hub: Hub) -> tuple[str, str]:
    form = VisitForm(contact_mode="walk_in", age_band="75_84", sex="female",
                     visitor_code=CODE, preferred_name=NAME, contact=PHONE,
                     topics=[TopicAnswer("money", "advise", "brief", "thinking", "leaflet")],
                     agreements=[AgreementAnswer("follow_up", True)])
    with store.unit_of_work() as db:
        visit_id = visits.record_visit(db, hub.actor, hub.session_id, form).primary_id
        person_id = db.scalar(select(Visit.person_id).where(Visit.record_id == visit_id))
    assert person_id is not None
    return visit_id, person_id


def _tombstone(kind: str, record_id: str) -> ChangeItem:
    return ChangeItem(kind=kind, record_id=record_id, version=1, tombstone=True)


def test_a_persons_tombstone_scrubs_every_copy_naming_them(store: Store, hub: Hub) -> None:
    visit_id, person_id = _identified_visit(store, hub)
    with store.unit_of_work() as db:  # an unfinished edit of the visit, autosaved
        db.add(Draft(id="draft-1", volunteer_id=hub.actor.volunteer_id, session_id=hub.session_id,
                     base_visit_id=visit_id, base_version=1,
                     form={"preferred_name": NAME, "contact": PHONE, "visitor_code": CODE,
                           "age_band": "75_84"}, updated_at=utc_now()))
    with store.unit_of_work() as db:
        counts = sync_repo.apply_change_items(db, [_tombstone("person", person_id)], utc_now())
    assert counts["erased"] == 1

    with store.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(Person)) == 0
        visit = db.scalar(select(Visit).where(Visit.record_id == visit_id))
        assert visit is not None
        assert (visit.person_id, visit.visitor_code) == (None, None)
        assert (visit.age_band, visit.topics) == ("75_84", ["money"])  # anonymous part stays
        assert db.scalar(select(func.count()).select_from(Agreement)
                         .where(Agreement.person_id.is_not(None))) == 0
        queued = db.scalars(select(OutboxItem).order_by(OutboxItem.seq)).all()
        for item in queued:
            assert NAME not in str(item.payload) and PHONE not in str(item.payload)
            assert CODE not in str(item.payload)
            if item.kind != "person":
                # not sent yet: it goes without the details, under the hash of what goes
                assert item.content_hash == content_hash(item.payload)
        draft = db.get(Draft, "draft-1")
        assert draft is not None and draft.form["age_band"] == "75_84"
        assert NAME not in str(draft.form) and PHONE not in str(draft.form)
        # nothing was sent, so nothing of the visit was lost: no one needs to look
        assert [item.state for item in queued if item.kind == "visit"] == ["pending"]
        assert sync_repo.outbox_counts(db).needs_attention == 1  # the person's unsent copy


def test_a_later_copy_of_an_erased_record_is_refused_and_nothing_kept(
        store: Store, hub: Hub) -> None:
    visit_id, _ = _identified_visit(store, hub)
    with store.unit_of_work() as db:
        visit_payload = dict(db.scalars(select(OutboxItem.payload).where(
            OutboxItem.kind == "visit", OutboxItem.record_id == visit_id)).one())
        db.execute(update(OutboxItem).values(state="sent"))  # as after a sync
        db.add(Draft(id="draft-2", volunteer_id=hub.actor.volunteer_id, session_id=hub.session_id,
                     base_visit_id=visit_id, base_version=1,
                     form={"preferred_name": NAME, "age_band": "75_84"}, updated_at=utc_now()))
    with store.unit_of_work() as db:
        sync_repo.apply_change_items(db, [_tombstone("visit", visit_id)], utc_now())
        assert db.get(Draft, "draft-2") is None  # an unfinished edit of it goes too
    late = {**visit_payload, "version": 2, "base_version": 1,
            "fields": {**visit_payload["fields"], "age_band": "85_plus"}}
    with store.unit_of_work() as db:
        counts = sync_repo.apply_change_items(db, [ChangeItem.model_validate(
            {"kind": "visit", "record_id": visit_id, "version": 2, "payload": late})], utc_now())
        assert counts["refused"] == 1
        assert db.scalar(select(func.count()).select_from(Visit)
                         .where(Visit.record_id == visit_id)) == 0
        assert erasures.erased_here(db, "visit", visit_id)
        # kept nowhere: no held copy carries it, and no one is asked about it
        assert sync_repo.outbox_counts(db).needs_attention == 0
        held = [h.payload for h in db.scalars(select(HeldServerVersion))]
        assert held == [None]


def test_a_held_server_version_of_an_erased_record_leaves_the_list(store: Store, hub: Hub) -> None:
    """A server copy held for a coordinator, then the record's erasure: nothing is left
    to compare, so nothing is listed (and the held copy keeps no content)."""
    visit_id, _ = _identified_visit(store, hub)
    with store.unit_of_work() as db:
        db.execute(update(OutboxItem).values(state="sent"))  # as after a sync
        payload = dict(db.scalars(select(OutboxItem.payload).where(
            OutboxItem.kind == "visit", OutboxItem.record_id == visit_id)).one())
        other = {**payload, "fields": {**payload["fields"], "age_band": "85_plus"}}
        counts = sync_repo.apply_change_items(db, [ChangeItem.model_validate(
            {"kind": "visit", "record_id": visit_id, "version": 1, "payload": other})], utc_now())
        assert counts["held"] == 1
        assert [(i.kind, i.state) for i in needs_attention_items(db)] == [("visit", "held")]
    with store.unit_of_work() as db:
        sync_repo.apply_change_items(db, [_tombstone("visit", visit_id)], utc_now())
        assert needs_attention_items(db) == []
        kept = [h.payload for h in db.scalars(select(HeldServerVersion).where(
            HeldServerVersion.record_id == visit_id))]
        assert kept == [None, None]  # the held copy, emptied, and the erasure itself
