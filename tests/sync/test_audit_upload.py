"""The laptop's audit chain is synced and the real server verifies it (issue 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from hubdesk.server.models import AUDIT_LINKS, DEVICES
from hubdesk.services import audit_chain
from hubdesk.store import repositories as repo
from hubdesk.store.models import AuditEvent
from hubdesk.sync.audit_upload import VERIFIED_SETTING
from tests.sync.harness import Laptop, running_server

pytestmark = pytest.mark.integration


def test_sync_sends_the_audit_chain_and_the_server_verifies_it(tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite3'}") as server:
        laptop = Laptop(tmp_path / "laptop", server)
        try:
            laptop.record_visit()
            assert laptop.sync().completed
            with laptop.store.unit_of_work() as db:
                events = db.scalar(select(func.count()).select_from(AuditEvent))
                verified = repo.get_setting(db, VERIFIED_SETTING)
                actions = set(db.scalars(select(AuditEvent.action)))
            assert "sync" in actions and "create" in actions
            with server.engine.connect() as conn:
                held = conn.scalar(select(func.count()).select_from(AUDIT_LINKS)
                                   .where(AUDIT_LINKS.c.device_id == laptop.device_id))
                through = conn.scalar(select(DEVICES.c.audit_verified_through)
                                      .where(DEVICES.c.id == laptop.device_id))
            # the run's own sync event is written before the upload, so all are there
            assert held == events == verified == through

            # someone with the database edits an event the server already verified: the
            # laptop's own check fails, and the server keeps its copy of the link
            with laptop.store.unit_of_work() as db:
                db.execute(update(AuditEvent).where(AuditEvent.id == 2).values(action="view"))
            with laptop.store.unit_of_work() as db:
                assert not audit_chain.verify_chain(db).ok
        finally:
            laptop.close()
