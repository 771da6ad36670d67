"""Editing or deleting any audit row makes the laptop's own verification fail (issue 8)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from hubdesk.services import audit_chain, volunteers
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent
from tests.conftest import COORDINATOR, PIN, Hub


@pytest.fixture
def events(store: Store, hub: Hub) -> int:
    for _ in range(4):
        with store.unit_of_work() as db:
            volunteers.unlock(db, COORDINATOR, PIN)
    with store.unit_of_work() as db:
        check = audit_chain.verify_chain(db)
    assert check.ok, check.summary
    return check.events


@pytest.mark.parametrize("column, value", [
    ("action", "view"), ("actor_id", None), ("detail", "changed"), ("entity_id", "x"),
    ("device_id", "00000000-0000-7000-8000-000000000000"), ("prev_hash", "1" * 64),
    ("hash", "2" * 64),
])
def test_editing_any_field_of_any_row_breaks_the_chain(store: Store, events: int, column: str,
                                                       value: object) -> None:
    for row in (1, events // 2, events):
        with store.unit_of_work() as db:
            original = db.get(AuditEvent, row)
            assert original is not None
            kept = getattr(original, column)
            db.execute(update(AuditEvent).where(AuditEvent.id == row).values({column: value}))
        with store.unit_of_work() as db:
            check = audit_chain.verify_chain(db)
        assert not check.ok and check.first_break is not None and check.first_break <= row + 1
        with store.unit_of_work() as db:
            db.execute(update(AuditEvent).where(AuditEvent.id == row).values({column: kept}))
        with store.unit_of_work() as db:
            assert audit_chain.verify_chain(db).ok


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_deleting_any_row_breaks_the_chain(store: Store, events: int, where: str) -> None:
    row = {"first": 1, "middle": events // 2, "last": events}[where]
    with store.unit_of_work() as db:
        db.execute(delete(AuditEvent).where(AuditEvent.id == row))
    with store.unit_of_work() as db:
        check = audit_chain.verify_chain(db)
    assert not check.ok
    assert "broken" in check.summary
