"""Safeguarding alerts: the coordinator's review and acknowledgement, on a migrated database."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from hubdesk.core.errors import NotFoundError, ValidationError
from hubdesk.services import alerts, visits, volunteers
from hubdesk.services.common import Actor, PermissionDenied
from hubdesk.services.status import status_counts
from hubdesk.services.visits import TopicAnswer, VisitForm
from hubdesk.store.engine import Store
from hubdesk.store.models import Alert, AuditEvent
from tests.conftest import COORDINATOR, Hub

NOTE = "Said her son takes her pension"
ACTION = "Called the adult safeguarding team, ref 4471"


def _volunteer(store: Store, hub: Hub) -> Actor:
    with store.unit_of_work() as db:
        volunteers.add_volunteer(db, hub.actor, "Val Volunteer", "135790")
    with store.unit_of_work() as db:
        return volunteers.unlock(db, "Val Volunteer", "135790")


def _record_concern(store: Store, hub: Hub, actor: Actor | None = None) -> str:
    form = VisitForm(contact_mode="walk_in", age_band="75_84", sex="female",
                     topics=[TopicAnswer("money"), TopicAnswer("loneliness")],
                     safeguarding=True, note=NOTE)
    with store.unit_of_work() as db:
        return visits.record_visit(db, actor or hub.actor, hub.session_id, form).primary_id


def test_open_alerts_list_the_visit_and_who_raised_it(store: Store, hub: Hub) -> None:
    val = _volunteer(store, hub)
    visit_id = _record_concern(store, hub, val)
    with store.unit_of_work() as db:
        visits.record_visit(db, hub.actor, hub.session_id,  # no flag: no alert
                            VisitForm(contact_mode="walk_in", topics=[TopicAnswer("falls")]))
        rows = alerts.list_open_alerts(db, hub.actor)
    assert len(rows) == 1
    row = rows[0]
    assert (row.visit_id, row.raised_by, row.age_band, row.sex, row.topics) == (
        visit_id, "Val Volunteer", "75_84", "female", ("money", "loneliness"))
    assert row.session_title == "Lunch club, St Mary's Hall" and row.venue == "St Mary's Hall"
    assert row.note == NOTE  # the coordinator handles the escalation
    assert row.raised_at.tzinfo is None


def test_only_a_coordinator_sees_the_restricted_note(store: Store, hub: Hub) -> None:
    val = _volunteer(store, hub)
    _record_concern(store, hub, val)
    with store.unit_of_work() as db:
        for reader in (val, None):
            rows = alerts.list_open_alerts(db, reader)
            assert len(rows) == 1 and rows[0].note is None
            assert NOTE not in repr(rows)


def test_acknowledging_keeps_what_was_done_and_closes_the_alert(store: Store, hub: Hub) -> None:
    _record_concern(store, hub)
    with store.unit_of_work() as db:
        alert_id = alerts.list_open_alerts(db, hub.actor)[0].id
        assert status_counts(db).open_alerts == 1
    with store.unit_of_work() as db:
        changes = alerts.acknowledge_alert(db, hub.actor, alert_id, f"  {ACTION}  ")
    assert changes.kinds == {"alert"} and changes.primary_id == alert_id
    with store.unit_of_work() as db:
        alert = db.get(Alert, alert_id)
        assert alert is not None
        assert alert.action_taken == ACTION
        assert alert.acknowledged_by == hub.actor.volunteer_id and alert.acknowledged_at is not None
        assert alerts.list_open_alerts(db, hub.actor) == []
        assert status_counts(db).open_alerts == 0
    with store.unit_of_work() as db, pytest.raises(ValidationError) as again:
        alerts.acknowledge_alert(db, hub.actor, alert_id, "Called them again")
    assert "already" in again.value.field_errors["alert"]


def test_the_audit_event_says_acknowledged_and_nothing_personal(store: Store, hub: Hub) -> None:
    _record_concern(store, hub)
    with store.unit_of_work() as db:
        alert_id = alerts.list_open_alerts(db, hub.actor)[0].id
    with store.unit_of_work() as db:
        alerts.acknowledge_alert(db, hub.actor, alert_id, ACTION)
    with store.unit_of_work() as db:
        events = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        acknowledged = [e for e in events if e.action == "acknowledge"]
        assert [(e.entity_kind, e.entity_id, e.detail) for e in acknowledged] == [
            ("alert", alert_id, "acknowledged")]
        assert acknowledged[0].actor_id == hub.actor.volunteer_id
        everything = " ".join(f"{e.action} {e.entity_kind} {e.entity_id} {e.detail}" for e in events)
        for personal in (ACTION, "4471", "safeguarding team", NOTE, "pension", COORDINATOR):
            assert personal not in everything
        # still one unbroken hash chain
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))


def test_a_volunteer_cannot_acknowledge(store: Store, hub: Hub) -> None:
    val = _volunteer(store, hub)
    _record_concern(store, hub, val)
    with store.unit_of_work() as db:
        alert_id = alerts.list_open_alerts(db, val)[0].id
    with store.unit_of_work() as db, pytest.raises(PermissionDenied):
        alerts.acknowledge_alert(db, val, alert_id, ACTION)
    with store.unit_of_work() as db:
        alert = db.get(Alert, alert_id)
        assert alert is not None and alert.acknowledged_at is None and alert.action_taken is None
        assert not db.scalars(select(AuditEvent).where(AuditEvent.action == "acknowledge")).all()


@pytest.mark.parametrize("action, message", [
    ("", "Say what you did"),
    ("   ", "Say what you did"),
    ("x" * (alerts.MAX_ACTION + 1), "300 characters or fewer"),
])
def test_what_was_done_is_required_and_short(store: Store, hub: Hub, action: str, message: str) -> None:
    _record_concern(store, hub)
    with store.unit_of_work() as db:
        alert_id = alerts.list_open_alerts(db, hub.actor)[0].id
    with store.unit_of_work() as db, pytest.raises(ValidationError) as refused:
        alerts.acknowledge_alert(db, hub.actor, alert_id, action)
    assert message in refused.value.field_errors[alerts.ACTION_FIELD]
    with store.unit_of_work() as db:
        assert len(alerts.list_open_alerts(db, hub.actor)) == 1
    with store.unit_of_work() as db:  # exactly the limit is fine
        alerts.acknowledge_alert(db, hub.actor, alert_id, "y" * alerts.MAX_ACTION)


def test_an_unknown_alert_is_not_found(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db, pytest.raises(NotFoundError):
        alerts.acknowledge_alert(db, hub.actor, "018f0000-0000-7000-8000-000000000000", ACTION)
