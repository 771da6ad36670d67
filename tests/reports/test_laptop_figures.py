"""Report figures on the laptop's store against answers worked out by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hubdesk.core.days import TIME_ZONE_SETTING
from hubdesk.reports.laptop import laptop_report
from hubdesk.services.common import Actor, PermissionDenied
from hubdesk.store import repositories as repo
from hubdesk.store.engine import Store
from tests.conftest import Hub
from tests.reports.dataset import EXPECTED_MARCH, VENUE_2
from tests.reports.laptop_data import fill_store


@pytest.fixture
def filled(store: Store, hub: Hub) -> Hub:
    fill_store(store)
    return hub


def _report(store: Store, actor: Actor, first: date, last: date,
            venue_id: str | None = None) -> dict[str, Any]:
    with store.unit_of_work() as db:
        return laptop_report(db, actor, first, last, venue_id).figures


def test_every_figure_for_three_days_matches_the_hand_count(store: Store, filled: Hub) -> None:
    figures = _report(store, filled.actor, date(2026, 3, 28), date(2026, 3, 30))
    expected = {**EXPECTED_MARCH, "safeguarding_flags": {"raised": 1, "awaiting": 1}}
    assert figures == expected


@pytest.mark.parametrize(("day", "visits", "sessions"), [
    (date(2026, 3, 27), 1, 0),  # v6 at 23:59 GMT
    (date(2026, 3, 28), 2, 1),  # v2 at 23:30 GMT stays on the 28th
    (date(2026, 3, 29), 1, 1),  # 23-hour day: v3 at 00:30 GMT; v4 at 23:30 UTC is the 30th
    (date(2026, 3, 30), 3, 1),  # v4 00:30 BST, v5, v7 23:59:59 BST; v8 at midnight is the 31st
    (date(2026, 3, 31), 1, 0),  # v8 at 00:00 BST
    (date(2026, 10, 24), 0, 0),  # v10 at 23:30 UTC is 00:30 BST on the 25th
    (date(2026, 10, 25), 2, 1),  # 25-hour day: v10 and v11 (23:30 GMT)
    (date(2026, 10, 26), 1, 0),  # v12 at midnight GMT
])
def test_midnight_and_clock_change_days(store: Store, filled: Hub, day: date, visits: int,
                                        sessions: int) -> None:
    figures = _report(store, filled.actor, day, day)
    assert figures["visits"] == visits
    assert sum(figures["sessions_by_type"].values()) == sessions


def test_a_hub_in_another_zone_has_other_days(store: Store, filled: Hub) -> None:
    with store.unit_of_work() as db:
        repo.put_setting(db, TIME_ZONE_SETTING, "America/New_York")
    # New York is UTC-4 in late March: its 28th runs 04:00 UTC on the 28th to 04:00 on the 29th.
    # v2 (23:30 UTC) is 19:30 and v3 (00:30 UTC on the 29th) 20:30 there; v6 (23:59 UTC on
    # the 27th) is 19:59 on the 27th
    figures = _report(store, filled.actor, date(2026, 3, 28), date(2026, 3, 28))
    assert figures["visits"] == 3


def test_one_venue(store: Store, filled: Hub) -> None:
    figures = _report(store, filled.actor, date(2026, 3, 28), date(2026, 3, 30), VENUE_2)
    assert figures["visits"] == 2  # v3 and v4 at the warm space
    assert figures["people_helped"] == 4
    assert figures["visitors"] == 1 and figures["repeat_visitors"] == 1  # B2 on two days
    assert figures["sessions_by_type"] == {"warm_space": 1}
    assert (figures["attendance"], figures["attendance_0_17"]) == (7, 7)
    assert (figures["volunteers"], figures["volunteer_hours"]) == (1, 3.5)
    assert figures["signposts_by_category"] == {"crisis": 1}
    assert figures["mental_health"] == {"count": 1, "percent_of_visits": 50.0}


def test_only_a_coordinator_sees_reports(store: Store, filled: Hub) -> None:
    volunteer = Actor(filled.actor.volunteer_id, filled.actor.device_id, "Ann", "volunteer")
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        laptop_report(db, volunteer, date(2026, 3, 28), date(2026, 3, 30))


def test_a_century_long_period_counts_everything_and_lines_up_months_with_data(
        store: Store, filled: Hub) -> None:
    figures = _report(store, filled.actor, date(2000, 1, 1), date(2099, 12, 31))
    assert figures["visits"] == 11  # v1-v12 without the deleted v9
    assert figures["visits_by_month"] == {
        "2026-03": 8, "2026-04": 0, "2026-05": 0, "2026-06": 0, "2026-07": 0, "2026-08": 0,
        "2026-09": 0, "2026-10": 3}
    assert figures["repeat_visitors"] == 2  # as in March: B2 on two days, v5 returning
