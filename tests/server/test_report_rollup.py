"""The daily roll-up against the row path, on the real server (SQLite and PostgreSQL).

The row path (``county_report(..., rollup=False)``) computes every figure from the
report tables' rows and is itself checked against hand-worked answers
(test_reports.py); the roll-up must give the same JSON, for the hand dataset, for a
seeded random one, and after late records, edits, deletions, erasure and a new zone.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from hubdesk.core.days import TIME_ZONE_SETTING
from hubdesk.server.db import read_tx, write_tx
from hubdesk.server.models import SETTINGS
from hubdesk.server.report_monthly import MONTHLY_TABLES
from hubdesk.server.report_rollup import rebuild_rollup
from hubdesk.server.report_tables import (
    R_DAILY_COUNTS,
    R_DAILY_VISITORS,
    R_DAILY_VOLUNTEERS,
    R_MONTHLY_COUNTS,
)
from hubdesk.server.reports import ReportRequest, county_report
from hubdesk.server.testing import LiveServer
from tests.reports.dataset import EXPECTED_MARCH, SERVICES, VOL_D, _outcome, _talk, _visit, rid
from tests.reports.random_data import random_records
from tests.server.conftest import Laptop
from tests.server.county_data import MARCH, fill_county, import_services, upload

PERIODS = [MARCH, (date(2026, 3, 29), date(2026, 3, 29)), (date(2026, 3, 30), date(2026, 3, 30)),
           (date(2026, 10, 25), date(2026, 10, 25)), (date(2026, 1, 1), date(2026, 12, 31)),
           (date(2026, 3, 31), date(2026, 10, 24)), (date(2000, 1, 1), date(2099, 12, 31)),
           # the monthly level: whole months only, partial months at both ends, at one
           # end, and a period inside a single month
           (date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 3, 1), date(2026, 10, 31)),
           (date(2026, 2, 1), date(2027, 1, 31)), (date(2026, 3, 15), date(2026, 10, 25)),
           (date(2026, 3, 29), date(2026, 12, 31)), (date(2026, 3, 1), date(2026, 10, 24)),
           (date(2026, 3, 10), date(2026, 3, 29)), (date(2026, 10, 2), date(2026, 10, 30))]


@pytest.fixture
def county(server: LiveServer, make_laptop: Callable[..., Laptop], tmp_path: Path) -> LiveServer:
    return fill_county(server, make_laptop, tmp_path)


def _both(server: LiveServer, first: date, last: date, **scope: Any) -> dict[str, Any]:
    """The roll-up's report, after checking the row path gives the same JSON."""
    request = ReportRequest(first, last, exact=True, **scope)
    from_rollup = county_report(server.engine, request)
    assert from_rollup == county_report(server.engine, request, rollup=False), (first, last)
    return from_rollup


def _rollup_rows(server: LiveServer) -> list[list[tuple[Any, ...]]]:
    with read_tx(server.engine) as conn:
        return [sorted(tuple(row) for row in conn.execute(select(table)))
                for table in (R_DAILY_COUNTS, R_DAILY_VISITORS, R_DAILY_VOLUNTEERS,
                              *MONTHLY_TABLES)]


def _assert_rollup_is_what_a_rebuild_makes(server: LiveServer) -> None:
    """The incrementally kept roll-up equals one built from scratch, and each month
    holds the sum of its days."""
    kept = _rollup_rows(server)
    days, months = Counter[tuple[Any, ...]](), Counter[tuple[Any, ...]]()
    for hub, day, figure, code, n in kept[0]:
        days[(hub, _as_date(day).replace(day=1), figure, code)] += n
    for hub, month, figure, code, n in kept[3]:
        months[(hub, _as_date(month), figure, code)] += n
    assert months == days and months
    with write_tx(server.engine) as conn:
        rebuild_rollup(conn)
    assert _rollup_rows(server) == kept


def test_the_hand_dataset_gives_the_same_json_both_ways(county: LiveServer) -> None:
    report = _both(county, *MARCH)
    assert report["by_hub"]["Test Hub"] == {**EXPECTED_MARCH, "safeguarding_flags": {"raised": 1}}
    for first, last in PERIODS:
        _both(county, first, last)
    _both(county, *MARCH, hub="Hitchin Hub")
    _both(county, *MARCH, district="Test district")
    _assert_rollup_is_what_a_rebuild_makes(county)


def test_a_random_dataset_gives_the_same_json_both_ways(
        server: LiveServer, make_laptop: Callable[..., Laptop], tmp_path: Path) -> None:
    rng = random.Random(11)
    import_services(server, tmp_path)
    for hub in range(3):
        hub_id = server.create_hub(f"Random hub {hub}", f"District {hub % 2}")
        laptop = make_laptop(server, enrol=False)
        laptop.enrol(server.enrol_code(hub_id))
        upload(laptop, random_records(rng, hub))
    for first, last in PERIODS:
        _both(server, first, last)
    report = _both(server, date(2026, 1, 1), date(2026, 12, 31))
    assert report["visits"] > 100 and report["visitors"] > report["repeat_visitors"] > 0
    assert report["mental_health"]["count"] > 0 and report["volunteers"] > 3
    _both(server, *MARCH, district="District 1")
    _assert_rollup_is_what_a_rebuild_makes(server)


