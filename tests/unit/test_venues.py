"""Adding a venue is a service: coordinators only, refused input said plainly, audited
in the same transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hubdesk.core.errors import ValidationError
from hubdesk.services import sessions, venues
from hubdesk.services.common import Actor, PermissionDenied
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent, Venue
from tests.conftest import Hub


def _venue_audits(store: Store) -> int:
    with store.unit_of_work() as db:
        return int(db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "create", AuditEvent.entity_kind == "venue")) or 0)


def test_a_coordinator_adds_a_venue_with_its_audit_event(store: Store, hub: Hub) -> None:
    before = _venue_audits(store)
    with store.unit_of_work() as db:
        added = venues.add_venue(db, hub.actor, "  Central   Library ", "library", "sg1")
    assert added.changes.kinds == {"venue"} and added.changes.primary_id == added.venue_id
    assert [v.name for v in added.venues if v.id == added.venue_id] == ["Central Library"]
    with store.unit_of_work() as db:
        venue = db.get(Venue, added.venue_id)
        assert venue is not None and venue.postcode_district == "SG1"
        assert venue.hub_id == sessions.list_venues(db)[0].hub_id
        event = db.scalars(select(AuditEvent).where(AuditEvent.entity_id == added.venue_id)).one()
        assert (event.action, event.actor_id) == ("create", hub.actor.volunteer_id)
    assert _venue_audits(store) == before + 1


def test_a_volunteer_cannot_add_a_venue_and_nothing_is_written(store: Store, hub: Hub) -> None:
    volunteer = Actor(hub.actor.volunteer_id, hub.actor.device_id, "Val", "volunteer")
    with store.unit_of_work() as db:
        count = len(sessions.list_venues(db))
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        venues.add_venue(db, volunteer, "Central Library", "library")
    with store.unit_of_work() as db:
        assert len(sessions.list_venues(db)) == count


@pytest.mark.parametrize(("name", "kind", "postcode", "field"), [
    ("", "library", "", "venue_name"),
    ("Hall", "castle", "", "venue_type"),
    ("Hall", "library", "SG2 7", "postcode_district"),
])
def test_bad_input_is_refused_with_a_message(store: Store, hub: Hub, name: str, kind: str,
                                             postcode: str, field: str) -> None:
    before = _venue_audits(store)
    with pytest.raises(ValidationError) as refused, store.unit_of_work() as db:
        venues.add_venue(db, hub.actor, name, kind, postcode)
    assert list(refused.value.field_errors) == [field]
    assert _venue_audits(store) == before
