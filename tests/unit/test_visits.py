"""Recording and editing visits through the services, on a migrated database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hubdesk.core.errors import ValidationError
from hubdesk.services import directory, sessions, visits
from hubdesk.services.visits import AgreementAnswer, SignpostAnswer, TopicAnswer, VisitForm
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent, Conversation, OutboxItem, Visit
from tests.conftest import Hub


def standard_form(store: Store) -> VisitForm:
    with store.unit_of_work() as db:
        mind = directory.search_directory(db, "mind infoline")[0]
    return VisitForm(
        contact_mode="walk_in", age_band="65_74", sex="female", first_visit=True,
        topics=[TopicAnswer("mental_wellbeing", "advise", "brief", "thinking", "signposted"),
                TopicAnswer("loneliness", "assist", "brief", "made_plan", "warm_handover")],
        signposts=[SignpostAnswer(mind.id, "signpost", "mental_wellbeing")],
    )


def test_record_visit_finalises_every_record_with_gap_free_sequence(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        changes = visits.record_visit(db, hub.actor, hub.session_id, standard_form(store))
    assert changes.kinds == {"visit", "conversation", "outcome"}
    with store.unit_of_work() as db:
        seqs = list(db.scalars(select(OutboxItem.seq).order_by(OutboxItem.seq)))
        assert seqs == list(range(1, 5))  # visit + 2 conversations + 1 outcome
        rows = visits.list_visits(db)
        assert [(r.age_band, r.sex, r.topics, r.signposts) for r in rows] == [
            ("65_74", "female", ("mental_wellbeing", "loneliness"), 1)]
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "create", AuditEvent.entity_kind == "visit")) == 1


def test_edit_makes_new_versions_and_keeps_the_old(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        visit_id = visits.record_visit(db, hub.actor, hub.session_id, standard_form(store)).primary_id
    form = standard_form(store)
    form.age_band = "75_84"
    form.topics = form.topics[:1]  # loneliness removed
    form.signposts = []
    with store.unit_of_work() as db:
        changes = visits.edit_visit(db, hub.actor, visit_id, form, base_version=1)
    assert {"visit", "conversation", "outcome"} <= changes.kinds
    with store.unit_of_work() as db:
        versions = db.execute(select(Visit.version, Visit.age_band, Visit.is_current)
                              .where(Visit.record_id == visit_id).order_by(Visit.version)).all()
        assert [tuple(v) for v in versions] == [(1, "65_74", False), (2, "75_84", True)]
        assert visits.get_visit_form(db, visit_id).topics[0].topic == "mental_wellbeing"
        deleted = db.scalar(select(func.count()).select_from(Conversation)
                            .where(Conversation.deleted, Conversation.is_current))
        assert deleted == 1
        seqs = list(db.scalars(select(OutboxItem.seq).order_by(OutboxItem.seq)))
        assert seqs == list(range(1, len(seqs) + 1))


def test_unchanged_edit_writes_nothing(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        visit_id = visits.record_visit(db, hub.actor, hub.session_id, standard_form(store)).primary_id
    with store.unit_of_work() as db:
        form = visits.get_visit_form(db, visit_id)
        assert not visits.edit_visit(db, hub.actor, visit_id, form, base_version=1).kinds


def test_identity_needs_agreement(store: Store, hub: Hub) -> None:
    form = standard_form(store)
    form.preferred_name = "Jean"
    form.contact = "07700 900123"
    with pytest.raises(ValidationError) as raised, store.unit_of_work() as db:
        visits.record_visit(db, hub.actor, hub.session_id, form)
    assert "agreements" in raised.value.field_errors
    form.agreements = [AgreementAnswer("follow_up", True)]
    with store.unit_of_work() as db:
        changes = visits.record_visit(db, hub.actor, hub.session_id, form)
    assert "person" in changes.kinds
    with store.unit_of_work() as db:
        saved = visits.get_visit_form(db, changes.primary_id)  # the visit's id comes first
    assert (saved.preferred_name, saved.contact) == ("Jean", "07700 900123")


def test_bad_input_names_each_field(store: Store, hub: Hub) -> None:
    form = VisitForm(contact_mode="", visitor_code="x", postcode_district="SG1 2AB", note="n" * 600)
    with pytest.raises(ValidationError) as raised, store.unit_of_work() as db:
        visits.record_visit(db, hub.actor, hub.session_id, form)
    assert {"contact_mode", "visitor_code", "postcode_district", "note"} <= set(raised.value.field_errors)


def test_close_session_counts(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        visits.record_visit(db, hub.actor, hub.session_id, standard_form(store))
        sessions.add_headcount(db, hub.actor, hub.session_id)
        sessions.add_headcount(db, hub.actor, hub.session_id)
        sessions.set_activity(db, hub.actor, hub.session_id, "Chair yoga", 9, 0)
    with store.unit_of_work() as db:
        summary = sessions.close_session(db, hub.actor, hub.session_id)
    assert (summary.visits, summary.session.headcount, summary.people_engaged) == (1, 2, 3)
    assert summary.topics == {"mental_wellbeing": 1, "loneliness": 1}
    assert summary.signposts == {"signpost": 1}
    assert summary.activity_attendance == 9
    with store.unit_of_work() as db:
        assert db.scalar(select(OutboxItem.kind).order_by(OutboxItem.seq.desc()).limit(1)) == "session"


def test_wrong_pins_are_counted_and_lock_out(store: Store, hub: Hub,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timedelta

    from hubdesk.core.errors import AuthError
    from hubdesk.services import volunteers
    from tests.conftest import COORDINATOR, PIN

    now = [datetime(2026, 12, 1, 10, 0)]
    monkeypatch.setattr(volunteers, "utc_now", lambda: now[0])
    for attempt in range(volunteers.MAX_ATTEMPTS):
        with pytest.raises(AuthError, match="do not match"), store.unit_of_work() as db:
            volunteers.unlock(db, COORDINATOR, "000000")
        if attempt == 2:  # the third wrong PIN in a row makes the next try wait
            with pytest.raises(AuthError, match="Try again in 5 seconds"), store.unit_of_work() as db:
                volunteers.unlock(db, COORDINATOR, PIN)
        now[0] += timedelta(seconds=20)
    with pytest.raises(AuthError) as raised, store.unit_of_work() as db:
        volunteers.unlock(db, COORDINATOR, PIN)  # right PIN, but locked out now
    assert "Too many wrong PINs" in str(raised.value)
    with store.unit_of_work() as db:
        failed = db.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.action == "failed_login"))
    assert failed == volunteers.MAX_ATTEMPTS
