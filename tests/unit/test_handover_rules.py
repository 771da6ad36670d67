"""The handover's and Settings' rules, one test per rule: who may, what is audited, and
that a closed (synced) session is never changed in place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import ValidationError
from hubdesk.services import sessions, visits, volunteers
from hubdesk.services.common import Actor, PermissionDenied
from hubdesk.store import repositories
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent, Draft, HubSession, OutboxItem
from hubdesk.sync.errors import CaptivePortal, EnrolRefused, InsecureConnection, Offline
from hubdesk.sync.handover import discard_drafts, handover_day, shift_hours
from hubdesk.sync.hub_settings import HubSettings, check_settings, load_settings, save_settings
from hubdesk.sync.join import CERTIFICATE, NO_CONNECTION, PORTAL, JoinForm, check_join_form, join_problem
from tests.conftest import VOLUNTEER_PIN, Hub


def _volunteer(store: Store, hub: Hub) -> Actor:
    with store.unit_of_work() as db:
        volunteers.add_volunteer(db, hub.actor, "Robin Volunteer", VOLUNTEER_PIN)
    with store.unit_of_work() as db:
        return volunteers.unlock(db, "Robin Volunteer", VOLUNTEER_PIN)


def _sign_in(store: Store, hub: Hub, hours_ago: float) -> None:
    since = (utc_now() - timedelta(hours=hours_ago)).isoformat(timespec="seconds")
    with store.unit_of_work() as db:
        row = repositories.current_version(db, HubSession, hub.session_id)
        assert row is not None
        row.volunteer_shifts = [{"volunteer_id": hub.actor.volunteer_id, "signed_in_at": since}]


def test_signing_out_an_open_session_changes_its_working_copy_only(store: Store, hub: Hub) -> None:
    _sign_in(store, hub, 1.5)
    with store.unit_of_work() as db:
        sessions.sign_out_all(db, hub.actor, [hub.session_id])
    with store.unit_of_work() as db:
        rows = db.scalars(select(HubSession).where(HubSession.record_id == hub.session_id)).all()
        assert [r.version for r in rows] == [1] and rows[0].device_seq is None
        assert 1.45 < shift_hours(rows[0].volunteer_shifts) < 1.55
        assert db.scalar(select(OutboxItem).where(OutboxItem.kind == "session")) is None


def test_signing_out_a_closed_session_makes_a_new_version_naming_its_base(
        store: Store, hub: Hub) -> None:
    _sign_in(store, hub, 2)
    with store.unit_of_work() as db:
        sessions.close_session(db, hub.actor, hub.session_id)
    with store.unit_of_work() as db:
        sessions.sign_out_all(db, hub.actor, [hub.session_id])
    with store.unit_of_work() as db:
        rows = db.scalars(select(HubSession).where(HubSession.record_id == hub.session_id)
                          .order_by(HubSession.version)).all()
        assert [(r.version, r.base_version, r.is_current) for r in rows] == [
            (1, None, False), (2, 1, True)]
        assert "signed_out_at" not in rows[0].volunteer_shifts[0]  # the sent one is untouched
        assert rows[1].status == "closed" and rows[1].volunteer_shifts[0]["signed_out_at"]
        queued = db.scalars(select(OutboxItem.version).where(OutboxItem.kind == "session")).all()
        assert sorted(queued) == [1, 2]
        # nothing more to sign out: a second call changes nothing
        assert not sessions.sign_out_all(db, hub.actor, [hub.session_id]).ids


def test_a_volunteer_cannot_sign_everyone_out_read_the_handover_or_discard_drafts(
        store: Store, hub: Hub) -> None:
    robin = _volunteer(store, hub)
    with store.unit_of_work() as db:
        with pytest.raises(PermissionDenied):
            sessions.sign_out_all(db, robin, [hub.session_id])
        with pytest.raises(PermissionDenied):
            handover_day(db, robin)
        with pytest.raises(PermissionDenied):
            discard_drafts(db, robin, ["x"])


def test_discarding_a_draft_is_audited_without_its_content(store: Store, hub: Hub) -> None:
    robin = _volunteer(store, hub)
    with store.unit_of_work() as db:
        draft_id = visits.save_draft(db, robin, {"preferred_name": "Mrs Ada Example"},
                                     session_id=hub.session_id)
    with store.unit_of_work() as db:
        day = handover_day(db, hub.actor)
        assert [(d.id, d.volunteer, d.is_mine) for d in day.drafts] == [
            (draft_id, "Robin Volunteer", False)]
        discard_drafts(db, hub.actor, [draft_id])
    with store.unit_of_work() as db:
        assert db.get(Draft, draft_id) is None
        event = db.scalars(select(AuditEvent).where(AuditEvent.entity_kind == "draft")).one()
        assert event.actor_id == hub.actor.volunteer_id and "Ada" not in event.detail
        with pytest.raises(ValidationError):
            discard_drafts(db, hub.actor, [draft_id])  # gone: said, not a crash


def test_settings_refuse_each_wrong_value_with_its_own_message(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        good = load_settings(db)
    wrong = HubSettings("Mars/Olympus", 0, 400, "ftp://x", "tea_party", 175)
    errors = check_settings(wrong, enrolled=False)
    assert set(errors) == {"time_zone", "auto_lock_minutes", "retention_days", "server_url",
                           "default_session_type", "text_size_percent"}
    assert check_settings(good, enrolled=False) == {}
    robin = _volunteer(store, hub)
    with store.unit_of_work() as db:
        with pytest.raises(PermissionDenied):
            save_settings(db, robin, good)
        with pytest.raises(ValidationError) as refused:
            save_settings(db, hub.actor, wrong)
        assert set(refused.value.field_errors) == set(errors)


def test_join_form_and_problems_are_said_in_words_next_to_their_field() -> None:
    errors = check_join_form(JoinForm("hubdesk.example.org", "", " ", "12"))
    assert set(errors) == {"server", "code", "coordinator_name", "pin"}
    assert check_join_form(JoinForm("https://hubdesk.example.org", "ABCD-1234", "Sam", "975310")) == {}
    assert join_problem(Offline()) == ("server", NO_CONNECTION)
    assert join_problem(CaptivePortal()) == ("server", PORTAL)
    assert join_problem(InsecureConnection()) == ("server", CERTIFICATE)
    used = EnrolRefused(409, "enrol_code_used", "This enrolment code has already been used.")
    assert join_problem(used) == ("code", "This enrolment code has already been used.")
    assert join_problem(RuntimeError("a bug")) is None
