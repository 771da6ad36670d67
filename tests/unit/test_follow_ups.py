"""Follow-ups as a service: the coordinator's list by the hub's day, the agreed contact
shown only to coordinators while the agreement stands (audited), and an attempt or a
result written as new versions of the follow-up and its signposting outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hubdesk.core.errors import ValidationError
from hubdesk.services import follow_ups, visits
from hubdesk.services.common import Actor, PermissionDenied
from hubdesk.services.follow_ups import FollowUpAnswer
from hubdesk.services.status import status_counts
from hubdesk.services.time_zone import hub_today_for
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent, FollowUp, OutboxItem, SignpostingOutcome
from tests.conftest import Hub
from tests.follow_up_visits import CONTACT, NAME, record_follow_up_visit


def _follow_up(store: Store, hub: Hub, days_from_today: int, services: int = 1) -> str:
    with store.unit_of_work() as db:
        due = hub_today_for(db) + timedelta(days=days_from_today)
        return record_follow_up_visit(db, hub.actor, hub.session_id, due, services=services)


def test_the_list_sorts_overdue_due_and_coming_up_by_the_hub_day(store: Store, hub: Hub) -> None:
    later = _follow_up(store, hub, 3)
    overdue = _follow_up(store, hub, -2)
    today = _follow_up(store, hub, 0)
    with store.unit_of_work() as db:
        found = follow_ups.list_follow_ups(db, hub.actor)
        assert [(row.id, row.state) for row in found.rows] == [
            (overdue, "overdue"), (today, "due"), (later, "upcoming")]
        assert (found.overdue, found.due) == (1, 1)
        row = found.rows[0]
        assert row.has_contact and row.attempts == 0 and row.place == "Lunch club, St Mary's Hall"
        assert [s.status for s in row.signposts] == ["offered"]
        assert NAME not in repr(found) and CONTACT not in repr(found)  # no personal data listed
        assert follow_ups.count_due(db) == 2
        assert status_counts(db).follow_ups_due == 2
        assert follow_ups.list_follow_ups(db, hub.actor, done=True).rows == ()


def test_only_a_coordinator_sees_the_list_or_the_contact(store: Store, hub: Hub, val: Actor) -> None:
    follow_up_id = _follow_up(store, hub, 0)
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        follow_ups.list_follow_ups(db, val)
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        follow_ups.show_contact(db, val, follow_up_id)
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        follow_ups.record_follow_up(db, val, follow_up_id, FollowUpAnswer("x", done=True),
                                    base_version=1)


def test_showing_the_contact_is_audited_and_stops_once_agreement_is_withdrawn(
        store: Store, hub: Hub) -> None:
    follow_up_id = _follow_up(store, hub, 0)
    with store.unit_of_work() as db:
        shown = follow_ups.show_contact(db, hub.actor, follow_up_id)
        assert (shown.preferred_name, shown.contact) == (NAME, CONTACT)
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "view",
                                                    AuditEvent.entity_id == follow_up_id)).one()
        assert event.actor_id == hub.actor.volunteer_id and CONTACT not in event.detail
        visit_id = db.scalars(select(FollowUp.visit_id)
                              .where(FollowUp.record_id == follow_up_id)).one()
    with store.unit_of_work() as db:  # the person withdraws: the details stay, unseen
        form = visits.get_visit_form(db, visit_id)
        form.agreements = [a for a in form.agreements if a.purpose != "follow_up"]
        form.follow_up_due = None
        form.agreements.append(visits.AgreementAnswer("share_partner", True))
        visits.edit_visit(db, hub.actor, visit_id, form, base_version=1)
    with pytest.raises(PermissionDenied, match="withdrawn"), store.unit_of_work() as db:
        follow_ups.show_contact(db, hub.actor, follow_up_id)
    with store.unit_of_work() as db:
        views = db.scalars(select(AuditEvent).where(AuditEvent.action == "view")).all()
        assert len(views) == 1


def test_an_attempt_and_a_result_are_new_versions_of_the_follow_up_and_outcome(
        store: Store, hub: Hub) -> None:
    follow_up_id = _follow_up(store, hub, -1, services=2)
    with store.unit_of_work() as db:
        row = follow_ups.list_follow_ups(db, hub.actor).rows[0]
        chosen = row.signposts[1]
        next_try = hub_today_for(db) + timedelta(days=2)
        follow_ups.record_follow_up(db, hub.actor, follow_up_id,
                                    FollowUpAnswer("No answer", next_due=next_try), base_version=1)
    with store.unit_of_work() as db:
        current = db.scalars(select(FollowUp).where(FollowUp.is_current)).one()
        assert (current.version, current.attempts, current.done, current.due_date) == (
            2, 1, False, next_try)
        assert follow_ups.count_due(db) == 0  # moved to another day
        changes = follow_ups.record_follow_up(
            db, hub.actor, follow_up_id,
            FollowUpAnswer("Went to the foodbank", done=True, outcome_id=chosen.outcome_id,
                           status="engaged"), base_version=2)
        assert changes.kinds == {"follow_up", "outcome"}
    with store.unit_of_work() as db:
        versions = db.scalars(select(FollowUp).order_by(FollowUp.version)).all()
        assert [(v.version, v.attempts, v.done, v.is_current) for v in versions] == [
            (1, 0, False, False), (2, 1, False, False), (3, 2, True, True)]
        assert versions[0].result is None  # the first version is untouched
        outcomes = db.scalars(select(SignpostingOutcome).where(
            SignpostingOutcome.record_id == chosen.outcome_id)
            .order_by(SignpostingOutcome.version)).all()
        assert [(o.version, o.status, o.is_current) for o in outcomes] == [
            (1, "offered", False), (2, "engaged", True)]
        other = db.scalars(select(SignpostingOutcome).where(
            SignpostingOutcome.record_id == row.signposts[0].outcome_id)).all()
        assert [o.status for o in other] == ["offered"]  # the other signpost is left alone
        queued = db.scalars(select(OutboxItem.kind).where(OutboxItem.record_id.in_(
            [follow_up_id, chosen.outcome_id])).order_by(OutboxItem.seq)).all()
        assert queued == ["outcome", "follow_up", "follow_up", "follow_up", "outcome"]
        done = follow_ups.list_follow_ups(db, hub.actor, done=True).rows
        assert [(r.id, r.state, r.result) for r in done] == [
            (follow_up_id, "done", "Went to the foodbank")]


@pytest.mark.parametrize(("answer", "field"), [
    (FollowUpAnswer("", done=True), "result"),
    (FollowUpAnswer("x" * 301), "result"),
    (FollowUpAnswer("ok", done=True, status="accepted"), "status"),
    (None, "next_due"),  # try again yesterday
])
def test_bad_answers_are_refused_and_nothing_is_written(store: Store, hub: Hub,
                                                        answer: FollowUpAnswer | None,
                                                        field: str) -> None:
    follow_up_id = _follow_up(store, hub, 0)
    if answer is None:
        with store.unit_of_work() as db:
            answer = FollowUpAnswer("later", next_due=hub_today_for(db) - timedelta(days=1))
    with pytest.raises(ValidationError) as refused, store.unit_of_work() as db:
        follow_ups.record_follow_up(db, hub.actor, follow_up_id, answer, base_version=1)
    assert list(refused.value.field_errors) == [field]
    with store.unit_of_work() as db:
        assert db.scalars(select(FollowUp.version)).all() == [1]


def test_a_stale_version_is_refused(store: Store, hub: Hub) -> None:
    follow_up_id = _follow_up(store, hub, 0)
    with store.unit_of_work() as db:
        follow_ups.record_follow_up(db, hub.actor, follow_up_id, FollowUpAnswer("No answer"),
                                    base_version=1)
    with pytest.raises(ValidationError, match="updated meanwhile"), store.unit_of_work() as db:
        follow_ups.record_follow_up(db, hub.actor, follow_up_id,
                                    FollowUpAnswer("Done", done=True), base_version=1)
