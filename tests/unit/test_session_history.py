"""Volunteer sign in and out (hours in the session summary), past sessions reopened as a
new version, and venues renamed and retired: each a service with its rules and audit."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from hubdesk.core.errors import ValidationError
from hubdesk.services import session_history, sessions, venues
from hubdesk.services.common import Actor, PermissionDenied
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent, HubSession, OutboxItem
from tests.conftest import Hub


class Clock:
    """The services' clock, moved by the test (the laptop's clock is the only fake)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from hubdesk.core.clock import utc_now

    ticking = Clock(utc_now())
    monkeypatch.setattr(sessions, "utc_now", ticking)
    return ticking


def test_signing_in_and_out_gives_the_hours_in_the_summary(store: Store, hub: Hub, val: Actor,
                                                          clock: Clock) -> None:
    with store.unit_of_work() as db:
        sessions.sign_in(db, hub.actor, hub.session_id, hub.actor.volunteer_id)
        sessions.sign_in(db, val, hub.session_id, val.volunteer_id)
    clock.now += timedelta(hours=2, minutes=30)
    with store.unit_of_work() as db:
        sessions.sign_out(db, val, hub.session_id, val.volunteer_id)
        summary = sessions.session_summary(db, hub.session_id)
    assert summary.volunteer_minutes == 150 and summary.volunteers == 2
    lines = {line.name: line for line in summary.shifts}
    assert lines["Val Volunteer"].minutes == 150 and lines["Pat Coordinator"].signed_out is None
    assert "(2 h 30 min)" in lines["Val Volunteer"].text
    with store.unit_of_work() as db:  # still working state: no version is queued yet
        assert db.scalars(select(OutboxItem).where(OutboxItem.kind == "session")).all() == []
        row = db.scalars(select(HubSession)).one()
        assert val.volunteer_id in row.volunteers_present
        details = db.scalars(select(AuditEvent.detail).where(
            AuditEvent.entity_id == hub.session_id)).all()
        assert details.count("volunteer signed in") == 2 and "volunteer signed out" in details


def test_a_volunteer_signs_only_themselves_and_not_twice(store: Store, hub: Hub, val: Actor) -> None:
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        sessions.sign_in(db, val, hub.session_id, hub.actor.volunteer_id)
    with store.unit_of_work() as db:
        sessions.sign_in(db, val, hub.session_id, val.volunteer_id)
    with pytest.raises(ValidationError, match="already signed in"), store.unit_of_work() as db:
        sessions.sign_in(db, val, hub.session_id, val.volunteer_id)
    with pytest.raises(ValidationError, match="not signed in"), store.unit_of_work() as db:
        sessions.sign_out(db, hub.actor, hub.session_id, hub.actor.volunteer_id)


def test_sign_out_all_of_a_day_at_a_given_time(store: Store, hub: Hub, val: Actor,
                                               clock: Clock) -> None:
    with store.unit_of_work() as db:
        sessions.sign_in(db, val, hub.session_id, val.volunteer_id)
        day = sessions.session_info(db, hub.session_id).session_date
    with store.unit_of_work() as db:
        changes = sessions.sign_out_all(db, hub.actor, day=day, at=clock.now + timedelta(hours=2))
        assert changes.ids == [hub.session_id]
        summary = sessions.session_summary(db, hub.session_id)
        assert summary.volunteer_minutes == 120
        assert sessions.sign_out_all(db, hub.actor, day=day - timedelta(days=1)).ids == []


def test_sign_out_all_on_a_closed_session_writes_a_new_version(store: Store, hub: Hub,
                                                               val: Actor, clock: Clock) -> None:
    with store.unit_of_work() as db:
        sessions.close_session(db, hub.actor, hub.session_id)
        # a closed session that still has someone signed in: closed on a laptop that did not
        # sign out at close, and downloaded here
        row = db.scalars(select(HubSession)).one()
        row.volunteer_shifts = [{"volunteer_id": val.volunteer_id,
                                 "signed_in_at": row.started_at.isoformat(timespec="seconds")}]
    clock.now += timedelta(hours=2)
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        sessions.sign_out_all(db, val, session_ids=[hub.session_id])
    with store.unit_of_work() as db:
        changes = sessions.sign_out_all(db, hub.actor)  # today's sessions
        assert changes.ids == [hub.session_id]
        assert sessions.sign_out_all(db, hub.actor).kinds == set()  # nobody left to sign out
    with store.unit_of_work() as db:
        rows = db.scalars(select(HubSession).order_by(HubSession.version)).all()
        assert [(r.version, r.base_version, r.is_current) for r in rows] == [
            (1, None, False), (2, 1, True)]
        assert sessions.session_summary(db, hub.session_id).volunteer_minutes >= 120
        queued = db.scalars(select(OutboxItem.version).where(OutboxItem.kind == "session")).all()
        assert queued == [1, 2]


