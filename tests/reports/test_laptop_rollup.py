"""The laptop's daily roll-up against its row path, on the real (encrypted) store.

The row path (``laptop_report(..., rollup=False)``) is checked against hand-worked
answers in test_laptop_figures.py; the roll-up must give the same figures for the hand
dataset, a seeded random one, and after late records, edits, deletions, an erasure
from the server, a directory change and a new hub zone, whatever path wrote them
(the triggers note the days).
"""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from hubdesk.core.days import TIME_ZONE_SETTING
from hubdesk.reports.laptop import laptop_report
from hubdesk.reports.laptop_rollup import rebuild
from hubdesk.reports.laptop_sources import hub_time_zone
from hubdesk.store import repositories as repo
from hubdesk.store.engine import Store
from hubdesk.store.erasures import apply_erasure
from hubdesk.store.models import Service
from hubdesk.store.rollup_models import DAILY_COUNTS, DAILY_VISITORS, DAILY_VOLUNTEERS
from tests.conftest import Hub
from tests.reports.dataset import (
    EXPECTED_MARCH,
    SERVICES,
    VENUE_1,
    VENUE_2,
    VOL_D,
    _outcome,
    _talk,
    _visit,
    records,
    rid,
)
from tests.reports.laptop_data import fill_store, write_records
from tests.reports.random_data import random_records

MARCH = (date(2026, 3, 28), date(2026, 3, 30))
PERIODS = [MARCH, (date(2026, 3, 29), date(2026, 3, 29)), (date(2026, 3, 30), date(2026, 3, 30)),
           (date(2026, 10, 25), date(2026, 10, 25)), (date(2026, 1, 1), date(2026, 12, 31)),
           (date(2000, 1, 1), date(2099, 12, 31))]


@pytest.fixture
def filled(store: Store, hub: Hub) -> Hub:
    fill_store(store)
    return hub


def _both(store: Store, hub: Hub, first: date, last: date,
          venue_id: str | None = None) -> dict[str, Any]:
    """The roll-up's figures, after checking the row path gives the same."""
    with store.unit_of_work() as db:
        from_rollup = laptop_report(db, hub.actor, first, last, venue_id).figures
        from_rows = laptop_report(db, hub.actor, first, last, venue_id, rollup=False).figures
    assert from_rollup == from_rows, (first, last, venue_id)
    return from_rollup


def _assert_rollup_is_what_a_rebuild_makes(store: Store) -> None:
    with store.unit_of_work() as db:
        kept = [sorted(tuple(row) for row in db.execute(select(table)))
                for table in (DAILY_COUNTS, DAILY_VISITORS, DAILY_VOLUNTEERS)]
        rebuild(db, hub_time_zone(db))
        again = [sorted(tuple(row) for row in db.execute(select(table)))
                 for table in (DAILY_COUNTS, DAILY_VISITORS, DAILY_VOLUNTEERS)]
    assert again == kept


def test_the_hand_dataset_gives_the_same_figures_both_ways(store: Store, filled: Hub) -> None:
    assert _both(store, filled, *MARCH) == {
        **EXPECTED_MARCH, "safeguarding_flags": {"raised": 1, "awaiting": 1}}
    for first, last in PERIODS:
        for venue in (None, VENUE_1, VENUE_2):
            _both(store, filled, first, last, venue)
    _assert_rollup_is_what_a_rebuild_makes(store)


def test_a_random_dataset_gives_the_same_figures_both_ways(store: Store, hub: Hub) -> None:
    rng = random.Random(7)
    with store.unit_of_work() as db:
        for service in SERVICES:
            db.add(Service(**service, status="active"))
        write_records(db, "hub", random_records(rng, 0) + random_records(rng, 1))
    for first, last in PERIODS:
        figures = _both(store, hub, first, last)
    assert figures["visits"] > 80 and figures["visitors"] > figures["repeat_visitors"] > 0
    assert figures["mental_health"]["count"] > 0 and figures["volunteers"] >= 3
    _both(store, hub, *MARCH, rid("session", 5002))
    _assert_rollup_is_what_a_rebuild_makes(store)


def test_late_records_edits_deletions_erasure_and_directory_keep_the_rollup_right(
        store: Store, filled: Hub) -> None:
    before = _both(store, filled, *MARCH)
    assert before["age_bands"]["65_74"] == 1 and before["visits"] == 6
    base = {r["record_id"]: r for r in records() if r["kind"] == "visit"}
    with store.unit_of_work() as db:
        write_records(db, "hub", [
            # late: a visit on the 28th with code B2, a conversation and a crisis signpost
            # for v2
            _visit(50, 1, "2026-03-28T12:00:00", "walk_in", None, "35_49", "male", True, "B2",
                   [], VOL_D),
            _talk(50, 2, "money", "assist", "made_plan", "referral_made"),
            _outcome(50, 2, SERVICES[1]["id"], "referral", "sent"),
            # v2 moves from 65-74 to 75-84; v7 moves from the 30th to the 31st; v3 deleted
            _edited(base[rid("visit", 2)], age_band="75_84"),
            _edited(base[rid("visit", 7)], visited_at="2026-03-31T10:00:00"),
            {**_edited(base[rid("visit", 3)]), "deleted": True},
        ])
        # an erasure tombstone from the server, applied as a download applies it
        apply_erasure(db, "visit", rid("visit", 5), 1, datetime(2026, 4, 1, 9, 0))
    after = _both(store, filled, *MARCH)
    assert after["visits"] == 4  # +v50; -v3 deleted, -v7 moved, -v5 erased
    assert after["age_bands"].get("65_74", 0) == 0 and after["age_bands"]["75_84"] == 1
    assert after["mecc_by_topic"]["money"] == 2
    assert after["mental_health"]["count"] == 3  # v1 topic, v4 and v2 crisis signposts
    assert _both(store, filled, date(2026, 3, 31), date(2026, 3, 31))["visits"] == 2
    # the debt advice service joins the mental-health categories: v6 (27th) signposted there
    with_27th = (date(2026, 3, 27), MARCH[1])
    assert _both(store, filled, *with_27th)["mental_health"]["count"] == 3
    with store.unit_of_work() as db:
        db.execute(update(Service).where(Service.id == SERVICES[2]["id"])
                   .values(categories=["money", "mental_health"]))
    assert _both(store, filled, *with_27th)["mental_health"]["count"] == 4
    for first, last in PERIODS:
        _both(store, filled, first, last, VENUE_1)
    _assert_rollup_is_what_a_rebuild_makes(store)


def test_a_new_hub_zone_rebuilds_the_rollup(store: Store, filled: Hub) -> None:
    assert _both(store, filled, date(2026, 3, 28), date(2026, 3, 28))["visits"] == 2
    with store.unit_of_work() as db:
        repo.put_setting(db, TIME_ZONE_SETTING, "America/New_York")
    assert _both(store, filled, date(2026, 3, 28), date(2026, 3, 28))["visits"] == 3
    _assert_rollup_is_what_a_rebuild_makes(store)


def _edited(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    from datetime import datetime

    fields = dict(record["fields"])
    for key, value in changes.items():
        fields[key] = datetime.fromisoformat(value) if key == "visited_at" else value
    return {**record, "version": record["version"] + 1, "fields": fields}