def test_late_records_edits_deletions_and_erasure_keep_the_rollup_right(
        county: LiveServer, make_laptop: Callable[..., Laptop]) -> None:
    before = _both(county, *MARCH)["by_hub"]["Test Hub"]
    assert before["age_bands"]["65_74"] == 1 and before["visits"] == 6
    # a late batch from another laptop of the same hub: a visit on the 28th (code B2, a
    # repeat visitor already), a conversation and a crisis signpost for the existing v2
    late = make_laptop(county)
    upload(late, [
        _visit(50, 1, "2026-03-28T12:00:00", "walk_in", None, "35_49", "male", True, "B2",
               [], VOL_D),
        _talk(50, 2, "money", "assist", "made_plan", "referral_made"),
        _outcome(50, 2, SERVICES[1]["id"], "referral", "sent"),
    ])
    # an edit that moves v2 from 65-74 to 75-84, and a deleted version of v3
    county.edit_record("visit", rid("visit", 2), {"age_band": "75_84"})
    county.edit_record("visit", rid("visit", 3), {}, deleted=True)
    # an edit that moves v7 (volunteer D's only visit) from the 30th to the 31st
    county.edit_record("visit", rid("visit", 7), {"visited_at": "2026-03-31T10:00:00"})
    # erasure after the report tables hold the record: it still counts
    county.erase_record("visit", rid("visit", 5))
    after = _both(county, *MARCH)["by_hub"]["Test Hub"]
    assert after["visits"] == 5  # +v50, -v3, -v7
    assert after["age_bands"].get("65_74", 0) == 0 and after["age_bands"]["75_84"] == 1
    assert after["mecc_by_topic"]["money"] == 2
    assert after["mental_health"]["count"] == 3  # v1 topic, v4 and now v2 crisis signposts
    assert after["visitors"] == 3  # A1, B2 and v5 (v3 deleted, v50 has B2, v7 moved)
    assert after["safeguarding_flags"] == {"raised": 0}  # v3 (flagged) deleted
    assert _both(county, date(2026, 3, 31), date(2026, 3, 31))["visits"] == 2  # v7, v8
    for first, last in PERIODS:
        _both(county, first, last)
    _assert_rollup_is_what_a_rebuild_makes(county)


def test_a_directory_change_moves_signposts_in_and_out_of_mental_health(
        county: LiveServer, tmp_path: Path) -> None:
    assert _both(county, *MARCH)["by_hub"]["Test Hub"]["mental_health"]["count"] == 2
    money = {**SERVICES[2], "categories": ["money", "mental_health"]}
    import_services(county, tmp_path, [SERVICES[0], SERVICES[1], money])
    assert _both(county, *MARCH)["by_hub"]["Test Hub"]["mental_health"]["count"] == 3
    _assert_rollup_is_what_a_rebuild_makes(county)


def test_a_new_county_zone_rebuilds_the_rollup(county: LiveServer) -> None:
    assert _both(county, date(2026, 3, 28), date(2026, 3, 28))["visits"] == 2
    with write_tx(county.engine) as conn:
        changed = conn.execute(update(SETTINGS).where(SETTINGS.c.key == TIME_ZONE_SETTING)
                               .values(value="America/New_York")).rowcount
        if not changed:
            conn.execute(insert(SETTINGS).values(key=TIME_ZONE_SETTING,
                                                 value="America/New_York"))
    # New York's 28th: v2 (19:30), v3 (20:30) and v1 (06:15); v6 is the 27th there
    assert _both(county, date(2026, 3, 28), date(2026, 3, 28))["visits"] == 3
    _assert_rollup_is_what_a_rebuild_makes(county)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def test_whole_months_are_read_from_the_monthly_level(county: LiveServer) -> None:
    """A period's whole months come from the monthly rows, its partial months from the
    days: a month row altered by hand shows in the first and not in the second."""
    whole = ReportRequest(date(2026, 3, 1), date(2026, 3, 31), exact=True)
    partial = ReportRequest(date(2026, 3, 2), date(2026, 3, 31), exact=True)
    before = county_report(county.engine, whole)["visits"]
    assert before == county_report(county.engine, partial)["visits"] > 0
    with write_tx(county.engine) as conn:
        conn.execute(update(R_MONTHLY_COUNTS).where(R_MONTHLY_COUNTS.c.figure == "visits")
                     .values(count=R_MONTHLY_COUNTS.c.count + 1000))
    assert county_report(county.engine, whole)["visits"] >= before + 1000
    assert county_report(county.engine, partial)["visits"] == before
