"""Which session a volunteer works in after unlocking (services.session_resume)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from hubdesk.core.days import hub_today
from hubdesk.core.errors import ValidationError
from hubdesk.services import sessions, volunteers
from hubdesk.services.common import PermissionDenied
from hubdesk.services.session_resume import (
    close_left_open_session,
    left_open_since,
    open_on_unlock,
    resumed_text,
)
from hubdesk.services.visits import VisitForm, record_visit
from hubdesk.store import repositories as repo
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent, HubSession, OutboxItem
from tests.conftest import VOLUNTEER_PIN, Hub


def move_to_day(store: Store, session_id: str, day: date, opened_local: time) -> None:
    """Make ``session_id`` one opened on ``day`` at ``opened_local`` London time (as if
    it had been opened then and left open)."""
    from zoneinfo import ZoneInfo

    opened = datetime.combine(day, opened_local, tzinfo=ZoneInfo("Europe/London"))
    with store.unit_of_work() as db:
        row = repo.current_version(db, HubSession, session_id)
        assert row is not None
        row.session_date = day
        row.started_at = opened.astimezone(UTC).replace(tzinfo=None)


def second_session(store: Store, hub: Hub) -> str:
    with store.unit_of_work() as db:
        return sessions.open_session(db, hub.actor, hub.venue_id, "warm_space").primary_id


def test_one_session_open_today_is_resumed_and_said(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        found = open_on_unlock(db, hub.actor)
    assert found.resumed is not None and found.resumed.id == hub.session_id
    assert found.to_choose == () and found.left_open == ()
    opened = found.resumed.opened_at
    assert opened is not None
    assert resumed_text(found.resumed) == (
        f"Resumed: Lunch club, St Mary's Hall, opened {opened:%H:%M} by Pat Coordinator")


def test_several_open_today_are_all_offered_and_none_chosen(store: Store, hub: Hub) -> None:
    newer = second_session(store, hub)
    with store.unit_of_work() as db:
        found = open_on_unlock(db, hub.actor)
    assert found.resumed is None
    assert [info.id for info in found.to_choose] == [newer, hub.session_id]  # newest first


def test_a_session_left_open_yesterday_is_set_apart_and_takes_no_visits(
        store: Store, hub: Hub) -> None:
    yesterday = hub_today() - timedelta(days=1)
    move_to_day(store, hub.session_id, yesterday, time(10, 2))
    with store.unit_of_work() as db:
        found = open_on_unlock(db, hub.actor)
    assert found.resumed is None and found.to_choose == ()
    assert [info.id for info in found.left_open] == [hub.session_id]
    assert left_open_since(yesterday, hub_today()) == f"left open since {yesterday:%A}"

    with store.unit_of_work() as db, pytest.raises(ValidationError) as refused:
        record_visit(db, hub.actor, hub.session_id, VisitForm(contact_mode="walk_in"))
    assert "today's visits cannot go into it" in str(refused.value)
    with store.unit_of_work() as db, pytest.raises(ValidationError):
        sessions.close_session(db, hub.actor, hub.session_id)  # "now" is not when it ended


def test_a_left_open_session_is_closed_with_its_real_end_time(store: Store, hub: Hub) -> None:
    tuesday = hub_today() - timedelta(days=3)
    move_to_day(store, hub.session_id, tuesday, time(10, 2))
    with store.unit_of_work() as db, pytest.raises(ValidationError) as too_early:
        close_left_open_session(db, hub.actor, hub.session_id, time(9, 0))
    assert too_early.value.field_errors["ended_at"] == (
        "The session opened at 10:02; give a time after that.")

    with store.unit_of_work() as db:
        summary = close_left_open_session(db, hub.actor, hub.session_id, time(13, 30))
    assert summary.session.status == "closed"
    with store.unit_of_work() as db:
        row = repo.current_version(db, HubSession, hub.session_id)
        assert row is not None and row.ended_at is not None
        from zoneinfo import ZoneInfo

        ended = row.ended_at.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/London"))
        assert (ended.date(), ended.hour, ended.minute) == (tuesday, 13, 30)
        assert db.scalar(select(OutboxItem.kind).where(OutboxItem.record_id == hub.session_id)) == "session"
        assert db.scalar(select(AuditEvent.detail).where(
            AuditEvent.entity_id == hub.session_id, AuditEvent.detail == "closed")) == "closed"
        assert open_on_unlock(db, hub.actor).left_open == ()


def test_only_a_coordinator_closes_a_left_open_session(store: Store, hub: Hub) -> None:
    move_to_day(store, hub.session_id, hub_today() - timedelta(days=1), time(10, 0))
    with store.unit_of_work() as db:
        volunteers.add_volunteer(db, hub.actor, "Sam Volunteer", VOLUNTEER_PIN)
    with store.unit_of_work() as db:
        sam = volunteers.unlock(db, "Sam Volunteer", VOLUNTEER_PIN)
    with store.unit_of_work() as db, pytest.raises(PermissionDenied):
        close_left_open_session(db, sam, hub.session_id, time(12, 0))


def test_left_open_long_ago_names_the_date() -> None:
    assert left_open_since(date(2026, 11, 3), date(2026, 12, 1)) == "left open since 3 November"
