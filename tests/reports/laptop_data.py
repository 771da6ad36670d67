"""Writes the fixed report dataset into a laptop store, version by version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from hubdesk.store import repositories as repo
from hubdesk.store.engine import Store
from hubdesk.store.models import VERSIONED_KINDS, Alert, Service, Venue
from tests.reports.dataset import ALERT_VISIT, SERVICES, VENUE_1, VENUE_2, VOL_A, records

DEVICE = "0190e000-0000-7000-8000-000000000001"


def fill_store(store: Store) -> None:
    """The dataset in the store of the ``hub`` fixture (its hub and first-run set-up)."""
    with store.unit_of_work() as db:
        state = repo.device_state(db)
        assert state is not None and state.hub_id
        write_dataset(db, state.hub_id)


def write_dataset(db: Session, hub_id: str) -> None:
    for service in SERVICES:
        db.add(Service(**service, status="active"))
    db.add(Venue(id=VENUE_1, hub_id=hub_id, name="Queensway high street unit",
                 venue_type="high_street"))
    db.add(Venue(id=VENUE_2, hub_id=hub_id, name="Bedwell warm space", venue_type="church_hall"))
    write_records(db, hub_id, records())
    db.add(Alert(id="0190f000-0000-7000-8000-000000000001", visit_id=ALERT_VISIT,
                 raised_by=VOL_A, raised_at=datetime(2026, 3, 29, 0, 31)))


def write_records(db: Session, hub_id: str, versions: list[dict[str, Any]]) -> None:
    """Record versions as the store keeps them (a later version retires the one before)."""
    for record in versions:
        model = VERSIONED_KINDS[record["kind"]]
        fields = dict(record["fields"])
        if record["kind"] == "session":
            fields["hub_id"] = hub_id
        if record["version"] > 1:
            db.execute(update(model).where(model.record_id == record["record_id"])
                       .values(is_current=False))
        db.add(model(**fields, record_id=record["record_id"], version=record["version"],
                     base_version=record["version"] - 1 or None, deleted=record["deleted"],
                     is_current=True, device_id=DEVICE, created_by=record["created_by"],
                     created_at=datetime(2026, 3, 1), utc_offset_min=0))
        db.flush()
