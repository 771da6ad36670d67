"""SQLite's planner has statistics, so today's list finds its visits by record id.

Without them the planner could not tell ``is_current`` (two values) from ``record_id``
(one row each) and, given the report's wide covering index, scanned every current visit
once per session: the PIN-to-form time at 20k visits was 31 s, 29 ms with statistics.
"""

from __future__ import annotations

import time

from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite

from hubdesk.services.demo import generate_demo
from hubdesk.store import repositories as repo
from hubdesk.store.engine import Store
from hubdesk.store.models import HubSession, Venue, Visit
from tests.conftest import Hub


def _places_plan(store: Store, visit_ids: list[str]) -> str:
    query = (select(Visit.record_id, Venue.name, HubSession.session_type)
             .join(HubSession, (HubSession.record_id == Visit.session_id) & HubSession.is_current)
             .join(Venue, Venue.id == HubSession.venue_id)
             .where(Visit.record_id.in_(visit_ids), Visit.is_current))
    sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with store.read_only() as db:
        return " | ".join(row[3] for row in db.execute(text("EXPLAIN QUERY PLAN " + sql)))


def test_a_new_database_has_statistics(store: Store) -> None:
    with store.read_only() as db:
        tables = db.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        assert tables.scalar() == "sqlite_stat1"


def test_after_a_bulk_fill_visits_are_found_by_record_id(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        generate_demo(db, hub.actor, visits=1500, seed=5, days=20)
    store.refresh_statistics()
    with store.read_only() as db:
        visit_ids = list(db.scalars(select(Visit.record_id).where(Visit.is_current)
                                    .order_by(Visit.visited_at.desc()).limit(200)))
    plan = _places_plan(store, visit_ids[:3])
    first_step = plan.split(" | ")[0]
    assert first_step.startswith("SEARCH visits") and "(record_id=?" in first_step, plan
    with store.read_only() as db:
        started = time.perf_counter()
        places = repo.visit_places(db, visit_ids)
        spent = time.perf_counter() - started
    assert len(places) == len(visit_ids)
    assert spent < 0.5, f"visit places for 200 visits took {spent:.2f} s"
