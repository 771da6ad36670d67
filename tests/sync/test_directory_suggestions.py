"""A coordinator's directory suggestion, end to end against the real server: proposed on
a laptop, synced exactly once as a ``suggestion`` record, accepted by a council user, and
back in the laptop's next directory download, where the suggestion stops waiting."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hubdesk.server import suggestions as council
from hubdesk.server.council_access import Viewer
from hubdesk.services import directory, suggestions
from hubdesk.services.suggestions import ProposedChange
from hubdesk.store.models import Service
from tests.server.test_cli import SAMPLE
from tests.sync.harness import Laptop, check_invariants, running_server

pytestmark = pytest.mark.integration
NEW_PHONE = "01438 000 456"


def test_an_accepted_correction_comes_back_in_the_next_directory_download(
        tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite3'}") as server:
        from hubdesk.server import admin

        admin.import_directory(server.engine, SAMPLE)  # the council's directory
        laptop = Laptop(tmp_path / "laptop", server)
        try:
            with laptop.store.unit_of_work() as db:
                advice = directory.search_directory(db, "citizens advice")[0]
                made = suggestions.propose(db, laptop.actor, ProposedChange(
                    "correct", advice.id, "New number from May",
                    {"phone": NEW_PHONE, "name": advice.name}))
            assert laptop.sync().completed
            check_invariants(server, [laptop])
            viewer = Viewer("council-1", "council", True,
                            {server.hub_id: ("Stevenage Healthy Hub", "Stevenage")},
                            ("Stevenage",))
            [pending] = council.pending_suggestions(server.engine, viewer)
            assert pending.record_id == made.suggestion_id and pending.problem is None
            assert [(c.label, c.proposed) for c in pending.changes if c.changed] == [
                ("Phone", NEW_PHONE)]
            assert council.decide(server.engine, viewer, made.suggestion_id, 1,
                                  accept=True) == advice.id

            assert laptop.sync().completed  # the reference download brings the entry back
            with laptop.store.unit_of_work() as db:
                service = db.scalars(select(Service).where(Service.id == advice.id)).one()
                assert service.phone == NEW_PHONE
                [row] = suggestions.list_suggestions(db, advice.id)
            assert row.words.endswith("the council has updated this entry since")
        finally:
            laptop.close()
