"""The county report over the real server (SQLite and PostgreSQL), from the same fixed
dataset and hand-worked answers as the laptop's test (tests/reports/dataset.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from hubdesk.server.reports import ReportRequest, county_report
from hubdesk.server.testing import LiveServer
from tests.reports.dataset import EXPECTED_MARCH, rid
from tests.server.conftest import Laptop
from tests.server.county_data import MARCH, fill_county


@pytest.fixture
def county(server: LiveServer, make_laptop: Callable[..., Laptop], tmp_path: Path) -> LiveServer:
    return fill_county(server, make_laptop, tmp_path)


def test_every_figure_per_hub_district_and_county(county: LiveServer) -> None:
    report = county_report(county.engine, ReportRequest(*MARCH, exact=True))
    stevenage = {**EXPECTED_MARCH, "safeguarding_flags": {"raised": 1}}
    assert report["by_hub"]["Test Hub"] == stevenage
    assert report["by_district"]["Test district"] == stevenage
    hitchin = report["by_hub"]["Hitchin Hub"]
    assert (hitchin["visits"], hitchin["people_helped"], hitchin["visitors"]) == (5, 6, 5)
    assert report["by_district"]["North Herts"]["volunteers"] == 1
    assert report["visits"] == 11 and report["people_helped"] == 17
    assert report["sex"] == {"female": 8, "male": 2, "not_asked": 1}
    assert report["volunteers"] == 5  # A B C D at Stevenage, E at Hitchin
    assert report["mental_health"] == {"count": 2, "percent_of_visits": 18.2}
    assert report["mecc_by_topic"] == EXPECTED_MARCH["mecc_by_topic"]


@pytest.mark.parametrize(("day", "visits"), [
    (date(2026, 3, 28), 2), (date(2026, 3, 29), 1 + 5), (date(2026, 3, 30), 3),
    (date(2026, 3, 31), 1), (date(2026, 10, 24), 0), (date(2026, 10, 25), 2),
    (date(2026, 10, 26), 1),
])
def test_midnight_and_clock_change_days(county: LiveServer, day: date, visits: int) -> None:
    report = county_report(county.engine, ReportRequest(day, day, exact=True))
    assert report["visits"] == visits


def test_one_hub_and_one_district(county: LiveServer) -> None:
    hub = county_report(county.engine, ReportRequest(*MARCH, hub="hitchin hub", exact=True))
    assert hub["visits"] == 5 and list(hub["by_hub"]) == ["Hitchin Hub"]
    district = county_report(county.engine, ReportRequest(*MARCH, district="Test district",
                                                          exact=True))
    assert district["visits"] == 6 and list(district["by_district"]) == ["Test district"]
    assert district["volunteers"] == 4


def test_small_numbers_are_hidden_unless_exact(county: LiveServer) -> None:
    report = county_report(county.engine, ReportRequest(*MARCH))
    stevenage = report["by_hub"]["Test Hub"]
    assert stevenage["visits"] == 6
    assert stevenage["first_visits"] == "<5" and stevenage["sex"]["female"] == "<5"
    assert stevenage["mental_health"] == {"count": "<5", "percent_of_visits": None}
    assert report["sex"]["female"] == 8 and report["sex"]["male"] == "<5"
    assert stevenage["follow_ups"]["due"] == "<5"


def test_later_versions_count_and_erased_records_still_count(county: LiveServer) -> None:
    county_report(county.engine, ReportRequest(*MARCH, exact=True))
    # a coordinator's edit on the server: v2 (male) becomes female
    county.edit_record("visit", rid("visit", 2), {"sex": "female"})
    # erased after the report tables have it: still counted
    county.erase_record("visit", rid("visit", 3))
    report = county_report(county.engine, ReportRequest(*MARCH, exact=True))
    assert report["by_hub"]["Test Hub"]["sex"] == {"female": 4, "male": 1, "not_asked": 1}
    assert report["by_hub"]["Test Hub"]["visits"] == 6


def test_a_record_erased_before_any_report_still_counts(county: LiveServer) -> None:
    county.erase_record("visit", rid("visit", 3))
    report = county_report(county.engine, ReportRequest(date(2026, 3, 29), date(2026, 3, 29),
                                                        exact=True))
    assert report["by_hub"]["Test Hub"]["visits"] == 1
    assert report["by_hub"]["Test Hub"]["safeguarding_flags"] == {"raised": 1}