def test_a_coordinator_reopens_a_closed_session_as_a_new_version(store: Store, hub: Hub,
                                                                 val: Actor) -> None:
    with store.unit_of_work() as db:
        sessions.close_session(db, hub.actor, hub.session_id)
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        session_history.reopen_session(db, val, hub.session_id)
    with store.unit_of_work() as db:
        listed = session_history.list_past_sessions(db, hub.actor)
        assert [(r.id, r.status, r.visits) for r in listed] == [(hub.session_id, "closed", 0)]
        session_history.reopen_session(db, hub.actor, hub.session_id)
    with store.unit_of_work() as db:
        sessions.add_headcount(db, hub.actor, hub.session_id, +2)  # the correction
        session_history.close_again(db, hub.actor, hub.session_id)
    with store.unit_of_work() as db:
        rows = db.scalars(select(HubSession).order_by(HubSession.version)).all()
        assert [(r.version, r.status, r.headcount) for r in rows] == [
            (1, "closed", 0), (2, "closed", 2)]
        assert db.scalars(select(OutboxItem.version).where(OutboxItem.kind == "session")).all() \
            == [1, 2]


def test_past_sessions_are_listed_newest_day_first(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        sessions.close_session(db, hub.actor, hub.session_id)
        older = sessions.open_session(db, hub.actor, hub.venue_id, "drop_in").primary_id
        row = db.scalars(select(HubSession).where(HubSession.record_id == older)).one()
        row.session_date -= timedelta(days=3)
    with store.unit_of_work() as db:
        listed = session_history.list_past_sessions(db, hub.actor)
        assert [r.id for r in listed] == [hub.session_id, older]


def test_venues_are_renamed_and_retired_by_a_coordinator(store: Store, hub: Hub, val: Actor) -> None:
    with store.unit_of_work() as db:
        other = venues.add_venue(db, hub.actor, "Central Library", "library").venue_id
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        venues.rename_venue(db, val, hub.venue_id, "St Mary's Church Hall")
    with pytest.raises(ValidationError) as taken, store.unit_of_work() as db:
        venues.rename_venue(db, hub.actor, hub.venue_id, "central library")
    assert list(taken.value.field_errors) == ["venue_name"]
    with store.unit_of_work() as db:
        venues.rename_venue(db, hub.actor, hub.venue_id, "  St Mary's  Church Hall ")
        venues.set_venue_retired(db, hub.actor, other, True)
    with store.unit_of_work() as db:
        assert [v.name for v in sessions.list_venues(db)] == ["St Mary's Church Hall"]
        assert sessions.session_info(db, hub.session_id).venue_name == "St Mary's Church Hall"
        with pytest.raises(ValidationError):  # a retired venue takes no new session
            sessions.open_session(db, hub.actor, other, "drop_in")
        with pytest.raises(ValidationError, match="only venue"):
            venues.set_venue_retired(db, hub.actor, hub.venue_id, True)
        assert [(r.name, r.active) for r in venues.list_all_venues(db, hub.actor)] == [
            ("St Mary's Church Hall", True), ("Central Library", False)]
        details = db.scalars(select(AuditEvent.detail).where(
            AuditEvent.entity_kind == "venue", AuditEvent.action == "edit")).all()
        assert details == ["renamed", "retired"]


def test_a_session_keeps_at_most_the_sign_ins_the_server_accepts(store: Store, hub: Hub) -> None:
    me = hub.actor.volunteer_id
    with store.unit_of_work() as db:
        for _ in range(sessions.MAX_SHIFTS):
            sessions.sign_in(db, hub.actor, hub.session_id, me)
            sessions.sign_out(db, hub.actor, hub.session_id, me)
    with pytest.raises(ValidationError, match="Open a new session"), store.unit_of_work() as db:
        sessions.sign_in(db, hub.actor, hub.session_id, me)


def test_signed_hours_reach_the_hub_report(store: Store, hub: Hub, val: Actor, clock: Clock) -> None:
    from hubdesk.reports.laptop import laptop_report
    from hubdesk.services.time_zone import hub_today_for

    with store.unit_of_work() as db:
        sessions.sign_in(db, val, hub.session_id, val.volunteer_id)
    clock.now += timedelta(hours=1, minutes=30)
    with store.unit_of_work() as db:
        sessions.sign_out(db, val, hub.session_id, val.volunteer_id)
        sessions.close_session(db, hub.actor, hub.session_id)
    with store.unit_of_work() as db:
        today = hub_today_for(db)
        figures = laptop_report(db, hub.actor, today, today).figures
    assert figures["volunteer_hours"] == 1.5
