"""Retention on the laptop, end to end with the real server (issue 8): identifying
details go N days after the server acknowledged them, never before, never unsent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hubdesk.core.clock import utc_now
from hubdesk.services import retention, visits, volunteers
from hubdesk.services.common import PermissionDenied
from hubdesk.services.visits import AgreementAnswer, TopicAnswer, VisitForm
from hubdesk.store.models import AuditEvent, OutboxItem, Person, Visit
from tests.sync.harness import Laptop, running_server

pytestmark = pytest.mark.integration


def _visit_with_details(laptop: Laptop, name: str) -> str:
    form = VisitForm(contact_mode="walk_in", topics=[TopicAnswer("loneliness")],
                     agreements=[AgreementAnswer("follow_up", True)], preferred_name=name,
                     contact="07700 900123", note="Restricted note about Ada")
    with laptop.store.unit_of_work() as db:
        return visits.record_visit(db, laptop.actor, laptop.session_id, form).primary_id


def test_purge_after_acknowledgement(tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite3'}") as server:
        laptop = Laptop(tmp_path / "laptop", server)
        try:
            sent_id = _visit_with_details(laptop, "Ada Testperson")
            assert laptop.sync().completed
            unsent_id = _visit_with_details(laptop, "Fixture Person")  # not sent yet
            with laptop.store.unit_of_work() as db:
                assert retention.purge_preview(db).summary == "Nothing is due to be removed."
                later = utc_now() + timedelta(days=retention.DEFAULT_RETENTION_DAYS, hours=1)
                preview = retention.purge_preview(db, later)
            assert (preview.people, preview.notes) == (1, 1)
            assert "1 name and contact details and 1 note" in preview.summary

            with laptop.store.unit_of_work() as db:
                volunteers.add_volunteer(db, laptop.actor, "Val Volunteer", "135790")
            with laptop.store.unit_of_work() as db:
                val = volunteers.unlock(db, "Val Volunteer", "135790")
            with pytest.raises(PermissionDenied), laptop.store.unit_of_work() as db:
                retention.purge_identifying_details(db, val, later)
            with laptop.store.unit_of_work() as db:
                retention.purge_identifying_details(db, laptop.actor, later)

            with laptop.store.unit_of_work() as db:
                people = {p.preferred_name for p in db.scalars(select(Person))}
                notes = {v.record_id: v.note for v in db.scalars(select(Visit))}
                payloads = [str(i.payload) for i in db.scalars(select(OutboxItem))]
                purge = db.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).all()
            assert people == {"", "Fixture Person"}  # the unsent one is kept
            assert notes[sent_id] == "" and notes[unsent_id] == "Restricted note about Ada"
            assert not any("Ada Testperson" in p for p in payloads)
            assert len(purge) == 1 and "1 people, 1 notes" in purge[0].detail
            # the anonymous record stays, and sync still has nothing to change
            assert laptop.sync().completed
        finally:
            laptop.close()
